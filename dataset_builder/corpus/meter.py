"""Wall time and peak memory of one stage of a build.

Peak memory is that of the whole process tree (this process, its worker pools, a forkserver
and its workers, a local Ray cluster), sampled from /proc every 0.2 s, and at least this
process's own high-water mark. Elsewhere than Linux it is this process's peak (getrusage).
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_INTERVAL = 0.2


def _status_kb(pid: str, key: str) -> int:
    try:
        for line in (_PROC / pid / "status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _own_peak_mb() -> float:
    kb = _status_kb("self", "VmHWM:")
    return (kb or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def tree_rss_mb(root: int | None = None) -> float:
    """Resident memory of process ``root`` (default: this one) and all its descendants."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # field 4, after the command name
        children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _status_kb(str(pid), "VmRSS:")
        todo.extend(children.get(pid, ()))
    return total / 1024


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float = 0.0


class Meter:
    """``with meter: ...`` measures the block's wall time and its process tree's peak memory."""

    def __init__(self) -> None:
        self.last = Measure()
        self._t0 = 0.0
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.wait(_INTERVAL):
            self._peak = max(self._peak, tree_rss_mb())

    def __enter__(self) -> Meter:
        # Writing 5 resets VmHWM to the current RSS (Linux >= 4.0): each stage its own peak.
        with contextlib.suppress(OSError):
            (_PROC / "self" / "clear_refs").write_text("5")
        self._peak, self._t0 = 0.0, time.perf_counter()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="faip-meter", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        seconds = time.perf_counter() - self._t0
        self.last = Measure(seconds, max(self._peak, _own_peak_mb()))
