"""Damaged tables: every command says what is wrong in one report, never with a traceback,
and never writes from input that failed its schema.

Issue 17, must-fix case 5 (split writes invalid ids) and the fourteen traceback runs (missing
work_id/passage_id columns, char_start stored as strings, labels without persona, annotations
without row_id), plus the should-fix "validate passes an e-mail that release refuses".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from dataset_builder.characters.model import save_catalogue
from dataset_builder.cli import main
from dataset_builder.paths import SAMPLE_ANNOTATIONS
from dataset_builder.split.assign import assign_splits
from dataset_builder.tables import write_table
from dataset_builder.validate.workdir import validate_workdir
from tests import release_fixtures as rf


def _pull(root: Path) -> Path:
    return next((root / "annotations").glob("*.parquet"))


def _drop(table: str, column: str) -> Callable[[Path], None]:
    def damage(root: Path) -> None:
        if table == "annotations":
            rf.write_pull(_pull(root), pd.read_parquet(_pull(root)).drop(columns=column))
        else:
            write_table(root, table, pd.read_parquet(root / f"{table}.parquet").drop(
                columns=column))
    return damage


def _char_start_as_text(root: Path) -> None:
    frame = pd.read_parquet(root / "passages.parquet")
    write_table(root, "passages", frame.assign(char_start=frame["char_start"].astype(str)))


DAMAGES: dict[str, Callable[[Path], None]] = {
    "works without work_id": _drop("works", "work_id"),
    "passages without passage_id": _drop("passages", "passage_id"),
    "passages without work_id": _drop("passages", "work_id"),
    "labels without persona": _drop("labels", "persona"),
    "labels without passage_id": _drop("labels", "passage_id"),
    "annotations without row_id": _drop("annotations", "row_id"),
    "annotations without passage_id": _drop("annotations", "passage_id"),
    "char_start stored as text": _char_start_as_text,
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    w = rf.write_workdir(root / "w", n_works=6)
    assign_splits(w, root / "splits.csv")
    save_catalogue(rf.characters(), root / "characters.csv")
    return root


def _commands(root: Path) -> dict[str, list[str]]:
    w = str(root / "w")
    return {
        "validate": ["validate", "-w", w, "--no-catalogue"],
        "split": ["split", "-w", w, "--splits", str(root / "splits.csv")],
        "agreement": ["agreement", "-w", w, "--bootstrap", "0"],
        "aggregate": ["aggregate", "-w", w],
        "release": ["release", "1.0.0", "-w", w, "--out", str(root / "out"), "--splits",
                    str(root / "splits.csv"), "--catalogue", str(root / "characters.csv"),
                    "--date", "2026-11-27"],
    }


def _run(base: Path, tmp_path: Path, damage: str, command: str) -> tuple[Result, Path]:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    DAMAGES[damage](root / "w")
    result = CliRunner().invoke(main, _commands(root)[command])
    # One report, never a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output
    return result, root


# (damage, command, column the refusal names); the pairs that ended in a traceback.
REFUSED = [
    ("works without work_id", "validate", "work_id"),
    ("works without work_id", "split", "work_id"),
    ("works without work_id", "release", "work_id"),
    ("passages without passage_id", "validate", "passage_id"),
    ("passages without passage_id", "split", "passage_id"),
    ("passages without passage_id", "release", "passage_id"),
    ("passages without work_id", "validate", "work_id"),
    ("passages without work_id", "split", "work_id"),
    ("passages without work_id", "release", "work_id"),
    ("labels without persona", "split", "persona"),
    ("labels without passage_id", "validate", "passage_id"),
    ("labels without passage_id", "release", "passage_id"),
    ("annotations without row_id", "validate", "row_id"),
    ("annotations without row_id", "release", "row_id"),
    ("annotations without passage_id", "validate", "passage_id"),
    ("annotations without passage_id", "release", "passage_id"),
]


@pytest.mark.parametrize(("damage", "command", "column"), REFUSED,
                         ids=[f"{d}-{c}" for d, c, _ in REFUSED])
def test_a_damaged_table_is_refused_in_one_report(base: Path, tmp_path: Path, damage: str,
                                                  command: str, column: str) -> None:
    result, root = _run(base, tmp_path, damage, command)
    assert result.exit_code == 1
    if command == "validate":  # a table wrapped to the terminal: ask the API what it said
        failures = validate_workdir(root / "w").failures
        assert [(f.column, f.check) for f in failures] == [(column, "column_in_dataframe")]
    else:
        assert column in result.output and "column_in_dataframe" in result.output
    assert (root / "splits.csv").read_bytes() == (base / "splits.csv").read_bytes()
    assert not (root / "out").exists()


@pytest.mark.parametrize("command", ["validate", "agreement"])
def test_char_start_stored_as_text_is_read_as_release_reads_it(
        base: Path, tmp_path: Path, command: str) -> None:
    # The schema coerces "12" to 12, as the release does; validate and agreement crashed on
    # it (TypeError) while release succeeded. Now all three read the same checked values.
    result, _ = _run(base, tmp_path, "char_start stored as text", command)
    assert result.exit_code == 0, result.output


def test_split_never_writes_ids_from_a_works_table_that_fails_its_schema(
        base: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    (root / "splits.csv").unlink()  # the first split of a corpus
    works = pd.read_parquet(root / "w" / "works.parquet")
    write_table(root / "w", "works", works.assign(work_id=range(len(works))))  # integers
    result = CliRunner().invoke(main, _commands(root)["split"])
    # Before: exit 0 and "0,train,unreleased" ... committed to the splits file.
    assert result.exit_code == 1 and "was not written" in result.output, result.output
    assert "works 0 work_id" in result.output
    assert not (root / "splits.csv").exists()


def test_validate_refuses_the_e_mail_a_release_refuses(base: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    pull = pd.read_parquet(_pull(root / "w"))
    pull.loc[0, "notes"] = "ask me at someone@example.org"
    rf.write_pull(_pull(root / "w"), pull)
    release = CliRunner().invoke(main, _commands(root)["release"])
    assert release.exit_code == 1 and "e-mail" in release.output
    result = CliRunner().invoke(main, _commands(root)["validate"])
    # Before: validate passed it.
    assert result.exit_code == 1
    failures = validate_workdir(root / "w", characters=rf.characters()).failures
    assert [(f.table, f.column, f.value) for f in failures] == [
        ("annotations", "notes", "1 value(s)")]
    assert "e-mail" in failures[0].hint


def _works_listed_twice(root: Path) -> None:
    works = pd.read_parquet(root / "works.parquet")
    write_table(root, "works", pd.concat([works, works], ignore_index=True))


def _works_id_null(root: Path) -> None:
    works = pd.read_parquet(root / "works.parquet")
    write_table(root, "works", works.assign(work_id=None))


# More readers of damaged tables that ended in a traceback: (damage, command).
OTHER_READERS: dict[str, tuple[Callable[[Path], None], Callable[[Path], list[str]]]] = {
    "extract, works listed twice": (
        _works_listed_twice, lambda r: ["extract", "-w", str(r / "w")]),
    "extract, work ids null": (_works_id_null, lambda r: ["extract", "-w", str(r / "w")]),
    "collect, works without authors": (
        _drop("works", "authors"),
        lambda r: ["collect", "files", str(r / "story.txt"), "--licence", "cc0-1.0", "-w",
                   str(r / "w")]),
    "annotate import, history without row_id": (
        _drop("annotations", "row_id"),
        lambda r: ["annotate", "import", str(SAMPLE_ANNOTATIONS / "sample_export.json"), "-w",
                   str(r / "w")]),
    "annotate push, passages without duplicate_of": (
        _drop("passages", "duplicate_of"),
        lambda r: ["annotate", "push", "-w", str(r / "w"), "--url", "http://127.0.0.1:9",
                   "--project", "P"]),
}


@pytest.mark.parametrize("case", list(OTHER_READERS))
def test_other_readers_of_a_damaged_table_refuse_in_one_line(
        base: Path, tmp_path: Path, case: str) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    (root / "story.txt").write_text("The robot spoke to the engineer.\n", "utf-8")
    damage, command = OTHER_READERS[case]
    damage(root / "w")
    before = {p: p.stat().st_mtime_ns for p in (root / "w").rglob("*") if p.is_file()}
    result = CliRunner(env={"LABEL_STUDIO_API_KEY": "x" * 40}).invoke(main, command(root))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == 1 and "error: " in result.output, result.output
    after = {p: p.stat().st_mtime_ns for p in (root / "w").rglob("*")
             if p.is_file() and p.name != ".faip.lock"}
    assert after == before  # nothing written from a damaged table
