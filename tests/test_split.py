"""Splits: grouped by work, stratified, deterministic, stable; damaged files and leakage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.split.assign import (
    UNLABELED,
    UNRELEASED,
    assign,
    assign_splits,
    check_leakage,
    parse_ratios,
    read_splits,
    split_of_works,
)
from tests import release_fixtures as rf

EMPTY = pd.DataFrame({"work_id": [], "split": [], "version": []})


def test_assignment_is_deterministic_seedable_and_near_the_ratios() -> None:
    works = [f"local:w{i:03d}" for i in range(200)]
    strata = {w: UNLABELED for w in works}
    first = assign(works, strata, EMPTY, seed=0).assignment
    again = assign(works, strata, EMPTY, seed=0).assignment
    other = assign(works, strata, EMPTY, seed=1).assignment
    pd.testing.assert_frame_equal(first, again)
    assert not first["split"].equals(other["split"])
    assert first["split"].value_counts().to_dict() == {"train": 160, "validation": 20, "test": 20}
    assert set(first["version"]) == {UNRELEASED}


def test_each_stratum_is_spread_over_the_splits() -> None:
    works = [f"local:w{i:03d}" for i in range(100)]
    strata = {w: ("schemer" if i < 50 else "companion") for i, w in enumerate(works)}
    result = assign(works, strata, EMPTY).assignment.assign(stratum=lambda d: d.work_id.map(strata))
    for _, group in result.groupby("stratum"):
        assert group["split"].value_counts().to_dict() == {"train": 40, "validation": 5, "test": 5}


def test_existing_works_never_move_and_new_ones_are_added() -> None:
    works = [f"local:w{i:03d}" for i in range(50)]
    strata = {w: UNLABELED for w in works}
    # A pathological old file: everything in test. It must be kept as it is.
    old = pd.DataFrame({"work_id": works[:10], "split": ["test"] * 10, "version": ["1.0.0"] * 10})
    result = assign(works, strata, old).assignment.set_index("work_id")
    assert (result.loc[works[:10], "split"] == "test").all()
    assert (result.loc[works[:10], "version"] == "1.0.0").all()
    assert (result.loc[works[10:], "version"] == UNRELEASED).all()
    # The new works compensate: test is not chosen again until the others catch up.
    assert result.loc[works[10:], "split"].value_counts().get("test", 0) == 0


def test_assign_splits_on_a_work_dir_groups_by_work_and_is_stable(tmp_path: Path) -> None:
    w = rf.write_workdir(tmp_path / "w", n_works=24)
    path = tmp_path / "splits.csv"
    first = assign_splits(w, path)
    assert first.added == 24 and path.read_text().startswith("work_id,split,version\n")
    assert first.strata[rf.work_id(0)] == "dutiful_servant"
    assert first.strata[rf.work_id(1)] == UNLABELED
    before = read_splits(path).set_index("work_id")["split"]
    rf.write_workdir(tmp_path / "w", n_works=40)  # more works arrive
    second = assign_splits(w, path)
    assert (second.added, second.kept) == (16, 24)
    after = read_splits(path).set_index("work_id")["split"]
    pd.testing.assert_series_equal(after.loc[before.index], before)
    # Rerunning with nothing new changes nothing, byte for byte.
    text = path.read_text()
    assert assign_splits(w, path).added == 0 and path.read_text() == text


@pytest.mark.parametrize(("content", "message"), [
    ("work,split\n", "header"),
    ("work_id,split,version\nlocal:a,dev,unreleased\n", "line 2: split 'dev'"),
    ("work_id,split,version\nlocal:a,train,v1\n", "line 2: version 'v1'"),
    ("work_id,split,version\nlocal:a,train,1.0.0\nlocal:a,test,1.0.0\n", "line 3: work 'local:a'"),
    ("work_id,split,version\nlocal:a,train\n", "line 2: expected 3 fields"),
])
def test_damaged_splits_file_is_named_line_by_line(tmp_path: Path, content: str,
                                                   message: str) -> None:
    path = tmp_path / "splits.csv"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        read_splits(path)


def test_a_splits_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "splits.csv"
    path.write_bytes(b"\xff\xfework_id,split,version\n")
    with pytest.raises(UserError, match=r"splits.csv: not UTF-8 text \(byte 0\)"):
        read_splits(path)


def test_work_without_split_says_to_run_split() -> None:
    splits = pd.DataFrame({"work_id": ["local:a"], "split": ["train"], "version": ["1.0.0"]})
    with pytest.raises(UserError, match=r"1 work\(s\) with passages have no split.*faip split"):
        split_of_works(splits, pd.Series(["local:a", "local:b"]), "splits.csv")


def test_leakage_by_duplicate_link_and_by_identical_text() -> None:
    passages = rf.passages(3)
    split = passages["work_id"].map({rf.work_id(0): "train", rf.work_id(1): "test",
                                     rf.work_id(2): "train"})
    assert check_leakage(passages, split) == []
    passages.loc[passages.index[-1], "duplicate_of"] = passages["passage_id"].iloc[2]
    passages.loc[passages.index[0], "text_sha256"] = passages["text_sha256"].iloc[3]
    problems = check_leakage(passages, split)
    assert len(problems) == 2
    assert "duplicates" in problems[0] and "identical text sha256" in problems[1]


def test_ratios_parsing() -> None:
    assert parse_ratios("80/10/10") == pytest.approx((0.8, 0.1, 0.1))
    with pytest.raises(UserError, match="three numbers"):
        parse_ratios("80/20")


def test_cli_split(tmp_path: Path) -> None:
    w = rf.write_workdir(tmp_path / "w", n_works=10)
    path = tmp_path / "splits.csv"
    result = CliRunner().invoke(main, ["split", "--workdir", str(w), "--splits", str(path),
                                       "--seed", "3", "--ratios", "60/20/20"])
    assert result.exit_code == 0, result.output
    assert "10 new work(s) assigned" in result.output
    assert read_splits(path)["split"].value_counts().to_dict() == {
        "train": 6, "validation": 2, "test": 2}
    bad = CliRunner().invoke(main, ["split", "--workdir", str(tmp_path / "nope"),
                                    "--splits", str(path)])
    assert bad.exit_code == 1 and "not found" in bad.output and "Traceback" not in bad.output
