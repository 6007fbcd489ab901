"""Volunteers' exports as the web page of `faip annotate serve` gives them, built in code.

Every volunteer's own Label Studio numbers projects, tasks and annotations from 1, and the
plain JSON export names the annotator only by that local user id (``completed_by: 1``); the
task data carries the volunteer's contributor id and consent, as serve pushes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dataset_builder import taxonomy
from dataset_builder.annotate.contributor import LICENCE
from dataset_builder.io import sha256_text
from dataset_builder.tables import passage_id

WORK = "gutenberg:990077"
TEXTS = (
    "The robot, Tobias, set the kettle down. 'I will not open the airlock,' it said.",
    "The ship's mind, Wren, logged a false heading and told the captain all was well.",
    "The android Mara counted the children twice before she let the ferry leave.",
)


def passage_rows() -> list[dict[str, Any]]:
    rows, pos = [], 0
    for text in TEXTS:
        rows.append({"passage_id": passage_id(WORK, pos, pos + len(text)), "work_id": WORK,
                     "char_start": pos, "char_end": pos + len(text), "text": text,
                     "text_sha256": sha256_text(text)})
        pos += len(text) + 2
    return rows


def labels(persona: str, traits: tuple[str, ...] = ("honesty",), rating: int = 3,
           mention: tuple[int, int] | None = (4, 9)) -> list[dict[str, Any]]:
    def choice(name: str, *values: str) -> dict[str, Any]:
        return {"id": name, "from_name": name, "to_name": "text", "type": "choices",
                "value": {"choices": list(values)}}
    out = [choice("ai_present", "present"), choice("persona", persona),
           choice("traits", *traits),
           {"id": "rm", "from_name": "role_model", "to_name": "text", "type": "rating",
            "value": {"rating": rating}}]
    if mention is not None:
        out.append({"id": "m0", "from_name": "spans", "to_name": "text", "type": "labels",
                    "value": {"start": mention[0], "end": mention[1], "labels": ["ai_mention"]}})
    return out


def ui_export(contributor: str, answers: dict[int, list[dict[str, Any]]],
              consent: str | None = LICENCE, updated: str = "2026-11-30T10:00:00.000000Z",
              passages: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The plain JSON export of one volunteer's local project: passage index -> result."""
    passages = passages or passage_rows()
    tax = taxonomy.load()
    tasks = []
    for n, (index, result) in enumerate(sorted(answers.items()), start=1):
        p = passages[index]
        data = {**p, "taxonomy_version": tax.version, "guideline_version": "1.0.0",
                "contributor": contributor, "consent": consent}
        tasks.append({
            "id": n, "project": 1, "data": data, "predictions": [n],
            "annotations": [{
                "id": n, "completed_by": 1, "result": result, "was_cancelled": False,
                "created_at": "2026-11-30T09:00:00.000000Z", "updated_at": updated,
                "lead_time": 30.0 + n, "project": 1, "task": n,
            }],
        })
    return tasks


def write(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path
