"""`faip validate` on whole work directories: cross-table checks and bad files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dataset_builder.characters.model import load_catalogue
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.release.frames import _read_inputs
from dataset_builder.tables import frame_of, read_arrow, write_table
from dataset_builder.validate.checked import require_valid
from dataset_builder.validate.workdir import validate_workdir
from tests import table_builders as tb


def test_valid_workdir_passes_and_counts_rows(tmp_path: Path) -> None:
    report = validate_workdir(tb.write_workdir(tmp_path / "w"))
    assert report.ok, report.failures
    assert report.rows == {"works": 2, "passages": 2, "annotations": 2, "labels": 1}


def test_passage_of_unknown_work_is_reported(tmp_path: Path) -> None:
    w = tb.write_workdir(tmp_path / "w")
    write_table(w, "works", tb.works().iloc[1:])
    failures = validate_workdir(w).failures
    assert {(f.table, f.column, f.check) for f in failures} == {
        ("passages", "work_id", "exists in works")
    }
    assert len(failures) == 2


def test_annotation_of_unknown_passage_and_span_past_the_end(tmp_path: Path) -> None:
    w = tb.write_workdir(tmp_path / "w")
    ann = tb.annotations()
    ann.at[1, "passage_id"] = "p_ffffffffffffffff"
    ann.at[0, "spans"] = [{"label": "evidence", "start": 0, "end": 10_000, "text": "x"}]
    ann.to_parquet(w / "annotations" / "20261101T120000Z-abcdef.parquet")
    failures = validate_workdir(w).failures
    checks = {(f.row, f.check) for f in failures}
    assert ("r_0000000000000002", "exists in passages") in checks
    assert ("r_0000000000000001", "span end <= passage length") in checks


def test_unknown_character_link_is_reported(tmp_path: Path) -> None:
    w = tb.write_workdir(tmp_path / "w")
    # A valid catalogue without the linked character (a catalogue that fails its own schema
    # is not cross-checked: its columns may be missing).
    catalogue = load_catalogue()
    catalogue = catalogue[catalogue["character_id"] != "sample-tobias"].reset_index(drop=True)
    failures = validate_workdir(w, characters=catalogue).failures
    assert [(f.table, f.column, f.value) for f in failures if f.table == "passages"] == [
        ("passages", "character_ids", "'sample-tobias'")
    ]


def test_ids_of_the_wrong_type_are_reported_not_tracebacks(tmp_path: Path) -> None:
    # An integer where a character id belongs: the schema says so, for Python cells (faip
    # validate) and for Arrow lists (the release reads them so); the reference check does not
    # run on a table that failed its schema.
    w = tb.write_workdir(tmp_path / "w")
    passages = tb.passages()
    passages["character_ids"] = [[7]] * len(passages)
    write_table(w, "passages", passages)
    catalogue = load_catalogue()
    failures = validate_workdir(w, characters=catalogue).failures
    assert {(f.column, f.check) for f in failures} == {("character_ids", "list_of_strings")}
    with pytest.raises(UserError, match="list_of_strings"):
        require_valid({"passages": frame_of(read_arrow(w, "passages"), w, keep_lists=True),
                       "characters": catalogue}, "nothing was released")


BAD_CELLS = [
    ("passages", "evidence", [1], "evidence has"),
    ("passages", "evidence", [{"term": "robot", "kind": "lexicon", "start": 4, "end": 2}],
     "evidence has"),
    ("labels", "persona_soft", ["x"], "soft labels"),
    ("labels", "stance_soft", [0.5, 0.5], "soft labels"),
    ("annotations", "spans", [{"label": "evidence", "start": 0}], "span labels"),
    ("annotations", "spans", [7], "span labels"),
    ("annotations", "traits", [1, 2], "traits are"),
]


@pytest.mark.parametrize(("table", "column", "cell", "check"), BAD_CELLS,
                         ids=lambda v: repr(v)[:24])
def test_bad_list_cells_are_reported_not_tracebacks(tmp_path: Path, table: str, column: str,
                                                    cell: object, check: str) -> None:
    # Cells that once passed or crashed the checks (and then the release's writer).
    w = tb.write_workdir(tmp_path / "w")
    frame = {"passages": tb.passages, "labels": tb.labels, "annotations": tb.annotations}[table]()
    frame[column] = [cell] * len(frame)
    if table == "annotations":
        frame.to_parquet(w / "annotations" / "20261101T120000Z-abcdef.parquet")
    else:
        write_table(w, table, frame)
    failures = validate_workdir(w).failures
    assert {(f.table, f.column) for f in failures} == {(table, column)}
    assert all(f.check.startswith(check) for f in failures)
    tables = _read_inputs(w, None)
    with pytest.raises(UserError, match=f"{table} .*{column}: {check}"):
        require_valid(tables, "nothing was released")


def test_a_file_whose_columns_contradict_its_pandas_types_is_named(tmp_path: Path) -> None:
    # Edited with pyarrow, keeping the pandas metadata: role_model is recorded as Int64 but
    # now holds text, which pandas refuses to convert.
    w = tb.write_workdir(tmp_path / "w")
    pull = next((w / "annotations").glob("*.parquet"))
    table = pq.read_table(pull)
    index = table.schema.get_field_index("role_model")
    edited = table.set_column(index, "role_model", pa.array(["high"] * table.num_rows))
    pq.write_table(edited.replace_schema_metadata(table.schema.metadata), pull)
    failures = validate_workdir(w).failures
    assert [(f.table, f.check) for f in failures] == [("annotations", "readable")]
    assert "do not match the pandas types recorded" in failures[0].hint
    for cmd in (["validate"], ["agreement"], ["aggregate"]):
        res = CliRunner().invoke(main, [*cmd, "-w", str(w)])
        assert res.exit_code == 1 and "annotations" in res.stderr, res.output
        assert "Traceback" not in res.output
    with pytest.raises(UserError, match="do not match the pandas types recorded"):
        _read_inputs(w, None)


def test_empty_and_unreadable_tables_are_named_not_tracebacks(tmp_path: Path) -> None:
    w = tb.write_workdir(tmp_path / "w")
    write_table(w, "labels", tb.labels().iloc[:0])
    (w / "works.parquet").write_bytes(b"not a parquet file")
    failures = validate_workdir(w).failures
    by_table = {f.table: f for f in failures if f.row == "-"}
    assert by_table["labels"].check == "not empty"
    assert by_table["works"].check == "readable"
    assert "cannot read table 'works'" in by_table["works"].hint


def test_missing_workdir_and_empty_workdir_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="work directory not found"):
        validate_workdir(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no tables to validate"):
        validate_workdir(tmp_path / "empty")
    # The catalogue is checked alongside a work dir's tables, not instead of them.
    with pytest.raises(UserError, match="no tables to validate"):
        validate_workdir(tmp_path / "empty", characters=load_catalogue())
    result = CliRunner().invoke(main, ["validate", "-w", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no tables to validate" in result.output


def test_cli_exit_codes_and_report(tmp_path: Path) -> None:
    w = tb.write_workdir(tmp_path / "w")
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", "--workdir", str(w), "--no-catalogue"])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output
    bad = tb.passages()
    bad["score"] = [0.5, 7.0]
    bad.at[0, "passage_id"] = "P-1"
    write_table(w, "passages", bad)
    res = runner.invoke(main, ["validate", "--workdir", str(w), "--no-catalogue"])
    assert res.exit_code == 1
    for expected in ("passages", "score", "7.0", "passage_id", "'P-1'", "invalid"):
        assert expected in res.output
    missing = runner.invoke(main, ["validate", "--workdir", str(tmp_path / "x"), "--no-catalogue"])
    assert missing.exit_code == 1
    assert "error: " in missing.output and "Traceback" not in missing.output
