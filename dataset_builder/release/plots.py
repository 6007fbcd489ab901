"""Render the card's figures (PNG) from plain counts, in a worker process while tables are written.

Importing matplotlib and drawing cost ~2 s of CPU, a fifth of a release of 100k passages; the
figures need only a few counts, so ``FigureWorker`` draws them in a worker process started when
the release begins. This module imports neither pandas nor the rest of the package, so the
worker starts fast. Identical counts give identical bytes, in the worker or in-process.
"""

from __future__ import annotations

import io
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

# name -> (title, bar labels top to bottom, counts): JSON-friendly on purpose.
Bars = dict[str, tuple[str, list[str], list[int]]]
# (field key, alpha, ci_low or None, ci_high or None) in display order.
Intervals = list[tuple[str, float | None, float | None, float | None]]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def render(bars: Bars, agreement: Intervals) -> dict[str, bytes]:
    """PNG bytes per figure name (the bar charts, then ``agreement``)."""
    plt = _pyplot()
    out: dict[str, bytes] = {}
    with plt.rc_context({"svg.hashsalt": "faip", "font.family": "DejaVu Sans"}):
        for name, (title, keys, counts) in bars.items():
            fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(keys) + 1)), dpi=100)
            ax.barh(list(keys)[::-1], list(counts)[::-1], color="#4c72b0")
            ax.set_title(title)
            ax.set_xlabel("passages")
            # Fixed margins: tight_layout costs more than the drawing itself.
            fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.5 / fig.get_figheight(),
                                bottom=0.6 / fig.get_figheight())
            out[name] = _png(fig)
        out["agreement"] = _agreement_figure(agreement)
    return out


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def _agreement_figure(intervals: Intervals) -> bytes:
    """Krippendorff's alpha per field with its 95% interval: reliability at a glance. A field
    without an alpha (no variation) is listed with "n/a"; one whose interval is not shown
    (a trait chosen in too few passages) is a hollow marker."""
    plt = _pyplot()
    keys = [k for k, _, _, _ in intervals]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(keys) + 1.6)), dpi=100)
    if keys:
        rows = list(reversed(intervals))
        ys = list(range(len(rows)))
        with_ci = [(y, a, lo, hi) for y, (_, a, lo, hi) in zip(ys, rows, strict=True)
                   if a is not None and lo is not None and hi is not None]
        bare = [(y, a) for y, (_, a, lo, hi) in zip(ys, rows, strict=True)
                if a is not None and (lo is None or hi is None)]
        missing = [y for y, (_, a, _, _) in zip(ys, rows, strict=True) if a is None]
        if with_ci:
            ax.errorbar([a for _, a, _, _ in with_ci], [y for y, _, _, _ in with_ci],
                        xerr=[[a - lo for _, a, lo, _ in with_ci],
                              [hi - a for _, a, _, hi in with_ci]],
                        fmt="o", color="#4c72b0", capsize=3, label="alpha with 95% CI")
        if bare:
            ax.plot([a for _, a in bare], [y for y, _ in bare], "o", markerfacecolor="white",
                    color="#4c72b0", label="alpha, no trustworthy interval")
        for y in missing:
            ax.text(0.0, y, "n/a (no variation)", va="center", ha="left", fontsize=8,
                    color="#555555")
        ax.set_yticks(ys, [k for k, _, _, _ in rows])
        ax.axvline(0.667, color="#c44e52", linestyle="--", linewidth=1,
                   label="0.667: tentative conclusions")
        ax.axvline(0.8, color="#55a868", linestyle="--", linewidth=1, label="0.8: reliable")
        lows = [lo for _, _, lo, _ in with_ci] + [a for _, a in bare]
        ax.set_xlim(min([-0.05, *(v - 0.05 for v in lows)]), 1.05)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.6 / fig.get_figheight()),
                  ncol=2, fontsize=8, frameon=False)
        ax.set_xlabel("Krippendorff's alpha")
    else:
        ax.text(0.5, 0.5, "no agreement report in this release", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("Inter-annotator agreement per field")
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.5 / fig.get_figheight(),
                        bottom=1.4 / fig.get_figheight())
    return _png(fig)


def _serve(conn: Connection) -> None:
    """The worker: import matplotlib, then draw what it is sent once and send it back."""
    _pyplot()
    args = conn.recv()
    try:
        conn.send(render(*args))
    except Exception:  # noqa: BLE001 - the caller draws again and sees the error itself
        conn.send(None)


class FigureWorker:
    """Draws the figures in one worker process, started when the release begins so that it
    imports matplotlib while this process reads and validates the tables.

    Falls back to drawing here when the worker cannot start (a ``__main__`` that a new
    interpreter cannot import, e.g. a script read from stdin), dies, fails or takes longer
    than ``timeout`` seconds (the in-process run then raises the real error, if any). One
    process and a pipe, not a multiprocessing.Pool: a Pool replaces a worker that dies at
    start-up again and again, and the release would wait out the timeout.
    """

    def __init__(self, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._process: Any = None
        self._conn: Connection | None = None
        self._args: tuple[Bars, Intervals] | None = None
        try:
            # spawn: a clean interpreter that imports only this module and matplotlib.
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True)
            self._process.start()
            child.close()  # so that a worker that dies is seen as the end of the pipe
        except Exception:  # noqa: BLE001 - no worker here (e.g. inside a daemon): draw here
            self.close()

    def submit(self, bars: Bars, agreement: Intervals) -> None:
        self._args = (bars, agreement)
        if self._conn is not None:
            try:
                self._conn.send(self._args)
            except OSError:  # the worker is gone
                self.close()

    def result(self) -> dict[str, bytes]:
        if self._args is None:
            raise RuntimeError("FigureWorker.result() before submit()")
        if self._conn is not None:
            try:
                if self._conn.poll(self.timeout):
                    figures: dict[str, bytes] | None = self._conn.recv()
                    if figures is not None:
                        return figures
            except (OSError, EOFError):  # it died (or failed to start): draw here
                pass
            finally:
                self.close()
        return render(*self._args)

    def close(self) -> None:
        """Stop the worker (also when a release is refused before the figures)."""
        if self._process is not None and self._process.pid is not None:  # started
            self._process.terminate()
            self._process.join()
        self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
