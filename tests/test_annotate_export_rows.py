"""Normalisation, storage and import of Label Studio exports, without a server."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from label_studio_sdk.label_interface import LabelInterface

from dataset_builder import taxonomy
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.config import labeling_config
from dataset_builder.annotate.export_rows import Context, load_tasks, normalise_tasks, row_to_result
from dataset_builder.annotate.pull import import_export
from dataset_builder.annotate.store import Scope, append_pull
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.schemas.annotations import AnnotationSchema
from dataset_builder.tables import live_annotations, read_annotations

FIXTURES = Path(__file__).parent / "fixtures" / "annotate"
SHAPES = ("sync_export.json", "snapshot_export.json", "cli_export.json")
EMAILS = {2: "ann1@example.org", 3: "ann2@example.org"}
KEY = b"test-key"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonym.KEY_ENV, KEY.decode())


def _tasks(name: str) -> list[dict]:
    return load_tasks(json.loads((FIXTURES / name).read_text()), name)


def _ctx(**kw: object) -> Context:
    args = {"taxonomy": taxonomy.load(), "project": "P", "guideline_version": "1.0.0",
            "key": KEY, "emails": EMAILS}
    return Context(**(args | kw))  # type: ignore[arg-type]


def _write(tmp_path: Path, tasks: list[dict], name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks))
    return path


# --- the labeling config ---------------------------------------------------------------

def test_config_shows_text_as_text_and_every_taxonomy_id_once() -> None:
    tax = taxonomy.load()
    xml = labeling_config(tax)
    assert "HyperText" not in xml and '<Text name="text" value="$text"' in xml
    li = LabelInterface(xml)
    values: list[str] = []
    for control in li.controls:
        values.extend(control.labels)
    for f in tax.fields:
        for cid in f.choice_ids:
            assert values.count(cid) == 1, cid
        if f.kind in ("single", "multi", "spans"):
            assert sorted(li.get_control(f.id).labels) == sorted(f.choice_ids)
    assert li.get_control("ai_present").attr["choice"] == "single-radio"
    assert li.get_control("persona").attr["choice"] == "single-radio"
    assert li.get_control("traits").attr["choice"] == "multiple"
    assert li.get_control("spans").tag == "Labels"
    assert li.get_control("role_model").tag == "Rating"
    assert li.get_control("role_model").attr["maxRating"] == "5"
    assert li.get_control("notes").tag == "TextArea"
    hint = li.get_control("persona").labels_attrs["schemer"].attr["hint"]
    assert tax.field("persona").choices[tax.ids("persona").index("schemer")].definition in hint


# --- the three export shapes -----------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_normalises_to_the_same_rows(shape: str) -> None:
    rows, rejected, seen = normalise_tasks(_tasks(shape), _ctx())
    assert rejected == [] and len(rows) == 3 and len(seen) == 3  # the skipped one is not a row
    expected, _, _ = normalise_tasks(_tasks("cli_export.json"), _ctx(emails={}))
    assert rows == expected
    robot = next(r for r in rows if r["persona"] == "dutiful_servant")
    assert robot["traits"] == ["honesty", "harm_avoidance"]  # taxonomy order
    assert robot["role_model"] == 5 and robot["notes"] == "refuses an unsafe order"
    assert robot["spans"][0] == {"label": "ai_mention", "start": 4, "end": 9, "text": "robot"}
    assert robot["lead_time"] == 12.5 and robot["annotation_id"].count(":") == 1
    assert {r["annotator"] for r in rows} == {
        pseudonym.pseudonymise("email:ann1@example.org", KEY),
        pseudonym.pseudonymise("email:ann2@example.org", KEY)}


def test_rows_round_trip_to_label_studio_results() -> None:
    rows, _, _ = normalise_tasks(_tasks("sync_export.json"), _ctx())
    task = _tasks("sync_export.json")[0]
    for row in rows:
        if row["passage_id"] != task["data"]["passage_id"]:
            continue
        again = copy.deepcopy(task)
        again["annotations"] = [{**task["annotations"][0], "result": row_to_result(row,
                                                                                  taxonomy.load())}]
        back, rejected, _ = normalise_tasks([again], _ctx())
        assert rejected == []
        assert {k: back[0][k] for k in ("persona", "traits", "spans", "role_model", "notes")} == \
            {k: row[k] for k in ("persona", "traits", "spans", "role_model", "notes")}


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda r: r[1]["value"].update(choices=["robot_overlord"]), "unknown label 'robot_overlord'"),
    (lambda r: r[6]["value"].update(end=10_000), "outside the passage"),
    (lambda r: r[5]["value"].update(rating=9), "outside 1..5"),
    (lambda r: r.append({"from_name": "mood", "to_name": "text", "type": "choices",
                         "value": {"choices": ["x"]}}), "unknown control 'mood'"),
    (lambda r: r.pop(0), "ai_present is not answered"),
])
def test_invalid_annotations_are_rejected_with_a_reason(mutate, reason: str) -> None:
    tasks = _tasks("sync_export.json")
    first = next(t for t in tasks if any(a["result"] and len(a["result"]) > 5
                                         for a in t["annotations"]))
    ann = next(a for a in first["annotations"] if len(a["result"]) > 5)
    mutate(ann["result"])
    rows, rejected, _ = normalise_tasks(tasks, _ctx())
    assert len(rows) == 2 and len(rejected) == 1
    assert reason in rejected[0].reason
    assert "@" not in json.dumps(rejected[0].record())


# --- the append-only store -------------------------------------------------------------

def test_store_appends_edits_and_tombstones(tmp_path: Path) -> None:
    ctx = _ctx()
    tasks = _tasks("snapshot_export.json")
    scope = Scope("P", False)
    rows, rej, seen = normalise_tasks(tasks, ctx)
    first = append_pull(tmp_path, rows, rej, seen, scope)
    assert first.new == 3 and first.path is not None
    again = append_pull(tmp_path, *normalise_tasks(tasks, ctx), scope)
    assert again.path is None and again.unchanged == 3
    assert len(list(tmp_path.glob("*.parquet"))) == 1
    # Edit one annotation, delete another.
    edited = copy.deepcopy(tasks)
    ann = next(a for t in edited for a in t["annotations"] if len(a["result"]) == 4)
    ann["result"][1]["value"]["choices"] = ["companion"]
    ann["updated_at"] = "2030-01-01T00:00:00.000000Z"
    gone = next(t for t in edited if any(a["result"] and len(a["result"]) == 1
                                         for a in t["annotations"]))
    gone["annotations"] = [a for a in gone["annotations"] if len(a["result"]) != 1]
    third = append_pull(tmp_path, *normalise_tasks(edited, ctx), scope)
    assert (third.new, third.edited, third.deleted) == (0, 1, 1)
    history = read_annotations(tmp_path)
    AnnotationSchema.validate(history, lazy=True)
    assert len(history) == 5
    live = live_annotations(history)
    assert len(live) == 2 and "companion" in set(live["persona"])
    tomb = history[history["tombstone"]]
    assert len(tomb) == 1 and tomb.iloc[0]["supersedes"] in set(history["row_id"])
    edit = history[(history["persona"] == "companion")].iloc[0]
    old = history[history["row_id"] == edit["supersedes"]].iloc[0]
    assert old["persona"] == "benevolent_guardian"


# --- import ----------------------------------------------------------------------------

def test_import_cli_export_writes_one_valid_file_without_emails(tmp_path: Path) -> None:
    result = import_export(FIXTURES / "cli_export.json", workdir=tmp_path)
    assert result.path is not None and result.new == 3
    df = pd.read_parquet(result.path)
    AnnotationSchema.validate(df, lazy=True)
    assert df["annotation_id"].str.startswith("import:").all()
    again = import_export(FIXTURES / "cli_export.json", workdir=tmp_path)
    assert again.path is None
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert b"example.org" not in f.read_bytes(), f


def test_the_import_verb_needs_only_an_annotations_folder(tmp_path: Path) -> None:
    import dataset_builder as fb

    with pytest.raises(UserError, match="give --workdir or --annotations-dir"):
        fb.import_export(None, export=FIXTURES / "cli_export.json")
    report = fb.import_export(None, export=FIXTURES / "cli_export.json",
                              annotations_dir=tmp_path / "ann")
    assert report.result.new == 3 and report.written == (report.result.path,)
    assert report.result.path.parent == tmp_path / "ann"  # type: ignore[union-attr]
    res = CliRunner().invoke(main, ["annotate", "import", str(FIXTURES / "cli_export.json"),
                                    "--annotations-dir", str(tmp_path / "ann")])
    assert res.exit_code == 0 and "nothing changed (3 annotation(s) up to date)" in res.output


def test_import_needs_an_email_for_exports_with_local_ids(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--annotator-email"):
        import_export(FIXTURES / "sync_export.json", workdir=tmp_path)
    with pytest.raises(UserError, match="2 different users"):
        import_export(FIXTURES / "sync_export.json", workdir=tmp_path,
                      annotator_email="someone@example.org")
    one = [t for t in _tasks("sync_export.json")]
    for t in one:
        t["annotations"] = [a for a in t["annotations"] if a["completed_by"] == 2]
    result = import_export(_write(tmp_path, one), workdir=tmp_path / "w",
                           annotator_email="ann1@example.org")
    assert result.new == 2
    assert set(pd.read_parquet(result.path)["annotator"]) == {
        pseudonym.pseudonymise("email:ann1@example.org", KEY)}


def test_import_refuses_another_taxonomy_version_and_writes_nothing(tmp_path: Path) -> None:
    tasks = _tasks("cli_export.json")
    for t in tasks:
        t["data"]["taxonomy_version"] = "2.0.0"
    runner = CliRunner()
    res = runner.invoke(main, ["annotate", "import", str(_write(tmp_path, tasks)),
                               "--workdir", str(tmp_path / "w")])
    assert res.exit_code == 1
    assert "taxonomy 2.0.0" in res.output and "1.1.0" in res.output
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda r: r[1]["value"].update(choices=["robot_overlord"]), "unknown label"),
    (lambda r: r[6]["value"].update(start=-3), "outside the passage"),
])
def test_import_with_an_invalid_annotation_writes_nothing(tmp_path: Path, mutate,
                                                         needle: str) -> None:
    tasks = _tasks("cli_export.json")
    ann = next(a for t in tasks for a in t["annotations"] if len(a["result"]) > 5)
    mutate(ann["result"])
    res = CliRunner().invoke(main, ["annotate", "import", str(_write(tmp_path, tasks)),
                                    "--workdir", str(tmp_path / "w")])
    assert res.exit_code == 1, res.output
    assert needle in res.output and "nothing was imported" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "w").exists()


def test_import_rejects_files_that_are_not_exports(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "an export"}')
    with pytest.raises(UserError, match="not a Label Studio JSON export"):
        import_export(bad, workdir=tmp_path)
    bad.write_text("{")
    with pytest.raises(UserError, match="not JSON"):
        import_export(bad, workdir=tmp_path)


# --- pseudonyms ------------------------------------------------------------------------

def test_pseudonym_key_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    a = pseudonym.pseudonymise("email:x@example.org")
    assert a.startswith("ann_") and len(a) == 16
    monkeypatch.setenv(pseudonym.KEY_ENV, "other")
    assert pseudonym.pseudonymise("email:x@example.org") != a
    monkeypatch.delenv(pseudonym.KEY_ENV)
    keyfile = tmp_path / "key"
    keyfile.write_text(KEY.decode() + "\n")
    monkeypatch.setenv(pseudonym.KEY_FILE_ENV, str(keyfile))
    assert pseudonym.pseudonymise("email:x@example.org") == a
    keyfile.write_text("")
    with pytest.raises(UserError, match="empty"):
        pseudonym.pseudonym_key()
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV)
    pseudonym._warn_demo_key_once.cache_clear()
    assert pseudonym.pseudonym_key() == pseudonym.DEMO_KEY.encode()
    assert "demo key" in capsys.readouterr().err
