"""Annotation rows -> per-field codings (who gave which value to which passage).

A *coding* is one label field in long form; from it come Krippendorff's value-count matrix
(units x values) and the classic reliability matrix (annotators x units). Decisions taken here:

* Adjudication rows are not codings: an adjudicator sees the others' labels, so counting
  them would inflate agreement. They only matter to ``aggregate``.
* One coding per annotator and passage: if an annotator has several live rows for a passage
  (e.g. the task was imported twice), the latest ``updated_at`` wins.
* Traits: one binary field per trait id. A trait an annotator of the passage did not choose is
  a 0, not missing (the multi-choice question was in front of them).
* Taxonomy versions: all rows must share the major version of the taxonomy in use (ids are
  stable within a major version); a mix is refused with a message, never silently merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from dataset_builder import semver
from dataset_builder.errors import UserError
from dataset_builder.tables import live_annotations
from dataset_builder.taxonomy import Taxonomy

Level = Literal["nominal", "ordinal", "interval"]
RATING_FIELD = "role_model"
# Besides the taxonomy's label fields (see required_columns).
_BOOKKEEPING_COLUMNS = (
    "row_id", "passage_id", "annotator", "updated_at", "taxonomy_version", "adjudication",
)


def required_columns(taxonomy: Taxonomy) -> tuple[str, ...]:
    """The annotation columns agreement and aggregation need: bookkeeping + every label field
    (but a field a minor version added: rows made before it, other tools' frames and old
    exports, may lack the column, which then means "not answered")."""
    added = taxonomy.added_field_ids()
    return (*_BOOKKEEPING_COLUMNS, *(f for f in taxonomy.field_ids() if f not in added))


@dataclass(frozen=True)
class Coding:
    """One field in long form: ``annotator[i]`` gave ``domain[value[i]]`` to ``unit[i]``."""

    name: str
    level: Level
    domain: tuple[str, ...]
    # Numeric value of each domain entry (rating value for ratings, index otherwise).
    numeric: np.ndarray
    unit: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    n_units: int

    def value_counts(self) -> np.ndarray:
        """Units x values: how many annotators gave each value to each unit."""
        v = len(self.domain)
        flat = np.bincount(self.unit * v + self.value, minlength=self.n_units * v)
        return flat.reshape(self.n_units, v)

    def reliability_matrix(self, n_annotators: int) -> np.ndarray:
        """Annotators x units of numeric values, NaN where missing (krippendorff's input)."""
        out = np.full((n_annotators, self.n_units), np.nan)
        out[self.annotator, self.unit] = self.numeric[self.value]
        return out


@dataclass(frozen=True)
class SpanCoding:
    """Character-level coverage of one span label: per passage, how many characters were
    inside the label's spans of exactly k of the passage's m annotators (k = 0..max_m)."""

    name: str
    label: str
    coverage: np.ndarray  # units x (max_m + 1) character counts
    coders: np.ndarray  # units: annotators who annotated the passage (m)
    # True where the passage length is known; else the universe ends at the last span end.
    length_known: np.ndarray


@dataclass
class Prepared:
    units: list[str]
    annotators: list[str]
    codings: dict[str, Coding]
    spans: dict[str, SpanCoding]
    coders_per_unit: np.ndarray
    n_rows: int
    n_adjudication_rows: int
    n_duplicate_rows: int
    silent_annotators: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The taxonomy's single-choice fields, each with a coding of its own name.
    single_fields: tuple[str, ...] = ()


def check_columns(rows: pd.DataFrame, taxonomy: Taxonomy) -> None:
    missing = [c for c in required_columns(taxonomy) if c not in rows.columns]
    if missing:
        raise UserError(
            f"annotations: missing column(s) {', '.join(missing)}; expected rows of the "
            "annotations table (dataset_builder/schemas/annotations.py). Re-pull the annotations."
        )


def check_versions(rows: pd.DataFrame, taxonomy: Taxonomy) -> None:
    """Refuse rows whose taxonomy major version differs from the taxonomy in use."""
    versions = rows["taxonomy_version"].astype(str)
    major_of = {v: semver.major(v) for v in versions.unique()}
    bad = rows[[major_of[v] != taxonomy.major for v in versions]]
    if bad.empty:
        return
    counts = versions[bad.index].value_counts().sort_index()
    listed = ", ".join(f"{v} ({n} rows)" for v, n in counts.items())
    raise UserError(
        f"annotations: {len(bad)} row(s) use taxonomy version(s) {listed}, but the taxonomy in "
        f"use is {taxonomy.version} (major {taxonomy.major}); labels of different major versions "
        f"mean different things and are not pooled (first such row: {bad['row_id'].iloc[0]}). "
        "Migrate or re-annotate those passages, or point --annotations-dir at pulls of one "
        "major version."
    )


def latest_per_annotator(rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per (passage, annotator, adjudication): the latest ``updated_at``."""
    ordered = rows.sort_values(["updated_at", "row_id"], kind="stable")
    keep = ~ordered.duplicated(["passage_id", "annotator", "adjudication"], keep="last")
    return ordered[keep].sort_index(), int((~keep).sum())


def _indices(rows: pd.DataFrame, column: str, domain: tuple[str, ...]) -> np.ndarray:
    """Map a column of ids to domain indices (-1 where missing); unknown ids are an error."""
    values = rows[column]
    present = values.notna().to_numpy()
    unknown = present & ~values.isin(domain).to_numpy()
    if unknown.any():
        where = rows.iloc[int(np.argmax(unknown))]
        raise UserError(
            f"annotations row {where['row_id']}: {column}={where[column]!r} is not an id of the "
            f"taxonomy ({', '.join(domain)}). Check that the taxonomy file matches the pulls."
        )
    return pd.Categorical(values, categories=list(domain)).codes.astype(np.int64)


def single_coding(name: str, rows: pd.DataFrame, domain: tuple[str, ...], unit: np.ndarray,
            annotator: np.ndarray, n_units: int) -> Coding:
    idx = _indices(rows, name, domain)
    ok = idx >= 0
    return Coding(name, "nominal", domain, np.arange(len(domain), dtype=float),
                  unit[ok], annotator[ok], idx[ok], n_units)


def trait_matrix(rows: pd.DataFrame, traits: tuple[str, ...]) -> np.ndarray:
    """Rows x traits booleans (chosen or not)."""
    lookup = {t: i for i, t in enumerate(traits)}
    hit_rows: list[int] = []
    hit_cols: list[int] = []
    for i, cell in enumerate(rows["traits"].to_numpy()):
        if cell is None:
            continue
        for t in cell:
            j = lookup.get(t)
            if j is None:
                raise UserError(
                    f"annotations row {rows['row_id'].iloc[i]}: trait {t!r} is not a trait id "
                    "of the taxonomy. Check that the taxonomy file matches the pulls."
                )
            hit_rows.append(i)
            hit_cols.append(j)
    out = np.zeros((len(rows), len(traits)), dtype=bool)
    out[np.asarray(hit_rows, dtype=np.int64), np.asarray(hit_cols, dtype=np.int64)] = True
    return out


def rating_coding(rows: pd.DataFrame, taxonomy: Taxonomy, level: Level, name: str,
            unit: np.ndarray, annotator: np.ndarray, n_units: int) -> Coding:
    f = taxonomy.field(RATING_FIELD)
    lo, hi = int(f.min or 1), int(f.max or 5)
    raw = pd.to_numeric(rows[RATING_FIELD], errors="coerce")
    present = raw.notna().to_numpy()
    vals = raw.to_numpy(dtype=float, na_value=np.nan)
    bad = present & ((vals < lo) | (vals > hi) | (vals != np.round(vals)))
    if bad.any():
        row = rows.iloc[int(np.argmax(bad))]
        raise UserError(
            f"annotations row {row['row_id']}: role_model={row[RATING_FIELD]!r} is not an "
            f"integer in {lo}..{hi}."
        )
    domain_values = np.arange(lo, hi + 1, dtype=float)
    return Coding(name, level, tuple(str(v) for v in range(lo, hi + 1)), domain_values,
                  unit[present], annotator[present], vals[present].astype(np.int64) - lo, n_units)


def span_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Every span of every row: row (position), label, start, end."""
    recs: list[tuple[int, str, int, int]] = []
    for i, cell in enumerate(rows["spans"].to_numpy()):
        if cell is None:
            continue
        for sp in cell:
            try:
                start, end = int(sp["start"]), int(sp["end"])
                recs.append((i, str(sp["label"]), start, end))
            except (KeyError, TypeError, ValueError):
                start = end = -1
            if not 0 <= start < end:
                raise UserError(
                    f"annotations row {rows['row_id'].iloc[i]}: span {sp!r} needs a label and "
                    "integer offsets 0 <= start < end. Re-pull the annotations."
                )
    return pd.DataFrame(recs, columns=["row", "label", "start", "end"])


def _span_coverage(spans: pd.DataFrame, label: str, unit: np.ndarray, n_units: int,
                   coders: np.ndarray, lengths: np.ndarray) -> SpanCoding:
    """Per passage: characters covered by the spans of exactly k annotators (vectorised).

    Each annotator's spans are first merged (overlaps of one annotator count once), then a
    sweep over start/end events gives the coverage depth of every character stretch.
    """
    max_m = int(coders.max()) if len(coders) else 0
    coverage = np.zeros((n_units, max_m + 1), dtype=np.float64)
    sp = spans[spans["label"] == label]
    ends_seen = np.zeros(n_units)
    if not sp.empty:
        g = sp["row"].to_numpy(dtype=np.int64)
        start = sp["start"].to_numpy(dtype=np.int64)
        end = sp["end"].to_numpy(dtype=np.int64)
        order = np.lexsort((start, g))
        g, start, end = g[order], start[order], end[order]
        # Merge one annotator's overlapping spans: a new interval starts where the start lies
        # beyond the running maximum end of that row's earlier spans.
        run_max = pd.Series(end).groupby(g).cummax().to_numpy()
        prev_max = np.r_[-1, run_max[:-1]]
        new = np.r_[True, g[1:] != g[:-1]] | (start > prev_max)
        m_start = np.minimum.reduceat(start, np.flatnonzero(new))
        m_end = np.maximum.reduceat(end, np.flatnonzero(new))
        m_unit = unit[g[new]]
        np.maximum.at(ends_seen, m_unit, m_end)
        # Sweep: +1 at start, -1 at end, per unit; depth between consecutive events.
        ev_unit = np.r_[m_unit, m_unit]
        ev_pos = np.r_[m_start, m_end]
        ev_delta = np.r_[np.ones(len(m_start)), -np.ones(len(m_end))].astype(np.int64)
        order = np.lexsort((ev_pos, ev_unit))
        ev_unit, ev_pos, ev_delta = ev_unit[order], ev_pos[order], ev_delta[order]
        depth = np.cumsum(ev_delta)  # depth returns to 0 at each unit's last event
        seg = np.r_[ev_pos[1:] - ev_pos[:-1], 0]
        same = np.r_[ev_unit[1:] == ev_unit[:-1], False]
        seg = np.where(same, seg, 0)
        np.add.at(coverage, (ev_unit, depth), seg)
        coverage[:, 0] = 0.0
    universe = np.where(lengths >= 0, np.maximum(lengths, ends_seen), ends_seen)
    coverage[:, 0] = np.maximum(universe - coverage[:, 1:].sum(axis=1), 0.0)
    return SpanCoding(f"spans:{label}", label, coverage, coders, lengths >= 0)


def live_rows(rows: pd.DataFrame, taxonomy: Taxonomy) -> tuple[pd.DataFrame, list[str]]:
    """Live rows (history or live rows in, idempotent) and every annotator seen at all."""
    check_columns(rows, taxonomy)
    missing = [f for f in taxonomy.added_field_ids() if f not in rows.columns]
    if missing:
        rows = rows.assign(**dict.fromkeys(missing, None))
    seen = sorted(set(rows["annotator"]))
    if {"supersedes", "tombstone"} <= set(rows.columns):
        rows = live_annotations(rows)
    if rows.empty:
        raise UserError("annotations: no live annotation rows (all superseded or deleted); "
                        "pull annotations first.")
    return rows, seen


def prepare(rows: pd.DataFrame, taxonomy: Taxonomy,
            passage_lengths: dict[str, int] | None = None) -> Prepared:
    """Turn annotation rows (the full history or only live rows) into one coding per field."""
    rows, all_annotators = live_rows(rows, taxonomy)
    check_versions(rows, taxonomy)
    n_rows = len(rows)
    adjudication = rows["adjudication"].astype(bool)
    coders_rows = rows[~adjudication]
    notes: list[str] = []
    if coders_rows.empty:
        raise UserError(
            "annotations: every live row is an adjudication; agreement needs the annotators' "
            "own rows. Pull the annotation project, not only the adjudication project."
        )
    coders_rows, n_dup = latest_per_annotator(coders_rows)
    coders_rows = coders_rows.reset_index(drop=True)
    if n_dup:
        notes.append(
            f"{n_dup} older duplicate row(s) of the same annotator and passage were ignored "
            "(latest updated_at kept)."
        )
    unit_codes, units = pd.factorize(coders_rows["passage_id"], sort=True)
    ann_codes, annotators = pd.factorize(coders_rows["annotator"], sort=True)
    unit = unit_codes.astype(np.int64)
    ann = ann_codes.astype(np.int64)
    n_units = len(units)
    coders = np.bincount(unit, minlength=n_units)
    silent = sorted(set(all_annotators) - set(annotators))

    codings: dict[str, Coding] = {}
    for name in taxonomy.field_ids("single"):
        codings[name] = single_coding(name, coders_rows, taxonomy.ids(name), unit, ann, n_units)
    chosen = trait_matrix(coders_rows, taxonomy.ids("traits"))
    for j, trait in enumerate(taxonomy.ids("traits")):
        codings[f"traits:{trait}"] = Coding(
            f"traits:{trait}", "nominal", ("no", "yes"), np.array([0.0, 1.0]),
            unit, ann, chosen[:, j].astype(np.int64), n_units,
        )
    codings[RATING_FIELD] = rating_coding(coders_rows, taxonomy, "ordinal", RATING_FIELD, unit, ann,
                                    n_units)
    codings[f"{RATING_FIELD}:interval"] = rating_coding(
        coders_rows, taxonomy, "interval", f"{RATING_FIELD}:interval", unit, ann, n_units)

    lengths = np.full(n_units, -1, dtype=np.int64)
    if passage_lengths:
        lengths = np.array([passage_lengths.get(p, -1) for p in units], dtype=np.int64)
    table = span_table(coders_rows)
    unknown = sorted(set(table["label"]) - set(taxonomy.ids("spans")))
    if unknown:
        first = coders_rows["row_id"].iloc[int(table[table["label"] == unknown[0]]["row"].iloc[0])]
        raise UserError(
            f"annotations row {first}: span label {unknown[0]!r} is not a span label of the "
            f"taxonomy ({', '.join(taxonomy.ids('spans'))})."
        )
    spans = {
        label: _span_coverage(table, label, unit, n_units, coders, lengths)
        for label in taxonomy.ids("spans")
    }
    if not (lengths >= 0).all():
        notes.append(
            "span agreement: passage lengths unknown for "
            f"{int((lengths < 0).sum())} passage(s); their character universe ends at the last "
            "span end (pass passages.parquet to count unmarked tails as agreement)."
        )
    return Prepared(
        units=list(units), annotators=list(annotators), codings=codings, spans=spans,
        coders_per_unit=coders, n_rows=n_rows, n_adjudication_rows=int(adjudication.sum()),
        n_duplicate_rows=n_dup, silent_annotators=silent, notes=notes,
        single_fields=taxonomy.field_ids("single"),
    )
