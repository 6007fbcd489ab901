"""The shipped sample export matches what collect + extract produce on the sample corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dataset_builder import paths
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.pull import import_export
from dataset_builder.annotate.sample import EXPORT_FILE, load_label_table, match_entries
from dataset_builder.schemas.annotations import AnnotationSchema


@pytest.fixture(scope="module")
def sample_passages(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from dataset_builder.collect.gutenberg import collect_gutenberg
    from dataset_builder.extract import run_extract

    work = tmp_path_factory.mktemp("sample")
    collect_gutenberg(str(paths.SAMPLE_MIRROR), work)
    run_extract(work)
    return pd.read_parquet(work / "passages.parquet")


def test_label_table_covers_every_sample_passage(sample_passages: pd.DataFrame) -> None:
    _, entries = load_label_table()
    matched = match_entries(sample_passages, entries)
    assert set(matched) == set(sample_passages["passage_id"])


def test_sample_export_imports_and_joins_the_passages(sample_passages: pd.DataFrame,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonym.KEY_ENV, "sample-test")
    tasks = json.loads(EXPORT_FILE.read_text(encoding="utf-8"))
    assert {t["data"]["passage_id"] for t in tasks} == set(sample_passages["passage_id"])
    result = import_export(EXPORT_FILE, workdir=tmp_path, project="sample")
    rows = pd.read_parquet(result.path)
    AnnotationSchema.validate(rows, lazy=True)
    assert len(rows) == 3 * len(sample_passages) and rows["annotator"].nunique() == 3
    # Hard negatives are labelled absent; the AI stories present, with real disagreement.
    halstead = sample_passages.loc[sample_passages["work_id"] == "gutenberg:990012",
                                   "passage_id"]
    assert set(rows.loc[rows["passage_id"].isin(halstead), "ai_present"]) == {"absent"}
    per_passage = rows[rows["ai_present"] == "present"].groupby("passage_id")["persona"]
    assert (per_passage.nunique() > 1).sum() >= 5
    assert (per_passage.nunique() == 1).sum() >= 15
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert b"sample.invalid" not in f.read_bytes()
