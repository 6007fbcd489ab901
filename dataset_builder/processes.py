"""Worker processes: where they come from and how work is handed to them in order (the pools
of ``collect files`` and ``extract``)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import TypeVar

from dataset_builder.errors import UserError

T = TypeVar("T")
R = TypeVar("R")

# What the pools' workers run. The fork server imports all of them when it starts (once per
# process): the Python API may run collect and then extract, and both pools share the server.
WORKER_MODULES = ("dataset_builder.collect.file_worker", "dataset_builder.extract.executors")


def worker_context() -> BaseContext:
    """A fork server where the platform has one, else spawn.

    Workers never inherit the parent's threads or open handles (unlike plain fork), and each
    is forked from a server that has already imported ``WORKER_MODULES``: a spawned worker
    would import them again itself (~0.3 s of CPU each).
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_MODULES))
        return context
    return multiprocessing.get_context("spawn")


def _died() -> str:
    """Why a pool broke, as far as can be told from here."""
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main is not None and not os.path.isfile(main):
        # Each worker imports the calling script again, as multiprocessing does.
        return (f"the worker processes could not start: they import the calling script, and "
                f"{main!r} is not a file (a script read from stdin?); run it from a file, or "
                "with workers=1.")
    return ("a worker process died (killed, or out of memory on a very large input); "
            "rerun with fewer --workers, or --workers 1 to see which input fails.")


class OrderedMap(Iterator[R]):
    """``fn`` over ``tasks`` in ``workers`` processes, results in task order.

    The first ``ahead`` tasks are submitted at once, so the workers start while the caller
    prepares; then one more per result taken, so memory stays flat however many tasks there
    are. A worker that dies (killed, out of memory) ends the run with a UserError, where a
    multiprocessing.Pool would wait for its result forever. ``close`` (or leaving a ``with``
    block) cancels the tasks not started and ends the pool.
    """

    def __init__(self, fn: Callable[[T], R], tasks: Iterable[T], workers: int, ahead: int):
        self._fn = fn
        self._todo = iter(tasks)
        self._pool = ProcessPoolExecutor(workers, mp_context=worker_context())
        self._pending: deque[Future[R]] = deque(
            self._pool.submit(fn, task) for task in itertools.islice(self._todo, ahead))

    def __next__(self) -> R:
        if not self._pending:
            self.close()
            raise StopIteration
        try:
            result = self._pending.popleft().result()
            # A pool broken since (by another task's worker) refuses the submission too.
            self._pending.extend(self._pool.submit(self._fn, task)
                                 for task in itertools.islice(self._todo, 1))
        except BrokenProcessPool as exc:
            self.close()
            raise UserError(_died()) from exc
        return result

    def close(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> OrderedMap[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
