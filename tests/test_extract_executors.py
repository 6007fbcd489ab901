"""The local process pool must end with the run, whether the run succeeds or fails, and one
automaton must serve every shard of a worker."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from dataset_builder.errors import UserError
from dataset_builder.extract import run_extract
from dataset_builder.extract.executors import LocalExecutor
from dataset_builder.extract.steps import ExtractConfig, WorkItem, map_steps, run_steps
from tests.extract_fixtures import NAMES, write_workdir


def test_pool_ends_when_the_run_fails(tmp_path: Path) -> None:
    (tmp_path / "works.parquet").write_bytes(b"not parquet")
    with pytest.raises(UserError):
        run_extract(tmp_path, names=NAMES, workers=2)
    assert multiprocessing.active_children() == []


def test_pool_ends_when_the_run_succeeds(tmp_path: Path) -> None:
    write_workdir(tmp_path)
    report = run_extract(tmp_path, names=NAMES, workers=2, shard_size=2,
                         target_words=(40, 120))
    assert report.n_passages > 0
    assert multiprocessing.active_children() == []


def test_unused_pool_is_closed_by_a_single_shard_run(tmp_path: Path) -> None:
    works = write_workdir(tmp_path, ["local:tiktok"])
    executor = LocalExecutor(workers=2)
    steps = map_steps(tmp_path, ExtractConfig(40, 120, 0.5, NAMES))
    item = WorkItem("local:tiktok", str(works["text_path"].iloc[0]))
    (rows, _, problems), = list(executor.map(steps, [[item]]))
    assert rows and not problems
    assert multiprocessing.active_children() == []


def test_shards_share_one_automaton_per_process(tmp_path: Path) -> None:
    import pickle

    works = write_workdir(tmp_path)
    steps = map_steps(tmp_path, ExtractConfig(40, 120, 0.5, NAMES))
    matchers = []
    for work_id, text_path in zip(works["work_id"], works["text_path"], strict=True):
        shipped = pickle.loads(pickle.dumps(steps))  # as a worker receives them, per shard
        run_steps(shipped, [WorkItem(work_id, text_path)])
        matchers.append(shipped[1]._matcher)
    assert len({id(m) for m in matchers}) == 1


def test_workers_start_without_pandas_or_pyarrow() -> None:
    import subprocess
    import sys

    code = ("import sys, dataset_builder.extract.executors; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'pandera') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
