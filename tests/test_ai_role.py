"""The ``ai_role`` field (taxonomy 1.1.0) through every stage: the Label Studio config, the
extractor's prediction pre-filled for annotators, normalisation, old pull files, agreement,
aggregation and the release features."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from label_studio_sdk.label_interface import LabelInterface

from dataset_builder import taxonomy
from dataset_builder.aggregate.gold import aggregate
from dataset_builder.agreement.compute import compute_agreement
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.config import labeling_config
from dataset_builder.annotate.export_rows import (
    Context,
    annotation_row,
    content_fingerprint,
    row_to_result,
)
from dataset_builder.annotate.push import pre_annotation
from dataset_builder.annotate.store import arrow_schema
from dataset_builder.extract.detect import Matcher
from dataset_builder.extract.score import predict_role
from dataset_builder.release.features import annotations_features, passages_features
from dataset_builder.tables import read_annotations
from tests.agreement_fixtures import rows

TAX = taxonomy.load()


def test_taxonomy_adds_ai_role_as_a_minor_version() -> None:
    assert TAX.version.startswith("1.") and TAX.version != "1.0.0"
    assert TAX.ids("ai_role") == ("character", "discussed", "background")
    assert not TAX.field("ai_role").required


def test_config_asks_the_role_only_when_an_ai_is_present() -> None:
    xml = labeling_config(TAX)
    control = LabelInterface(xml).get_control("ai_role")
    assert list(control.labels) == list(TAX.ids("ai_role"))
    # Asked inside the block that appears only once the gate is answered `present`.
    root = ElementTree.fromstring(xml)
    gated = [v for v in root.iter("View") if v.get("visibleWhen") == "choice-selected"
             and v.get("whenTagName") == "ai_present" and v.get("whenChoiceValue") == "present"]
    assert len(gated) == 1
    assert any(c.get("name") == "ai_role" for c in gated[0].iter("Choices"))
    assert not any(c.get("name") == "ai_present" for c in gated[0].iter("Choices"))


def _ctx() -> Context:
    return Context(taxonomy=TAX, project="P", guideline_version="1.1.0", key=b"k")


def _annotation(result: list[dict]) -> tuple[dict, dict]:
    task = {"id": 1, "project": 1, "data": {"passage_id": "p_00000000000000aa",
                                           "text": "The robot said no."}}
    ann = {"id": 7, "completed_by": {"id": 2, "email": "a@example.org"},
           "created_at": "2026-11-01T10:00:00Z", "result": result}
    return task, ann


def test_normalised_rows_carry_the_role_and_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonym.KEY_ENV, "k")
    task, ann = _annotation([
        {"from_name": "ai_present", "to_name": "text", "type": "choices",
         "value": {"choices": ["present"]}},
        {"from_name": "ai_role", "to_name": "text", "type": "choices",
         "value": {"choices": ["character"]}},
    ])
    row = annotation_row(task, ann, _ctx())
    assert row["ai_role"] == "character"
    back = {r["from_name"]: r["value"] for r in row_to_result(row, TAX)}
    assert back["ai_role"] == {"choices": ["character"]}
    task, ann = _annotation([{"from_name": "ai_role", "to_name": "text", "type": "choices",
                              "value": {"choices": ["scenery"]}},
                             {"from_name": "ai_present", "to_name": "text", "type": "choices",
                              "value": {"choices": ["present"]}}])
    with pytest.raises(ValueError, match="ai_role: unknown label 'scenery'"):
        annotation_row(task, ann, _ctx())


def test_rows_stored_before_the_field_keep_their_fingerprint(tmp_path: Path) -> None:
    row = {"ai_present": "present", "persona": None, "traits": [], "stance": None,
           "outcome": None, "role_model": None, "spans": [], "notes": None,
           "updated_at": "2026-11-01T10:00:00Z"}
    assert content_fingerprint(row) == content_fingerprint(row | {"ai_role": None})
    assert content_fingerprint(row) != content_fingerprint(row | {"ai_role": "discussed"})
    # A pull file written by taxonomy 1.0.0 has no ai_role column: read as unanswered.
    old_schema = pa.schema([f for f in arrow_schema() if f.name != "ai_role"])
    frame = rows([{"passage": 0, "annotator": 0}]).drop(columns=["ai_role"])
    pq.write_table(pa.Table.from_pandas(frame, schema=old_schema, preserve_index=False),
                   tmp_path / "20261101T120000000000Z-abcdef01.parquet")
    read = read_annotations(tmp_path)
    assert list(read.columns) == list(arrow_schema().names)
    assert read["ai_role"].isna().all()


def test_aggregate_votes_the_role_and_the_gate_clears_it() -> None:
    df = aggregate(rows([
        {"passage": 0, "annotator": 0, "ai_role": "character"},
        {"passage": 0, "annotator": 1, "ai_role": "character"},
        {"passage": 0, "annotator": 2, "ai_role": "background"},
        {"passage": 1, "annotator": 0, "ai_present": "absent"},
        {"passage": 1, "annotator": 1, "ai_present": "absent"},
        {"passage": 1, "annotator": 2, "ai_role": "discussed"},
    ]), TAX).set_index("passage_id")
    first, second = df.iloc[0], df.iloc[1]
    assert first["ai_role"] == "character"
    assert list(first["ai_role_soft"]) == pytest.approx([2 / 3, 0.0, 1 / 3])
    assert second["ai_present"] == "absent" and pd.isna(second["ai_role"])
    # Rows from before the field (no column at all) aggregate to no role.
    old = aggregate(rows([{"passage": 0, "annotator": a} for a in range(2)])
                    .drop(columns=["ai_role"]), TAX)
    assert old["ai_role"].isna().all()


def test_agreement_reports_an_alpha_for_the_role() -> None:
    data = rows([{"passage": p, "annotator": a, "ai_role": ("character", "discussed")[p % 2]}
                 for p in range(6) for a in range(2)])
    report = compute_agreement(data, TAX, bootstrap=0)
    role = report.field_table()["ai_role"]
    assert role["alpha"] == pytest.approx(1.0) and role["units"] == 6


def test_release_features_hold_the_label_and_the_machine_suggestion_apart() -> None:
    feats = passages_features(TAX)
    assert feats["ai_role"].names == list(TAX.ids("ai_role"))
    assert feats["predicted_ai_role"].names == list(TAX.ids("ai_role"))
    assert "ai_role_soft" in feats
    assert annotations_features(TAX)["ai_role"].names == list(TAX.ids("ai_role"))


@pytest.mark.parametrize(("text", "role"), [
    ('"Open the hatch," said the robot.', "character"),
    ("The robot stood in the cellar. The robot had been there for years.", "character"),
    ("She crossed the square past a robot and went into the bank.", "discussed"),
    ("People in the town had never trusted robots. Robots took their work.", "discussed"),
    # a deed right after the AI is named puts it on stage
    ("Then the android turned and seized the guard by the arm.", "character"),
    # any deed in the past tense after "the robot", or its body on stage
    ("The robot crashed through the trees behind him.", "character"),
    ("He could not forget the robot's voice in the dark.", "character"),
    # the next sentence goes on with it as "It", or it speaks of itself
    ("For a while the robot was silent. It raised one arm toward the hills.", "character"),
    ('"Do not fear me. I am only a robot."', "character"),
    ('"We robots do not sleep," it told them.', "character"),
    # a deed told of afterwards, or "that" as a conjunction before a robot named in general
    ("Years ago the robot had said that the war would end.", "discussed"),
    ("They feel that no robot crashed the ship.", "discussed"),
    # a participle naming it, a passive, or an indefinite robot is no deed of its own
    ("It was the story of a robot named Jerry, in a museum now.", "discussed"),
    ("In the fable, the robot pushed by the boys ends in the lake.", "discussed"),
    # named again and again without acting: talked about, not on stage
    ("They argued about the robot all night. The robot was in a museum now, and nobody "
     "had seen the robot since spring.", "discussed"),
])
def test_the_extractor_predicts_a_role(text: str, role: str) -> None:
    hits = [h for h in Matcher().find(text, "local:x") if not h.negative]
    assert predict_role(hits, text, 0, len(text)) == role


def test_the_prediction_is_pre_filled_for_annotators() -> None:
    text = "The robot said no."
    pred = pre_annotation({"text": text, "evidence": [], "score": 0.8,
                           "predicted_ai_role": "character"})
    by_name = {r["from_name"]: r["value"] for r in pred["result"]}
    assert by_name["ai_role"] == {"choices": ["character"]}
    assert "ai_present" not in by_name  # the gate is the annotator's to answer
    old = pre_annotation({"text": text, "evidence": [], "score": 0.8})  # table before 1.1.0
    assert "ai_role" not in {r["from_name"] for r in old["result"]}
