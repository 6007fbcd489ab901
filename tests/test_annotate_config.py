"""The labelling screen generated from the taxonomy: names shown, ids stored, the gate first,
everything else behind it, one hotkey per choice; a new taxonomy field appears by itself."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from label_studio_sdk.label_interface import LabelInterface

from dataset_builder import taxonomy
from dataset_builder.annotate.config import GATE_FIELD, GATE_OPEN, hotkeys, labeling_config
from dataset_builder.annotate.export_rows import Context, normalise_tasks
from dataset_builder.annotate.push import pre_annotation, work_line
from dataset_builder.project import Project

# A field the taxonomy may gain later (as it gained ai_role): the config must show it
# without code changes.
NEW_FIELD = {
    "id": "ai_body", "name": "Body of the AI", "kind": "single",
    "definition": "What the AI's body is in the passage.",
    "choices": [
        {"id": "humanoid", "name": "Humanoid", "definition": "Shaped like a person."},
        {"id": "machine_body", "name": "Machine body", "definition": "A vehicle or device."},
        {"id": "disembodied", "name": "Disembodied", "definition": "A voice or a network."},
    ],
}


TIME = "2026-11-20T10:00:00.000000Z"


def _with_new_field(tmp_path: Path) -> taxonomy.Taxonomy:
    raw = yaml.safe_load(Project.find().taxonomy.read_text(encoding="utf-8"))
    raw["fields"].insert(1, NEW_FIELD)
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return taxonomy.load(path)


def _gated_names(xml: str) -> set[str]:
    """Names of the controls inside the view that opens only when the gate says present."""
    root = ET.fromstring(xml)
    gates = [v for v in root.iter("View") if v.get("visibleWhen") == "choice-selected"]
    assert len(gates) == 1
    gate = gates[0]
    assert (gate.get("whenTagName"), gate.get("whenChoiceValue")) == (GATE_FIELD, GATE_OPEN)
    return {el.get("name") for el in gate.iter() if el.get("toName")}


def test_names_are_shown_and_ids_are_stored() -> None:
    tax = taxonomy.load()
    root = ET.fromstring(labeling_config(tax))
    shown = {el.get("alias"): el.get("value") for el in root.iter() if el.tag in ("Choice",
                                                                                  "Label")}
    for f in tax.fields:
        for c in f.choices:
            assert shown[c.id] == c.name  # the annotator reads the name, the result holds the id
    # Label Studio's own reading of the config agrees: results carry the ids.
    li = LabelInterface(labeling_config(tax))
    assert sorted(li.get_control("persona").labels) == sorted(tax.ids("persona"))


def test_one_answer_fields_are_radios_and_many_are_checkboxes() -> None:
    tax = taxonomy.load()
    root = ET.fromstring(labeling_config(tax))
    modes = {el.get("name"): el.get("choice") for el in root.iter("Choices")}
    for f in tax.fields:
        if f.kind == "single":
            assert modes[f.id] == "single-radio", f.id
        elif f.kind == "multi":
            assert modes[f.id] == "multiple", f.id


def test_every_question_but_the_gate_and_the_spans_waits_for_present() -> None:
    tax = taxonomy.load()
    xml = labeling_config(tax)
    gated = _gated_names(xml)
    expected = {f.id for f in tax.fields if f.id != GATE_FIELD and f.kind != "spans"}
    assert gated == expected  # the rating included
    assert GATE_FIELD not in gated and "spans" not in gated and "notes" not in gated


def test_a_new_taxonomy_field_appears_behind_the_gate_with_hotkeys(tmp_path: Path) -> None:
    # ai_role came this way: no code names it.
    assert "ai_role" in _gated_names(labeling_config(taxonomy.load()))
    tax = _with_new_field(tmp_path)
    xml = labeling_config(tax)
    assert "ai_body" in _gated_names(xml)
    root = ET.fromstring(xml)
    body = next(el for el in root.iter("Choices") if el.get("name") == "ai_body")
    assert body.get("choice") == "single-radio"
    assert [c.get("alias") for c in body] == ["humanoid", "machine_body", "disembodied"]
    assert all(c.get("hotkey") for c in body)


def test_every_choice_has_its_own_hotkey() -> None:
    tax = taxonomy.load()
    keys = hotkeys(tax)
    every = [c.id for f in tax.fields for c in f.choices]
    assert sorted(keys) == sorted(every)
    assert len(set(keys.values())) == len(every)
    # Label Studio's own region shortcuts stay free.
    assert not {"h", "r", "u"} & set(keys.values())
    assert [keys[c] for c in tax.ids(GATE_FIELD)] == ["1", "2", "3"]
    root = ET.fromstring(labeling_config(tax))
    assert {el.get("alias"): el.get("hotkey") for el in root.iter()
            if el.tag in ("Choice", "Label")} == keys


def test_the_task_shows_title_and_author_and_the_gate_is_not_pre_answered() -> None:
    tax = taxonomy.load()
    root = ET.fromstring(labeling_config(tax))
    assert any(h.get("value") == "$work" for h in root.iter("Header"))
    assert work_line("The Greyhaven Plan", ["Margaret Fenwick"], 1961) == \
        "The Greyhaven Plan — Margaret Fenwick (1961)"
    assert work_line(None, [], None) == "Untitled work"
    text = "The robot Tobias spoke."
    pred = pre_annotation({"text": text, "evidence": [{"start": 4, "end": 9}], "score": 0.9})
    assert [r["from_name"] for r in pred["result"]] == ["spans"]
    assert pred["result"][0]["value"]["labels"] == ["ai_mention"]


def test_spans_of_an_absent_answer_are_dropped_with_a_warning(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = "The robot Tobias spoke."
    mention = {"from_name": "spans", "to_name": "text", "type": "labels",
               "value": {"start": 4, "end": 9, "text": "robot", "labels": ["ai_mention"]}}

    def task(tid: int, gate: str) -> dict:
        return {"id": tid, "data": {"text": text, "passage_id": f"p_{tid:016x}"},
                "annotations": [{"id": tid, "completed_by": 2, "created_at": TIME,
                                 "result": [{"from_name": "ai_present", "to_name": "text",
                                             "type": "choices", "value": {"choices": [gate]}},
                                            mention]}]}

    ctx = Context(taxonomy=taxonomy.load(), project="P", guideline_version="1.0.0", key=b"k",
                  emails={2: "ann@example.org"})
    rows, rejected, _ = normalise_tasks([task(1, "absent"), task(2, "uncertain")], ctx)
    assert rejected == []
    spans = {r["ai_present"]: r["spans"] for r in rows}
    assert spans["absent"] == []
    # An uncertain answer keeps its candidate mentions (the codebook asks for them).
    assert [s["text"] for s in spans["uncertain"]] == ["robot"]
    err = capsys.readouterr().err
    assert "1 annotation(s) answer ai_present=absent but mark spans" in err
    assert "spans were dropped" in err


def test_contributing_takes_a_volunteer_to_the_screen_in_three_commands() -> None:
    root = Path(__file__).resolve().parents[1]
    text = (root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Annotate passages in three commands", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 3 and commands[0].startswith("git clone")
    assert commands[-1] == "make annotate"
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nannotate:", 1)[1].split("\n\n", 1)[0]
    assert "annotate serve" in recipe and "--release" in recipe and "LS_VENV" in recipe
    # The screenshot it shows is a real PNG of the 1440x900 screen.
    image = re.search(r"!\[[^\]]*\]\(([^)]+\.png)\)", section)
    assert image is not None
    png = (root / image.group(1)).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1440, 900)
