"""Where the map steps run: in this process, in a pool of processes, or on a Ray cluster.

An executor takes the list of map steps and shards of works and yields each shard's result in
shard order, whatever order the workers finish in, so that every executor writes the same
passages in the same order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from dataset_builder.errors import UserError
from dataset_builder.extract.steps import Problem, Step, StepStats, WorkItem, run_steps
from dataset_builder.processes import worker_context

ShardResult = tuple[list[dict[str, Any]], list[StepStats], list[Problem]]

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    def map(self, steps: list[Step], shards: Sequence[list[WorkItem]]) -> Iterator[ShardResult]:
        ...

    def close(self) -> None: ...


def _run_shard(args: tuple[list[Step], list[WorkItem]]) -> ShardResult:
    steps, items = args
    return run_steps(steps, items)


def _warm_up() -> None:
    """Pool initializer: unpickling it imports this module (unless the fork server already
    has), so the step modules (numpy, the automaton) load in the workers while the driver is
    still reading tables."""


class LocalExecutor:
    """``workers`` = 1 runs in this process; more use a process pool (see
    :func:`dataset_builder.processes.worker_context`). The pool starts at construction, so that
    the workers start up while the driver prepares the work; ``close`` ends it."""

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise UserError(f"--workers must be at least 1, got {workers}.")
        self.workers = workers
        self._pool: Any = None
        if workers > 1:
            context = worker_context()
            self._pool = context.Pool(workers, _warm_up)

    def map(self, steps: list[Step], shards: Sequence[list[WorkItem]]) -> Iterator[ShardResult]:
        """Results in shard order. A pool gets the shards at once (not when the first result
        is asked for), so the workers are busy while the driver sets up its output."""
        if self._pool is None or len(shards) <= 1:
            self.close()
            return (run_steps(steps, shard) for shard in shards)
        return self._pool.imap(_run_shard, [(steps, shard) for shard in shards])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class RayExecutor:
    """Runs each shard as a Ray task. Starts a local cluster with ``workers`` CPUs unless Ray is
    already initialised or ``address`` / the RAY_ADDRESS variable names a running cluster."""

    def __init__(self, workers: int = 2, address: str | None = None):
        try:
            import ray
        except ImportError as exc:
            raise UserError(
                "the ray executor needs Ray: pip install 'fictional-ai-personas[ray]' "
                "(or pip install 'ray[default]')."
            ) from exc
        self._ray = ray
        address = address or os.environ.get("RAY_ADDRESS")
        if not ray.is_initialized():
            if address:  # an existing cluster brings its own resources and dashboard
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        self.in_flight = max(2, 2 * workers)
        self._task = ray.remote(run_steps)

    def close(self) -> None:
        """The cluster outlives the run (it may be shared); nothing to end here."""

    def map(self, steps: list[Step], shards: Sequence[list[WorkItem]]) -> Iterator[ShardResult]:
        steps_ref = self._ray.put(steps)  # shipped once, resolved by Ray in every task
        pending: deque[Any] = deque()
        for shard in shards:
            pending.append(self._task.remote(steps_ref, shard))
            # A bounded number of tasks in flight keeps driver memory flat on big corpora.
            if len(pending) >= self.in_flight:
                yield self._ray.get(pending.popleft())
        while pending:
            yield self._ray.get(pending.popleft())


def make_executor(name: str, workers: int = 1) -> Executor:
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        return RayExecutor(workers)
    raise UserError(f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}.")
