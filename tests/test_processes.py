"""The pools' worker modules stay light: a worker that imported pandas or pyarrow would spend
more time starting than a small shard takes to process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dataset_builder.processes import WORKER_MODULES, worker_context


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
