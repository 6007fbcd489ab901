"""Schema-valid annotation rows built in code for the agreement and aggregate tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from dataset_builder.schemas.annotations import AnnotationSchema


def pid(i: int | str) -> str:
    return i if isinstance(i, str) else f"p_{i:016x}"


def ann(i: int | str) -> str:
    return i if isinstance(i, str) else f"ann_{i:012x}"


def _row_id(n: int) -> str:
    return "r_" + hashlib.sha256(str(n).encode()).hexdigest()[:16]


def rows(records: Iterable[dict[str, Any]], validate: bool = True) -> pd.DataFrame:
    """One annotation row per record. Keys: passage, annotator (ints or ids) and any field;
    unspecified fields get neutral defaults (present, no persona, no traits, no spans)."""
    out = []
    for n, r in enumerate(records):
        row = {
            "row_id": r.get("row_id", _row_id(n)),
            "annotation_id": r.get("annotation_id", f"1:{n}"),
            "passage_id": pid(r.get("passage", 0)),
            "annotator": ann(r.get("annotator", 0)),
            "ai_present": r.get("ai_present", "present"),
            "ai_role": r.get("ai_role"),
            "persona": r.get("persona"),
            "traits": list(r.get("traits", [])),
            "stance": r.get("stance"),
            "outcome": r.get("outcome"),
            "role_model": r.get("role_model"),
            "spans": list(r.get("spans", [])),
            "notes": None,
            "lead_time": 10.0,
            "created_at": "2026-11-01T10:00:00Z",
            "updated_at": r.get("updated_at", "2026-11-01T10:00:00Z"),
            "taxonomy_version": r.get("taxonomy_version", "1.0.0"),
            "guideline_version": "1.0.0",
            "project": "FAIP",
            "task_id": n,
            "supersedes": r.get("supersedes"),
            "tombstone": r.get("tombstone", False),
            "adjudication": r.get("adjudication", False),
            "pull_id": "20261101T120000Z-abcdef",
        }
        out.append(row)
    df = pd.DataFrame(out)
    df["role_model"] = pd.array(df["role_model"].tolist(), dtype="Int64")
    df["task_id"] = pd.array(df["task_id"].tolist(), dtype="Int64")
    if validate:
        df = AnnotationSchema.validate(df, lazy=True)
    return df


def from_matrix(matrix: list[list[Any]], field: str, **fixed: Any) -> pd.DataFrame:
    """Reliability matrix (annotators x units, None/NaN = missing) -> annotation rows."""
    recs = []
    for a, line in enumerate(matrix):
        for u, value in enumerate(line):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            recs.append({"passage": u, "annotator": a, field: value, **fixed})
    return rows(recs)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1..5, missing values. Published: nominal .743, ordinal .815, interval .849.
K2011_MULTI = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Section A: binary data, two observers, no missing values. Published alpha = .095.
K2011_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]
