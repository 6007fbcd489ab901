"""Wall time and peak memory of one stage of a build (Linux /proc; elsewhere getrusage)."""

from __future__ import annotations

import contextlib
import resource
import time
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _hwm_mb() -> float:
    """This process's peak resident memory in MB (since the last reset, where Linux allows)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # Writing 5 resets VmHWM to the current RSS (Linux >= 4.0), so each stage gets its own peak.
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text("5")


def workers_peak_mb() -> float:
    """The largest peak resident memory of any finished child process (worker pools)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float = 0.0


class Meter:
    """``with meter: ...`` measures the block's wall time and this process's peak memory."""

    def __init__(self) -> None:
        self.last = Measure()
        self._t0 = 0.0

    def __enter__(self) -> Meter:
        _reset_peak()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.last = Measure(time.perf_counter() - self._t0, _hwm_mb())
