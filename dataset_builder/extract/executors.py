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
from dataset_builder.processes import OrderedMap

ShardResult = tuple[list[dict[str, Any]], list[StepStats], list[Problem]]

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    def map(self, steps: list[Step], shards: Sequence[list[WorkItem]]) -> Iterator[ShardResult]:
        ...

    def close(self) -> None: ...


def _run_shard(args: tuple[list[Step], list[WorkItem]]) -> ShardResult:
    steps, items = args
    return run_steps(steps, items)


class LocalExecutor:
    """``workers`` = 1 runs in this process; more use a pool of processes (see
    :class:`dataset_builder.processes.OrderedMap`), ended by ``close``."""

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise UserError(f"--workers must be at least 1, got {workers}.")
        self.workers = workers
        self._results: OrderedMap[ShardResult] | None = None

    def map(self, steps: list[Step], shards: Sequence[list[WorkItem]]) -> Iterator[ShardResult]:
        """Results in shard order; two shards per worker wait in line, so the workers stay
        busy while memory holds only a few shards' passages."""
        if self.workers == 1 or len(shards) <= 1:
            return (run_steps(steps, shard) for shard in shards)
        self._results = OrderedMap(_run_shard, ((steps, shard) for shard in shards),
                                   self.workers, ahead=2 * self.workers)
        return self._results

    def close(self) -> None:
        if self._results is not None:
            self._results.close()  # cancels the shards not started, ends the pool
            self._results = None


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
