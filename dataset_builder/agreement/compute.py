"""``compute_agreement``: every field's alpha with bootstrap CIs, per-annotator statistics and
the persona confusion matrix, as one JSON-safe result."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dataset_builder.agreement import alpha as al
from dataset_builder.agreement.annotators import AnnotatorStats, annotator_stats, confusion
from dataset_builder.agreement.matrices import prepare
from dataset_builder.taxonomy import Taxonomy


@dataclass(frozen=True)
class AgreementResult:
    fields: dict[str, al.FieldAlpha]
    annotators: list[AnnotatorStats]
    persona_ids: tuple[str, ...]
    persona_confusion: list[list[int]]
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def field_table(self) -> dict[str, dict[str, Any]]:
        """field -> alpha, ci_low, ci_high, units, pairable (+ level, reason): for scripts."""
        return {
            name: _clean({
                "alpha": f.alpha, "ci_low": f.ci_low, "ci_high": f.ci_high, "units": f.units,
                "pairable": f.pairable, "level": f.level, "reason": f.reason, **f.extra,
            })
            for name, f in self.fields.items()
        }

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "summary": self.summary,
            "fields": self.field_table(),
            "annotators": [asdict(a) for a in self.annotators],
            "persona_confusion": {"ids": list(self.persona_ids),
                                  "matrix": self.persona_confusion},
            "notes": self.notes,
        })


def _clean(obj: Any) -> Any:
    """JSON-safe: numpy scalars to Python, and NaN/inf never leak (they become null)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def compute_agreement(
    rows: pd.DataFrame,
    taxonomy: Taxonomy,
    bootstrap: int = 1000,
    seed: int = 0,
    passage_lengths: dict[str, int] | None = None,
) -> AgreementResult:
    """Agreement report data for annotation rows: the append-only history or only live rows
    (superseded and deleted rows are dropped with ``tables.live_annotations``).

    ``passage_lengths`` (passage id -> characters) lets span agreement count the characters
    nobody marked; without it a passage's universe ends at the last span end.
    """
    prep = prepare(rows, taxonomy, passage_lengths)
    shared = prep.coders_per_unit >= 2
    results: dict[str, al.FieldAlpha] = {}
    blocks: list[al.FieldBlock] = []
    for name, coding in prep.codings.items():
        vc = coding.value_counts()
        results[name] = al.categorical_alpha(coding, vc)
        if results[name].alpha is not None:
            blocks.append(al.categorical_block(coding, vc, shared))
    for span in prep.spans.values():
        o, f1 = al.span_unit_coincidences(span)
        results[span.name] = al.span_alpha(span, o, f1)
        if results[span.name].alpha is not None:
            blocks.append(al.FieldBlock(span.name, "nominal", np.array([0.0, 1.0]),
                                        o.reshape(len(o), -1)[shared]))
            blocks.append(al.FieldBlock(f"{span.name}:f1", "ratio_of_sums", np.zeros(1),
                                        f1[shared]))

    replicates = al.bootstrap(blocks, int(shared.sum()), bootstrap, seed)
    for name, res in list(results.items()):
        if res.alpha is None or name not in replicates:
            continue
        low, high = al.percentile_ci(replicates[name])
        extra = dict(res.extra)
        if f"{name}:f1" in replicates and extra.get("f1") is not None:
            extra["f1_ci_low"], extra["f1_ci_high"] = al.percentile_ci(replicates[f"{name}:f1"])
        results[name] = al.FieldAlpha(**{**asdict(res), "ci_low": low, "ci_high": high,
                                         "extra": extra})

    n_units = len(prep.units)
    single = int((prep.coders_per_unit == 1).sum())
    notes = list(prep.notes)
    if single:
        notes.append(f"{single} passage(s) with one annotation are excluded from alpha "
                     "(nothing to compare) but counted in the summary.")
    for a in prep.silent_annotators:
        notes.append(f"annotator {a} has no live annotation (all rows superseded, deleted or "
                     "adjudications); listed with zero counts.")
    by_reason: dict[str, list[str]] = {}
    for name, res in results.items():
        if res.reason:
            by_reason.setdefault(res.reason, []).append(name)
    notes += [f"{', '.join(names)}: {reason}." for reason, names in by_reason.items()]
    for name, res in results.items():
        if res.reason:
            continue
        if res.ci_low is None and bootstrap > 0:
            notes.append(f"{name}: no confidence interval: alpha is undefined in more than half "
                         "of the bootstrap resamples (too few passages or too little variation).")
    summary = {
        "taxonomy_version": taxonomy.version,
        "rows": prep.n_rows,
        "adjudication_rows": prep.n_adjudication_rows,
        "duplicate_rows_ignored": prep.n_duplicate_rows,
        "passages": n_units,
        "passages_shared": int(shared.sum()),
        "passages_single_annotation": single,
        "annotators": len(prep.annotators) + len(prep.silent_annotators),
        "annotators_without_annotations": len(prep.silent_annotators),
        "bootstrap": int(bootstrap),
        "seed": int(seed),
        "ci_level": 0.95,
    }
    persona = prep.codings["persona"]
    return AgreementResult(
        fields=results,
        annotators=annotator_stats(prep),
        persona_ids=persona.domain,
        persona_confusion=confusion(persona).tolist(),
        summary=summary,
        notes=notes,
    )
