"""The shipped sample export matches what collect + extract produce on the sample corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dataset_builder import paths
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.pull import import_export
from dataset_builder.schemas.annotations import AnnotationSchema
from tools.sample_annotations import (
    EXPORT_FILE,
    Habits,
    load_habits,
    load_label_table,
    match_entries,
    mention_spans,
)


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


def _spans(rows: pd.DataFrame, label: str) -> dict[str, dict[str, set[tuple[int, int]]]]:
    """passage -> annotator -> that annotator's spans of ``label``."""
    out: dict[str, dict[str, set[tuple[int, int]]]] = {}
    for row in rows.itertuples():
        cell = [] if row.spans is None else row.spans
        marked = {(int(s["start"]), int(s["end"])) for s in cell if s["label"] == label}
        out.setdefault(str(row.passage_id), {})[str(row.annotator)] = marked
    return out


def test_sample_annotators_mark_their_own_spans(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonym.KEY_ENV, "sample-test")
    rows = pd.read_parquet(import_export(EXPORT_FILE, workdir=tmp_path, project="sample").path)
    evidence = _spans(rows, "evidence")
    differ = sum(len({frozenset(v) for v in per.values()}) > 1 for per in evidence.values())
    assert differ >= 25  # evidence: different quotes and boundaries on most passages
    mentions = _spans(rows, "ai_mention")
    differ = sum(len({frozenset(v) for v in per.values()}) > 1 for per in mentions.values())
    assert 5 <= differ <= len(mentions) - 5  # some mention spans differ, not all passages
    # ...but most individual mentions are marked identically by all three annotators.
    agreed = total = 0
    for per in mentions.values():
        sets = list(per.values())
        union = set().union(*sets)
        total += len(union)
        agreed += len(set.intersection(*sets)) if len(sets) == 3 else 0
    assert agreed / total > 0.75


def test_mention_habits_shape_the_spans() -> None:
    text = "The robot said no. A robot obeys. Tobias smiled. Tobias left. Tobias, Tobias."
    found = [{"term": t, "kind": "character", "start": i, "end": i + len(t)}
             for t, i in (("robot", 4), ("robot", 21), ("Tobias", 34), ("Tobias", 49),
                          ("Tobias", 62), ("Tobias", 70))]
    plain_spans = mention_spans({}, Habits(), text, found, "test")
    assert [text[a:b] for a, b in plain_spans] == ["robot", "robot"] + ["Tobias"] * 4
    det = mention_spans({}, Habits(mention_determiner=True), text, found, "test")
    assert [text[a:b] for a, b in det][:2] == ["The robot", "A robot"]
    capped = mention_spans({"skip_mentions": ["robot"], "extra_mentions": ["said no"]},
                           Habits(mention_max_repeats=2), text, found, "test")
    assert [text[a:b] for a, b in capped] == ["Tobias", "Tobias", "said no"]
    assert set(load_habits()) == {"a", "b", "c"}
