"""`faip agreement` and `faip aggregate` on real work directories, through the click CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder import taxonomy
from dataset_builder.agreement import compute_agreement, write_report
from dataset_builder.cli import main
from dataset_builder.schemas.labels import LabelSchema
from tests.agreement_fixtures import rows
from tests.table_builders import write_workdir

TAX = taxonomy.load()
P = TAX.ids("persona")


def _strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _workdir(tmp_path: Path, n: int = 30) -> Path:
    rng = np.random.default_rng(0)
    recs = []
    for u in range(n):
        truth = int(rng.integers(0, 4))
        for a in range(3):
            if u % 7 == 0 and a > 0:
                continue  # some passages have a single annotation
            v = truth if rng.random() < 0.8 else int(rng.integers(0, 14))
            recs.append({"passage": u, "annotator": a, "persona": P[v],
                         "role_model": int(rng.integers(2, 6)),
                         "stance": "endorsed" if rng.random() < 0.7 else "condemned",
                         "spans": [{"label": "evidence", "start": 0, "end": 5 + a, "text": ""}]})
    work = tmp_path / "w"
    (work / "annotations").mkdir(parents=True)
    rows(recs).to_parquet(work / "annotations" / "20261101T120000Z-abcdef.parquet")
    return work


@pytest.mark.slow
def test_agreement_json_on_stdout_and_report_files(tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    res = CliRunner().invoke(main, ["agreement", "-w", str(work), "--format", "json",
                                    "--bootstrap", "200", "--seed", "3"])
    assert res.exit_code == 0, res.output
    table = _strict_json(res.stdout)
    assert isinstance(table, dict)
    persona = table["persona"]
    assert set(persona) >= {"alpha", "ci_low", "ci_high", "units", "pairable"}
    assert persona["ci_low"] <= persona["alpha"] <= persona["ci_high"]
    assert table["outcome"]["alpha"] is None and "not computable" in table["outcome"]["reason"]
    out = work / "agreement"
    doc = _strict_json((out / "agreement.json").read_text())
    assert doc["fields"] == table  # the same figures
    assert doc["summary"]["passages_single_annotation"] == 5
    for png in ("alpha_by_field.png", "persona_confusion.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert "| persona | nominal |" in md and "alpha_by_field.png" in md
    assert not list(out.glob(".*.tmp"))  # no temp files left behind


def test_agreement_text_table_and_custom_out(tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    res = CliRunner().invoke(main, ["agreement", "-w", str(work), "--out", str(tmp_path / "r"),
                                    "--bootstrap", "50"])
    assert res.exit_code == 0, res.output
    assert "Krippendorff's alpha" in res.stdout and "role_model:interval" in res.stdout
    assert (tmp_path / "r" / "report.md").exists()


def test_report_is_reproducible(tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    df = pd.read_parquet(next((work / "annotations").glob("*.parquet")))
    for target in ("a", "b"):
        write_report(compute_agreement(df, TAX, bootstrap=100, seed=1), tmp_path / target)
    for name in ("agreement.json", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_agreement_and_aggregate_on_the_shared_sample_workdir(tmp_path: Path) -> None:
    """The lead's sample work dir: passages.parquet gives lengths for span agreement."""
    work = write_workdir(tmp_path / "w")
    res = CliRunner().invoke(main, ["agreement", "-w", str(work), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert not any("passage lengths unknown" in n for n in
                   _strict_json((work / "agreement" / "agreement.json").read_text())["notes"])
    res = CliRunner().invoke(main, ["aggregate", "-w", str(work)])
    assert res.exit_code == 0, res.output
    labels = pd.read_parquet(work / "labels.parquet")
    LabelSchema.validate(labels, lazy=True)
    assert len(labels) == 1 and labels["needs_adjudication"].iloc[0]  # persona tie


def test_aggregate_dawid_skene_writes_valid_labels(tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    res = CliRunner().invoke(main, ["aggregate", "-w", str(work), "--method", "dawid_skene",
                                    "--min-agreement", "0.6"])
    assert res.exit_code == 0, res.output
    labels = LabelSchema.validate(pd.read_parquet(work / "labels.parquet"), lazy=True)
    assert len(labels) == 30 and set(labels["method"]) == {"dawid_skene"}
    assert "need adjudication" in res.stderr


def test_bad_input_exits_1_with_a_message_and_writes_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["agreement", "-w", str(tmp_path / "nothing")])
    assert res.exit_code == 1 and "no annotation pull files" in res.stderr
    assert "Traceback" not in res.output
    work = _workdir(tmp_path)
    rows([{"passage": 99, "annotator": 1, "taxonomy_version": "2.0.0",
           "row_id": "r_" + "e" * 16}]).to_parquet(
        work / "annotations" / "20261102T120000Z-abcdef.parquet")
    for cmd in ("agreement", "aggregate"):
        res = runner.invoke(main, [cmd, "-w", str(work)])
        assert res.exit_code == 1 and "taxonomy version" in res.stderr
    assert not (work / "labels.parquet").exists() and not (work / "agreement").exists()


def test_a_row_its_schema_refuses_is_named_before_any_statistic(tmp_path: Path) -> None:
    # Cells the agreement code itself never expected (a span that is a number, an annotator
    # without an id) end both commands with the row and the check, not a traceback.
    for column, value in (("spans", [7]), ("annotator", None), ("passage_id", None)):
        work = _workdir(tmp_path / column)
        pull = next((work / "annotations").glob("*.parquet"))
        frame = pd.read_parquet(pull)
        if column == "spans":  # a whole column: parquet holds one type per column
            frame[column] = [value] * len(frame)
        else:
            frame.at[0, column] = value
        frame.to_parquet(pull)
        for cmd in ("agreement", "aggregate"):
            res = CliRunner().invoke(main, [cmd, "-w", str(work)])
            assert res.exit_code == 1, res.output
            assert f"{frame['row_id'][0]} {column}:" in res.stderr, res.stderr
            assert "Traceback" not in res.output
        assert not (work / "labels.parquet").exists() and not (work / "agreement").exists()


def test_help_texts_document_the_rules() -> None:
    agg = CliRunner().invoke(main, ["aggregate", "--help"]).output
    assert "tie gives a null label" in agg and "median" in agg
    agr = CliRunner().invoke(main, ["agreement", "--help"]).output
    assert "--bootstrap" in agr and "ordinal" in agr
