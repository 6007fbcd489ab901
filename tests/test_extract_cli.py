"""`faip extract` through click's CliRunner, on the fixture work directory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.schemas.passages import PassageSchema
from tests.extract_fixtures import write_workdir


def test_extract_command_writes_passages_and_prints_stats(tmp_path: Path) -> None:
    write_workdir(tmp_path)
    result = CliRunner().invoke(main, [
        "extract", "--workdir", str(tmp_path), "--min-words", "40", "--max-words", "120",
    ])
    assert result.exit_code == 0, result.output
    for step in ("read", "detect", "segment", "score", "dedup", "write"):
        assert step in result.output
    assert "passages from 8 works" in result.output
    passages = pd.read_parquet(tmp_path / "passages.parquet")
    PassageSchema.validate(passages, lazy=True)
    assert {"local:robot-jerry", "local:tiktok"} <= set(passages["work_id"])


def test_min_score_option_filters(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:detective"])
    args = ["extract", "--workdir", str(tmp_path), "--min-words", "40", "--max-words", "120"]
    assert CliRunner().invoke(main, [*args, "--min-score", "0"]).exit_code == 0
    assert len(pd.read_parquet(tmp_path / "passages.parquet")) >= 1
    assert CliRunner().invoke(main, args).exit_code == 0
    assert pd.read_parquet(tmp_path / "passages.parquet").empty


def test_missing_workdir_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", "--workdir", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "works" in result.output and "Traceback" not in result.output


def test_bad_length_is_rejected(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:tiktok"])
    result = CliRunner().invoke(main, [
        "extract", "--workdir", str(tmp_path), "--min-words", "500", "--max-words", "100",
    ])
    assert result.exit_code == 1
    assert "--min-words" in result.output


def test_help_documents_the_options() -> None:
    result = CliRunner().invoke(main, ["extract", "--help"])
    assert result.exit_code == 0
    for option in ("--workers", "--executor", "--min-words", "--max-words", "--min-score"):
        assert option in result.output
