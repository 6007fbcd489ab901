"""`faip demo`: the whole chain on the embedded sample, ending in load_dataset on the release."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.demo import run_demo
from dataset_builder.errors import UserError


@pytest.mark.slow
def test_demo_runs_the_whole_chain(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    summary = run_demo(work, date="2026-11-27")
    passages = pd.read_parquet(work / "passages.parquet")
    labels = pd.read_parquet(work / "labels.parquet")
    # Every sample passage was annotated and aggregated; any passage the extractor cut from
    # a story without an artificial mind was caught by the annotators' gate.
    assert summary.passages == len(passages) > 0
    assert set(labels["passage_id"]) == set(passages["passage_id"])
    negatives = passages[passages["work_id"].isin(
        ["gutenberg:990010", "gutenberg:990011", "gutenberg:990012"])]["passage_id"]
    assert len(negatives) <= 1
    gold = labels.set_index("passage_id")["ai_present"]
    assert (gold[list(negatives)] == "absent").all()
    assert (gold == "present").sum() >= 25
    # load_dataset saw every config, and the passages splits add up to the table.
    assert set(summary.loaded) == {"passages", "annotations", "works", "characters"}
    assert sum(summary.loaded["passages"].values()) == len(passages)
    assert sum(summary.loaded["works"].values()) == 12
    assert summary.agreement.fields["persona"].alpha is not None
    # The copyrighted sample story is released without its text.
    released = pd.concat(pd.read_parquet(p) for p in
                         (work / "release" / "data" / "passages").glob("*.parquet"))
    withheld = released[released["work_id"] == "gutenberg:990007"]
    assert len(withheld) and withheld["text"].isna().all()
    # A rerun replaces the demo's own work dir.
    again = CliRunner().invoke(main, ["demo", "--workdir", str(work), "--date", "2026-11-27"])
    assert again.exit_code == 0, again.output
    assert "passages" in again.output and "load_dataset" in again.output


def test_demo_never_wipes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(UserError, match="not a demo work dir"):
        run_demo(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
