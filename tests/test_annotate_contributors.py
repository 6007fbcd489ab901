"""Several volunteers' exports in one work dir: every contributor's work is kept."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from dataset_builder import taxonomy
from dataset_builder.agreement.compute import compute_agreement
from dataset_builder.agreement.workdir import agreement_report
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.pull import import_export
from dataset_builder.schemas.annotations import AnnotationSchema
from dataset_builder.tables import live_annotations, read_annotations
from tests.contrib_fixtures import labels, passage_rows, ui_export, write

A, B, C = "c_00000000000000aa", "c_00000000000000bb", "c_00000000000000cc"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonym.KEY_ENV, "contrib-test-key")


def _import(tmp_path: Path, name: str, tasks: list[dict]) -> object:
    return import_export(write(tmp_path / "exports" / name, tasks), workdir=tmp_path / "w")


def test_two_volunteers_same_local_ids_both_kept_reimport_and_edit(tmp_path: Path) -> None:
    # Both volunteers' servers number everything from 1: project 1, task 1, annotation 1.
    first = ui_export(A, {0: labels("dutiful_servant"), 1: labels("schemer")})
    second = ui_export(B, {0: labels("dutiful_servant"), 1: labels("companion")})
    assert _import(tmp_path, "a.json", first).new == 2  # type: ignore[attr-defined]
    got = _import(tmp_path, "b.json", second)
    # Identical labels on passage 0 are a second opinion, not "unchanged".
    assert (got.new, got.edited, got.unchanged) == (2, 0, 0)  # type: ignore[attr-defined]
    rows = read_annotations(tmp_path / "w" / "annotations")
    AnnotationSchema.validate(rows, lazy=True)
    assert len(live_annotations(rows)) == 4 and rows["annotator"].nunique() == 2
    # Re-importing the same export is a no-op: no file written.
    files = sorted((tmp_path / "w" / "annotations").glob("*.parquet"))
    again = _import(tmp_path, "a.json", first)
    assert again.path is None and again.unchanged == 2  # type: ignore[attr-defined]
    assert sorted((tmp_path / "w" / "annotations").glob("*.parquet")) == files
    # A edits one answer and exports again: only A's row of that passage is superseded.
    edited = copy.deepcopy(first)
    edited[1]["annotations"][0]["result"] = labels("rebel_liberator")
    edited[1]["annotations"][0]["updated_at"] = "2026-12-01T08:00:00.000000Z"
    after = _import(tmp_path, "a2.json", edited)
    assert (after.new, after.edited, after.unchanged) == (0, 1, 1)  # type: ignore[attr-defined]
    live = live_annotations(read_annotations(tmp_path / "w" / "annotations"))
    assert len(live) == 4
    by_annotator = live.groupby("annotator")["persona"].apply(sorted).to_dict()
    key = b"contrib-test-key"
    pa_, pb = (pseudonym.pseudonymise(pseudonym.contributor_identity(c, 1), key) for c in (A, B))
    assert by_annotator == {pa_: ["dutiful_servant", "rebel_liberator"],
                            pb: ["companion", "dutiful_servant"]}


def test_three_volunteers_overlapping_passages_all_count_in_agreement(tmp_path: Path) -> None:
    exports = {
        A: {0: labels("dutiful_servant"), 1: labels("schemer", ("deception",), 1)},
        B: {0: labels("dutiful_servant"), 1: labels("schemer", ("deception",), 2),
            2: labels("companion", ("care",), 4)},
        C: {1: labels("companion", ("care",), 4), 2: labels("companion", ("care",), 5)},
    }
    for cid, answers in exports.items():
        _import(tmp_path, f"{cid}.json", ui_export(cid, answers))
    rows = read_annotations(tmp_path / "w" / "annotations")
    live = live_annotations(rows)
    assert len(live) == 7 and live["annotator"].nunique() == 3
    assert live.groupby("passage_id").size().sort_values().tolist() == [2, 2, 3]
    result = compute_agreement(rows, taxonomy.load(), bootstrap=20)
    assert result.summary["annotators"] == 3 and result.summary["rows"] == 7
    persona = result.fields["persona"]
    assert (persona.units, persona.pairable) == (3, 7)
    # Passage 0 agrees, passage 1 is 2:1, passage 2 agrees: alpha is positive, not perfect.
    assert persona.alpha is not None and 0 < persona.alpha < 1


def test_agreement_report_says_how_often_suggestions_were_kept(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    rows = passage_rows()
    suggested = {0: [(4, 9)], 1: [(4, 9)], 2: []}  # the extractor's AI mentions
    pd.DataFrame({
        "passage_id": [r["passage_id"] for r in rows],
        "char_start": [r["char_start"] for r in rows], "char_end": [r["char_end"] for r in rows],
        "evidence": [[{"term": "x", "kind": "lexicon", "start": a, "end": b} for a, b in ev]
                     for ev in suggested.values()],
    }).to_parquet(tmp_path / "w" / "passages.parquet")
    _import(tmp_path, "a.json", ui_export(A, {0: labels("schemer"), 1: labels("schemer")}))
    _import(tmp_path, "b.json", ui_export(B, {0: labels("schemer", mention=(0, 9)),
                                              1: labels("schemer", mention=None)}))
    _import(tmp_path, "c.json", ui_export(C, {2: labels("schemer")}))  # nothing suggested
    result, report = agreement_report(tmp_path / "w", bootstrap=20)
    uptake = result.summary["suggestions"]
    assert uptake == {"annotations": 4, "suggested_spans": 4, "kept_share": 0.5,
                      "mentions_from_suggestions_share": 2 / 3, "kept_all_unchanged": 2}
    text = report.read_text()
    assert "## Suggestions kept" in text and "50.0% of 4" in text and "66.7%" in text
    saved = json.loads((report.parent / "agreement.json").read_text())
    assert saved["summary"]["suggestions"]["kept_share"] == 0.5


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda t: t[1].update(annotations={"id": 1}), "annotations is dict, not a list"),
    (lambda t: t[1]["annotations"].append("oops"), "an annotation is str, not an object"),
    (lambda t: t[1]["annotations"][0].update(result="persona=schemer"), "no result list"),
    (lambda t: t[1]["annotations"][0]["result"][3]["value"].update(rating="5"),
     "rating '5' outside 1..5"),
    (lambda t: t[1]["annotations"][0].update(completed_by="me"), "'me' is not a user id"),
])
def test_an_export_edited_into_nonsense_imports_nothing(tmp_path: Path, edit,
                                                        needle: str) -> None:
    from click.testing import CliRunner

    from dataset_builder.cli import main

    tasks = ui_export(A, {0: labels("schemer"), 1: labels("companion")})
    edit(tasks)
    res = CliRunner().invoke(main, ["annotate", "import", str(write(tmp_path / "x.json", tasks)),
                                    "-w", str(tmp_path / "w")])
    assert res.exit_code == 1 and needle in res.output, res.output
    assert "nothing was imported" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "w").exists()
