"""Krippendorff's alpha per field, span agreement, and a fast unit bootstrap.

Alpha depends on the data only through the coincidence matrix ``o`` (values x values), and
``o`` is a sum of one small matrix per unit. So each unit's matrix is computed once; a bootstrap
replicate is a resample of units, i.e. a weighted sum of those matrices (one matrix product for
all fields and replicates at once), and alpha follows in closed form. The point estimate of a
categorical field comes from ``krippendorff.alpha`` itself; a test checks that the closed form
gives the same number on the full data.

Span agreement (choice, see the report's notes): every character of a passage is a unit coded
0/1 ("inside one of my spans of this label") by every annotator of the passage, and alpha is the
binary (nominal) alpha over those characters, pooled over passages and bootstrapped by passage.
Beside it, the pooled pairwise character-level F1 (Dice) between annotators is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import krippendorff
import numpy as np

from dataset_builder.agreement.matrices import Coding, SpanCoding

SINGLE_CODER = "not computable: no passage has two or more annotators with a value"
NO_VALUES = "not computable: no annotator gave a value for this field"
NO_VARIATION = (
    "not computable: every pairable value is the same, so expected disagreement is 0 "
    "(alpha is undefined without variation)"
)
SPAN_UNMARKED = "not computable: no annotator of a shared passage marked a span of this label"
SHORT_REASONS = {
    SINGLE_CODER: "n/c: one annotator per passage",
    NO_VALUES: "n/c: no values",
    NO_VARIATION: "n/c: no variation",
    SPAN_UNMARKED: "n/c: no spans",
}
# Percentile bootstrap needs most replicates to be defined to mean anything.
_MIN_DEFINED_SHARE = 0.5


@dataclass(frozen=True)
class FieldAlpha:
    field: str
    level: str
    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    units: int  # units with at least two values (Krippendorff's pairable units)
    pairable: int  # values in those units (Krippendorff's n..)
    values: int  # every value given, pairable or not
    reason: str | None = None
    extra: dict[str, float | int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldBlock:
    """One field's per-unit coincidence matrices, flattened (rows x V*V).

    With ``multiplicity`` the rows are the distinct unit patterns and ``multiplicity[r]`` says
    how many units share row r; without it every row is one unit.
    """

    name: str
    level: str
    numeric: np.ndarray
    per_row: np.ndarray
    multiplicity: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.numeric)


def unit_coincidences(value_counts: np.ndarray) -> np.ndarray:
    """Units x V x V: each unit's contribution to the coincidence matrix (0 for m_u < 2)."""
    vc = value_counts.astype(np.float64)
    m = vc.sum(axis=1)
    outer = vc[:, :, None] * vc[:, None, :]
    idx = np.arange(vc.shape[1])
    outer[:, idx, idx] -= vc
    scale = np.divide(1.0, m - 1, out=np.zeros_like(m), where=m >= 2)
    return outer * scale[:, None, None]


def span_unit_coincidences(span: SpanCoding) -> tuple[np.ndarray, np.ndarray]:
    """Units x 2 x 2 coincidences over characters, and units x 2 (F1 numerator, denominator)."""
    m = span.coders.astype(np.float64)[:, None]
    k = np.arange(span.coverage.shape[1], dtype=np.float64)[None, :]
    h = span.coverage
    scale = np.divide(1.0, m[:, 0] - 1, out=np.zeros(len(m)), where=m[:, 0] >= 2)
    zero = np.clip(m - k, 0, None)
    o = np.empty((len(h), 2, 2))
    o[:, 0, 0] = (h * zero * (zero - 1)).sum(axis=1)
    o[:, 0, 1] = o[:, 1, 0] = (h * zero * k).sum(axis=1)
    o[:, 1, 1] = (h * k * (k - 1)).sum(axis=1)
    o *= scale[:, None, None]
    f1 = np.stack([(h * k * (k - 1)).sum(axis=1), (m[:, 0] - 1) * (h * k).sum(axis=1)], axis=1)
    f1[m[:, 0] < 2] = 0.0
    return o, f1


def distances(level: str, numeric: np.ndarray, n_v: np.ndarray) -> np.ndarray:
    """Distance matrices (..., V, V) for a batch of marginals ``n_v`` (..., V)."""
    v = len(numeric)
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(v), (*n_v.shape[:-1], v, v))
    if level == "interval":
        d = (numeric[:, None] - numeric[None, :]) ** 2
        return np.broadcast_to(d, (*n_v.shape[:-1], v, v))
    if level == "ordinal":
        cum = np.cumsum(n_v, axis=-1)
        lo = np.minimum.outer(np.arange(v), np.arange(v))
        hi = np.maximum.outer(np.arange(v), np.arange(v))
        between = cum[..., hi] - cum[..., lo] + n_v[..., lo]
        return (between - (n_v[..., :, None] + n_v[..., None, :]) / 2.0) ** 2
    raise ValueError(f"unknown level of measurement {level!r}")


def alpha_from_coincidences(o: np.ndarray, level: str, numeric: np.ndarray) -> np.ndarray:
    """Alpha for a batch of coincidence matrices (..., V, V); NaN where undefined."""
    n_v = o.sum(axis=-1)
    n = n_v.sum(axis=-1)
    d = distances(level, numeric, n_v)
    observed = (o * d).sum(axis=(-1, -2))
    expected_pairs = n_v[..., :, None] * n_v[..., None, :]
    idx = np.arange(len(numeric))
    expected_pairs[..., idx, idx] -= n_v
    expected = (expected_pairs * d).sum(axis=(-1, -2))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (n - 1) * observed / expected
    return np.where((expected > 1e-12) & (n > 1), out, np.nan)


def _distinct_rows(vc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a non-negative integer matrix and their counts (fast 1-D path when a
    row fits one int64 key, which it does for the usual few annotators per passage)."""
    if len(vc) == 0:
        return vc, np.zeros(0, dtype=np.int64)
    base = int(vc.max()) + 1
    if base ** vc.shape[1] < 2**62:
        weights = base ** np.arange(vc.shape[1], dtype=np.int64)
        keys, first, counts = np.unique(vc.astype(np.int64) @ weights, return_index=True,
                                        return_counts=True)
        return vc[first], counts
    return np.unique(vc, axis=0, return_counts=True)


def categorical_block(coding: Coding, vc: np.ndarray, units: np.ndarray) -> FieldBlock:
    """Compressed block over ``units`` (a mask): with few annotators per passage there are
    only a few hundred distinct value-count patterns, however many passages there are."""
    patterns, counts = _distinct_rows(vc[units])
    per_row = unit_coincidences(patterns).reshape(len(patterns), -1)
    return FieldBlock(coding.name, coding.level, coding.numeric, per_row, counts)


def categorical_alpha(coding: Coding, vc: np.ndarray) -> FieldAlpha:
    """Point estimate via ``krippendorff.alpha``, or None with the reason it is undefined."""
    m = vc.sum(axis=1)
    pair_units = m >= 2
    units, pairable = int(pair_units.sum()), int(m[pair_units].sum())
    base = {"field": coding.name, "level": coding.level, "units": units, "pairable": pairable,
            "values": int(m.sum())}
    reason = None
    if m.sum() == 0:
        reason = NO_VALUES
    elif units == 0:
        reason = SINGLE_CODER
    elif np.count_nonzero(vc[pair_units].sum(axis=0)) < 2:
        reason = NO_VARIATION
    if reason is not None:
        return FieldAlpha(alpha=None, ci_low=None, ci_high=None, reason=reason, **base)
    value = float(krippendorff.alpha(value_counts=vc, value_domain=coding.numeric,
                                     level_of_measurement=coding.level))
    return FieldAlpha(alpha=value, ci_low=None, ci_high=None, **base)


def span_alpha(span: SpanCoding, o: np.ndarray, f1: np.ndarray) -> FieldAlpha:
    pair_units = span.coders >= 2
    total = o[pair_units].sum(axis=0)
    marked = int((span.coverage[:, 1:].sum(axis=1) > 0).sum())
    base = {"field": span.name, "level": "nominal", "units": int(pair_units.sum()),
            "pairable": int(round(total.sum())), "values": int(round(span.coverage.sum()))}
    extra: dict[str, float | int | None] = {"passages_with_spans": marked, "f1": None}
    num, den = f1[pair_units].sum(axis=0)
    if den > 0:
        extra["f1"] = float(num / den)
    reason = None
    if not pair_units.any():
        reason = SINGLE_CODER
    elif total[1].sum() == 0:
        reason = SPAN_UNMARKED
    if reason is None:
        value = alpha_from_coincidences(total, "nominal", np.array([0.0, 1.0]))
        if np.isnan(value):
            reason = NO_VARIATION
    if reason is not None:
        return FieldAlpha(alpha=None, ci_low=None, ci_high=None, reason=reason, extra=extra,
                          **base)
    return FieldAlpha(alpha=float(value), ci_low=None, ci_high=None, extra=extra, **base)


def _resample_weights(rng: np.random.Generator, n_units: int, reps: int) -> np.ndarray:
    """reps x units: how often each unit is drawn in each replicate (n draws with replacement)."""
    idx = rng.integers(0, n_units, size=(reps, n_units), dtype=np.int64)
    idx += (np.arange(reps, dtype=np.int64) * n_units)[:, None]
    counts = np.bincount(idx.ravel(), minlength=reps * n_units)
    return counts.reshape(reps, n_units).astype(np.float64)


def _replicate_sums(blocks: list[FieldBlock], n_units: int, reps: int,
                    rng: np.random.Generator, chunk_cells: int) -> list[np.ndarray]:
    """Per block: reps x K sums of the per-unit matrices over resampled units.

    Each field's CI depends only on its own replicates, so a field whose units fall into a
    few distinct patterns is resampled exactly and cheaply as a multinomial over patterns
    (same distribution as drawing units); the others share one unit-level resample.
    """
    out: list[np.ndarray | None] = [None] * len(blocks)
    per_unit = [i for i, b in enumerate(blocks) if b.multiplicity is None]
    for i, b in enumerate(blocks):
        if b.multiplicity is not None:
            draws = rng.multinomial(n_units, b.multiplicity / b.multiplicity.sum(), size=reps)
            out[i] = draws.astype(np.float64) @ b.per_row
    if per_unit:
        stacked = np.hstack([blocks[i].per_row for i in per_unit])
        sums = np.empty((reps, stacked.shape[1]))
        step = max(1, chunk_cells // n_units)
        for first in range(0, reps, step):
            count = min(step, reps - first)
            sums[first:first + count] = _resample_weights(rng, n_units, count) @ stacked
        col = 0
        for i in per_unit:
            width = blocks[i].per_row.shape[1]
            out[i] = sums[:, col:col + width]
            col += width
    return [o for o in out if o is not None]


def bootstrap(blocks: list[FieldBlock], n_units: int, reps: int, seed: int,
              chunk_cells: int = 20_000_000) -> dict[str, np.ndarray]:
    """Alpha of every block in ``reps`` resamples of the ``n_units`` shared units; field ->
    array of replicates (NaN where undefined). Blocks of level ``"ratio_of_sums"`` hold a
    (numerator, denominator) pair per unit and give numerator/denominator instead."""
    if not blocks or reps <= 0:
        return {}
    if n_units == 0:
        return {b.name: np.full(reps, np.nan) for b in blocks}
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for b, part in zip(blocks, _replicate_sums(blocks, n_units, reps, rng, chunk_cells),
                       strict=True):
        if b.level == "ratio_of_sums":
            with np.errstate(divide="ignore", invalid="ignore"):
                out[b.name] = np.where(part[:, 1] > 0, part[:, 0] / part[:, 1], np.nan)
        else:
            out[b.name] = alpha_from_coincidences(part.reshape(reps, b.size, b.size), b.level,
                                                  b.numeric)
    return out


def percentile_ci(replicates: np.ndarray, level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of the defined replicates; None when too few are defined."""
    defined = replicates[~np.isnan(replicates)]
    if len(replicates) == 0 or len(defined) < _MIN_DEFINED_SHARE * len(replicates):
        return None, None
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(defined, [tail, 100.0 - tail])
    return float(low), float(high)
