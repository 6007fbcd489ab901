"""The synthetic work-directory factory: every table valid, the labels the vote of the
annotations, a release builds from it, and a taxonomy field added reaches every table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import dataset_builder as fb
from dataset_builder import synthetic, taxonomy
from dataset_builder.aggregate.gold import aggregate
from dataset_builder.schemas.annotations import annotation_schema
from dataset_builder.schemas.labels import label_schema


def test_every_table_is_valid(synthetic_workdir: Path) -> None:
    report = fb.validate(synthetic_workdir)
    assert report.ok, report.result.failures[:5]
    assert report.result.rows["passages"] == 120 and report.result.rows["annotations"] == 360


def test_labels_are_the_vote_of_the_annotations(synthetic_workdir: Path) -> None:
    rows = pd.read_parquet(next((synthetic_workdir / "annotations").glob("*.parquet")))
    voted = aggregate(rows, taxonomy.load()).set_index("passage_id").sort_index()
    written = pd.read_parquet(synthetic_workdir / "labels.parquet").set_index("passage_id")
    written = written.sort_index()
    tax = taxonomy.load()
    for column in (*tax.field_ids(("single", "rating")), "n_annotators", "agreement"):
        assert voted[column].tolist() == written[column].tolist(), column
    for column in (*tax.field_ids("multi"), *(f"{f}_soft" for f in tax.field_ids("single"))):
        assert voted[column].map(list).tolist() == written[column].map(list).tolist(), column


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    a, b, c = (synthetic.works_and_passages(60, seed) for seed in (1, 1, 2))
    pd.testing.assert_frame_equal(a[1], b[1])
    assert a[1]["text"].tolist() != c[1]["text"].tolist()


def test_a_field_added_to_the_taxonomy_gets_values() -> None:
    tax = synthetic.taxonomy_with_field("extra_role", ("actor", "scenery"))
    ids = synthetic.works_and_passages(10)[1]["passage_id"]
    rows = annotation_schema(tax).validate(synthetic.annotations(ids, taxonomy=tax), lazy=True)
    gold = label_schema(tax).validate(synthetic.labels(ids, taxonomy=tax), lazy=True)
    assert set(rows["extra_role"]) <= {"actor", "scenery"}
    assert gold["extra_role_soft"].map(len).eq(2).all()


def test_a_release_builds_from_it(synthetic_workdir: Path, tmp_path: Path) -> None:
    fb.split(synthetic_workdir, splits_path=tmp_path / "splits.csv")
    release = fb.release(synthetic_workdir, version="1.0.0", out=tmp_path / "release",
                         splits_path=tmp_path / "splits.csv", date="2026-11-27",
                         characters=synthetic.characters())
    assert release.ok and fb.verify(release.result).ok
