"""Where worker processes come from (the process pools of ``collect files`` and ``extract``)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext


def worker_context(*preload: str) -> BaseContext:
    """A fork server where the platform has one, else spawn.

    Workers never inherit the parent's threads or open handles (unlike plain fork), and the
    fork server imports the workers' modules (``preload``) once and forks each worker from
    there: a spawned worker would import them again itself (~0.3 s of CPU each). A server
    already running keeps its own preload; the workers then import what they miss.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")
