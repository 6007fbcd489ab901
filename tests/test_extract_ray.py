"""The same extraction steps on a local Ray cluster give identical passages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dataset_builder.extract import run_extract
from tests.extract_fixtures import NAMES, write_workdir

ray = pytest.importorskip("ray", reason="the ray extra: pip install 'fictional-ai-personas[ray]'")


@pytest.mark.slow
def test_ray_executor_equals_local_executor(tmp_path: Path) -> None:
    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    write_workdir(local_dir)
    write_workdir(ray_dir)
    run_extract(local_dir, names=NAMES, target_words=(40, 120))
    try:
        report = run_extract(ray_dir, executor="ray", workers=2, names=NAMES,
                             target_words=(40, 120), shard_size=2)
    finally:
        ray.shutdown()
    assert report.n_passages > 0
    local = pd.read_parquet(local_dir / "passages.parquet")
    distributed = pd.read_parquet(ray_dir / "passages.parquet")
    pd.testing.assert_frame_equal(local, distributed)
    assert local_dir.joinpath("passages.parquet").read_bytes() == \
        ray_dir.joinpath("passages.parquet").read_bytes()
