"""Per-annotator statistics and the persona confusion matrix between annotator pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dataset_builder.agreement.matrices import Coding, Prepared


@dataclass(frozen=True)
class AnnotatorStats:
    annotator: str
    annotations: int  # passages this annotator coded (live, not adjudication)
    compared: int  # single-choice answers where the others had a unique majority
    agreement_with_majority: float | None  # share of those answers equal to that majority
    per_field: dict[str, float | None]


def _majority_matches(coding: Coding, n_annotators: int) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: answers compared with the others' unique majority, and matches."""
    vc = coding.value_counts()
    others = vc[coding.unit].copy()
    others[np.arange(len(coding.value)), coding.value] -= 1
    top = others.max(axis=1)
    unique = (others == top[:, None]).sum(axis=1) == 1
    comparable = unique & (top > 0)
    match = comparable & (others.argmax(axis=1) == coding.value)
    compared = np.bincount(coding.annotator[comparable], minlength=n_annotators)
    matched = np.bincount(coding.annotator[match], minlength=n_annotators)
    return compared, matched


def annotator_stats(prep: Prepared) -> list[AnnotatorStats]:
    """Every annotator seen in the rows, including those with no live annotation."""
    n = len(prep.annotators)
    any_coding = next(iter(c for k, c in prep.codings.items() if k.startswith("traits:")))
    counts = np.bincount(any_coding.annotator, minlength=n)
    compared = np.zeros(n, dtype=np.int64)
    matched = np.zeros(n, dtype=np.int64)
    per_field: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in prep.single_fields:
        c, m = _majority_matches(prep.codings[name], n)
        per_field[name] = (c, m)
        compared += c
        matched += m

    def share(m: int, c: int) -> float | None:
        return float(m / c) if c else None

    out = [
        AnnotatorStats(
            annotator=a,
            annotations=int(counts[i]),
            compared=int(compared[i]),
            agreement_with_majority=share(int(matched[i]), int(compared[i])),
            per_field={f: share(int(m[i]), int(c[i])) for f, (c, m) in per_field.items()},
        )
        for i, a in enumerate(prep.annotators)
    ]
    out += [AnnotatorStats(a, 0, 0, None, dict.fromkeys(prep.single_fields)) for a in
            prep.silent_annotators]
    return out


def confusion(coding: Coding) -> np.ndarray:
    """Values x values: ordered pairs of different annotators of one passage giving (a, b).

    Symmetric by construction; the diagonal counts agreeing pairs.
    """
    vc = coding.value_counts().astype(np.int64)
    return vc.T @ vc - np.diag(vc.sum(axis=0))
