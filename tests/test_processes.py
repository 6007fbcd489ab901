"""The pools' worker modules stay light: a worker that imported pandas or pyarrow would spend
more time starting than a small shard takes to process."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import pytest

from dataset_builder.errors import UserError
from dataset_builder.processes import WORKER_MODULES, OrderedMap, worker_context


@pytest.mark.parametrize("module", WORKER_MODULES)
def test_worker_modules_import_nothing_heavy(module: str) -> None:
    code = (f"import sys, {module}; "
            "heavy = sorted({'pandas', 'pyarrow', 'pandera', 'datasets'} & set(sys.modules)); "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def _square(x: int) -> int:
    return x * x


def test_worker_context_runs_a_pool() -> None:
    with worker_context().Pool(2) as pool:
        assert pool.map(_square, range(5)) == [0, 1, 4, 9, 16]


def test_ordered_map_keeps_task_order_and_ends_its_pool() -> None:
    with OrderedMap(_square, range(50), workers=2, ahead=3) as results:
        assert list(results) == [x * x for x in range(50)]
    early = OrderedMap(_square, range(1000), workers=2, ahead=4)
    assert [next(early), next(early)] == [0, 1]
    early.close()  # the tasks not started are cancelled
    assert multiprocessing.active_children() == []


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)  # as the kernel's out-of-memory killer would end it
    return x


@pytest.mark.parametrize("late", [False, True], ids=["eager", "late"])
def test_a_worker_that_dies_ends_the_map_with_a_clear_error(late: bool) -> None:
    # late: the caller takes the first result after the pool broke (results 0-2 are done
    # then, and the next submission is what finds the pool broken).
    outcome: dict[str, object] = {}

    def consume() -> None:
        try:
            with OrderedMap(_die_on_three, range(8), workers=2, ahead=4) as results:
                if late:
                    time.sleep(2)
                outcome["results"] = list(results)
        except UserError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the map waited forever for a dead worker"
    assert "a worker process died" in str(outcome.get("error")), outcome


def test_a_script_on_stdin_is_told_why_the_workers_cannot_start() -> None:
    # Workers import the calling script again; one read from stdin has no file to import.
    code = ("import math\n"
            "from dataset_builder.errors import UserError\n"
            "from dataset_builder.processes import OrderedMap\n"
            "try:\n"
            "    with OrderedMap(math.sqrt, range(5), workers=2, ahead=2) as results:\n"
            "        print(list(results))\n"
            "except UserError as exc:\n"
            "    print('refused:', exc)\n")
    out = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.startswith("refused:"), out.stdout + out.stderr[-2000:]
    assert "'<stdin>' is not a file" in out.stdout
