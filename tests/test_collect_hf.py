"""collect_hf on real local dataset folders read by datasets.load_dataset (streaming)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.collect import collect_hf
from dataset_builder.errors import UserError
from dataset_builder.schemas.works import WorkSchema

ROWS = [
    {"uid": "a1", "name": "The Brass Butler", "text": "The brass butler bowed.\r\nIt was polite."},
    {"uid": "b 2", "name": "Empty One", "text": "   "},
    {"uid": "c3", "name": "", "text": "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n"
     "The engine dreamed.\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***"},
    {"uid": "d4", "name": "Fourth", "text": "Never reached with --limit 3."},
]


@pytest.fixture
def jsonl_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "robot-stories"
    folder.mkdir()
    (folder / "train.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    return folder


def _works(workdir: Path) -> pd.DataFrame:
    frame = pd.read_parquet(workdir / "works.parquet")
    WorkSchema.validate(frame, lazy=True)
    return frame.set_index("work_id", drop=False)


def test_jsonl_folder_with_id_title_and_limit(jsonl_dataset: Path, tmp_path: Path) -> None:
    report = collect_hf(str(jsonl_dataset), tmp_path / "w", id_column="uid", title_column="name",
                        limit=3, licence="cc0-1.0")
    assert report.collected == ["hf:robot-stories/a1", "hf:robot-stories/c3"]
    assert [w for w, _ in report.failed] == ["hf:robot-stories/b_2"]
    assert "empty" in report.failed[0][1]
    table = _works(tmp_path / "w")
    first = table.loc["hf:robot-stories/a1"]
    assert (first["title"], first["licence"], first["source"]) == (
        "The Brass Butler", "cc0-1.0", "hf",
    )
    assert (tmp_path / "w" / first["text_path"]).read_text("utf-8") == (
        "The brass butler bowed.\nIt was polite."
    )
    third = table.loc["hf:robot-stories/c3"]
    assert third["title"] == "robot-stories c3"
    assert (tmp_path / "w" / third["text_path"]).read_text("utf-8") == "The engine dreamed."


def test_parquet_folder_row_numbers_and_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame({"story": ["One robot.", "Two robots."]}).to_parquet(
        folder / "data" / "train-00000-of-00001.parquet"
    )
    report = collect_hf(str(folder), tmp_path / "w", text_column="story")
    assert report.collected == ["hf:pq/0", "hf:pq/1"]
    again = collect_hf(str(folder), tmp_path / "w", text_column="story")
    assert again.skipped == ["hf:pq/0", "hf:pq/1"]


def test_missing_column_and_missing_dataset_are_clear(jsonl_dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no column\(s\) body; the columns are uid, name, text"):
        collect_hf(str(jsonl_dataset), tmp_path / "w", text_column="body")
    with pytest.raises(UserError, match=r"cannot open split 'train'"):
        collect_hf(str(tmp_path / "nothing-here"), tmp_path / "w")


def test_cli(jsonl_dataset: Path, tmp_path: Path) -> None:
    args = ["collect", "hf", str(jsonl_dataset), "--id-column", "uid", "--limit", "1",
            "-w", str(tmp_path / "w")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert list(_works(tmp_path / "w").index) == ["hf:robot-stories/a1"]
    failing = CliRunner().invoke(main, [*args[:-2], "--limit", "2", "-w", str(tmp_path / "w")])
    assert failing.exit_code == 1
    assert "error: hf:robot-stories/b_2:" in failing.stderr
