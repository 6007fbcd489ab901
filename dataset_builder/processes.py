"""Where worker processes come from (the process pools of ``collect files`` and ``extract``)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

# What the pools' workers run. The fork server imports all of them when it starts (once per
# process): the Python API may run collect and then extract, and both pools share the server.
WORKER_MODULES = ("dataset_builder.collect.local", "dataset_builder.extract.executors")


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
