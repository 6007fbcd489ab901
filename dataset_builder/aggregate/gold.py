"""``aggregate``: one gold row per passage from the live annotations (the labels table).

Rules (also in ``faip aggregate --help`` and the README):

* Single-choice fields (ai_present, ai_role, persona, stance, outcome): the most frequent
  answer.
  **Tie rule**: a tie for first place gives a null label and ``needs_adjudication=True`` —
  never an arbitrary pick (taxonomy order would bias the corpus toward early ids).
* Traits: a trait is in the gold list when strictly more than half of the passage's
  annotators chose it; exactly half is a tie (left out, ``needs_adjudication=True``).
* role_model: the **median** of the annotators' ratings (a float, e.g. 3.5 for 3 and 4).
* Dawid–Skene (``method="dawid_skene"``): single-choice fields and each trait get the class of
  highest posterior under a per-annotator confusion model; role_model stays the median.
* Gate (the codebook's rule: labels only where an AI is present): unless the gold
  ai_present is ``present`` (``absent``, ``uncertain`` or a tie) the AI-specific labels
  (ai_role, persona, stance, outcome, role_model) are null and traits empty; ties in them
  then do not matter. A minority that answered them is still visible in the soft labels.
* ``agreement``: per passage, the share of agreeing annotator pairs pooled over the four
  single-choice fields; null with fewer than two annotators. A passage below
  ``min_agreement`` needs adjudication; a passage with one annotator does not (there is
  nothing to adjudicate; ``n_annotators`` shows it).
* Soft labels are vote shares in taxonomy order: ``persona_soft[i]`` is the share of the
  passage's annotators who chose the i-th persona (so a field some annotators left blank sums
  to less than 1, and to 0 when nobody answered it); ``traits_soft[i]`` is the share of
  annotators who chose the i-th trait.
* Adjudication rows (an adjudicator's decision) override the vote for their passage:
  ``method="adjudicated"``, ``needs_adjudication=False``; soft labels, ``n_annotators`` and
  ``agreement`` still describe the annotators.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from dataset_builder.aggregate.dawid_skene import Answers, dawid_skene
from dataset_builder.agreement.matrices import (
    RATING_FIELD,
    check_versions,
    latest_per_annotator,
    live_rows,
    rating_coding,
    single_coding,
    trait_matrix,
)
from dataset_builder.errors import UserError
from dataset_builder.schemas.labels import label_schema
from dataset_builder.taxonomy import Taxonomy

Method = Literal["majority", "dawid_skene"]
METHODS: tuple[str, ...] = ("majority", "dawid_skene")
_GATED = ("ai_role", "persona", "stance", "outcome")


def _vote(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Winning index (-1 for none or tie) and tie flags, from units x classes scores."""
    top = counts.max(axis=1) if counts.shape[1] else np.zeros(len(counts))
    answered = counts.sum(axis=1) > 0
    tie = answered & (np.isclose(counts, top[:, None], rtol=0, atol=1e-9).sum(axis=1) > 1)
    winner = np.where(answered & ~tie, counts.argmax(axis=1), -1)
    return winner, tie


def _scores(method: str, unit: np.ndarray, annotator: np.ndarray, value: np.ndarray,
            n_units: int, n_annotators: int, n_classes: int) -> np.ndarray:
    """Units x classes: votes (majority) or posteriors (Dawid–Skene; 0 where unanswered)."""
    votes = np.zeros((n_units, n_classes))
    np.add.at(votes, (unit, value), 1.0)
    if method == "majority":
        return votes
    x = Answers(unit, annotator, value, n_units, n_annotators, n_classes)
    post = dawid_skene(x).posterior
    return np.where(votes.sum(axis=1, keepdims=True) > 0, post, 0.0)


def _shares(votes: np.ndarray, n_coders: np.ndarray) -> list[list[float]]:
    """Votes per class over the passage's annotators (not over those who answered: one
    dissenter who alone answered persona is 1/3, not 1.0)."""
    total = n_coders[:, None].astype(float)
    return np.divide(votes, total, out=np.zeros_like(votes), where=total > 0).tolist()


def aggregate(
    rows: pd.DataFrame,
    taxonomy: Taxonomy,
    method: str = "majority",
    min_agreement: float = 0.5,
) -> pd.DataFrame:
    """Gold labels (the labels table, validated by its schema) from annotation rows (the
    full append-only history or only live rows: superseded and deleted rows are dropped)."""
    if method not in METHODS:
        raise UserError(f"aggregate: method {method!r} unknown; use one of {', '.join(METHODS)}.")
    if not 0.0 <= min_agreement <= 1.0:
        raise UserError(f"aggregate: min_agreement={min_agreement} must be within 0..1.")
    rows, _ = live_rows(rows, taxonomy)
    check_versions(rows, taxonomy)
    live, _ = latest_per_annotator(rows)
    is_adj = live["adjudication"].astype(bool).to_numpy()
    coders = live[~is_adj].reset_index(drop=True)
    adjudged = live[is_adj].reset_index(drop=True)

    units = sorted(set(live["passage_id"]))
    index = {p: i for i, p in enumerate(units)}
    n = len(units)
    unit = coders["passage_id"].map(index).to_numpy(dtype=np.int64)
    ann_codes, annotators = pd.factorize(coders["annotator"], sort=True)
    ann = ann_codes.astype(np.int64)
    n_coders = np.bincount(unit, minlength=n)

    out: dict[str, object] = {"passage_id": units}
    needs = np.zeros(n, dtype=bool)
    ties: dict[str, np.ndarray] = {}
    agree_num = np.zeros(n)
    agree_den = np.zeros(n)
    for name in taxonomy.field_ids("single"):
        domain = taxonomy.ids(name)
        c = single_coding(name, coders, domain, unit, ann, n)
        votes = np.zeros((n, len(domain)))
        np.add.at(votes, (c.unit, c.value), 1.0)
        scores = _scores(method, c.unit, c.annotator, c.value, n, len(annotators), len(domain))
        winner, tie = _vote(scores)
        out[name] = [domain[w] if w >= 0 else None for w in winner]
        out[f"{name}_soft"] = _shares(votes, n_coders)
        ties[name] = tie
        m = votes.sum(axis=1)
        agree_num += (votes * (votes - 1)).sum(axis=1)
        agree_den += m * (m - 1)

    traits = taxonomy.ids("traits")
    chosen = trait_matrix(coders, traits)
    trait_votes = np.zeros((n, len(traits)))
    np.add.at(trait_votes, unit, chosen.astype(float))
    trait_share = np.divide(trait_votes, n_coders[:, None], out=np.zeros_like(trait_votes),
                            where=n_coders[:, None] > 0)
    if method == "majority":
        in_gold = trait_share > 0.5
        trait_tie = np.isclose(trait_share, 0.5) & (n_coders[:, None] > 0)
    else:
        post1 = np.zeros((n, len(traits)))
        for j in range(len(traits)):
            x = Answers(unit, ann, chosen[:, j].astype(np.int64), n, len(annotators), 2)
            post1[:, j] = dawid_skene(x).posterior[:, 1]
        in_gold = post1 > 0.5 + 1e-9
        trait_tie = np.isclose(post1, 0.5, rtol=0, atol=1e-9) & (n_coders[:, None] > 0)
    out["traits"] = [[t for t, keep in zip(traits, row, strict=True) if keep] for row in in_gold]
    out["traits_soft"] = trait_share.tolist()

    rating = rating_coding(coders, taxonomy, "ordinal", RATING_FIELD, unit, ann, n)
    medians = (
        pd.Series(rating.numeric[rating.value]).groupby(rating.unit).median()
        .reindex(range(n))
    )
    out["role_model"] = medians.to_numpy(dtype=float)

    agreement = np.where(agree_den > 0, agree_num / np.where(agree_den > 0, agree_den, 1), np.nan)
    present = np.array([v == "present" for v in out["ai_present"]])  # type: ignore[union-attr]
    needs |= ties["ai_present"]
    for name in _GATED:
        needs |= ties[name] & present
    needs |= trait_tie.any(axis=1) & present
    needs |= ~np.isnan(agreement) & (agreement < min_agreement - 1e-12)

    df = pd.DataFrame(out)
    df["n_annotators"] = n_coders.astype(np.int64)
    df["agreement"] = agreement
    df["needs_adjudication"] = needs
    df["method"] = method
    df["taxonomy_version"] = taxonomy.version
    _apply_adjudication(df, adjudged, taxonomy, index)
    _apply_gate(df)
    schema = label_schema(taxonomy)
    return schema.validate(df[list(schema.to_schema().columns)], lazy=True)


def _apply_adjudication(df: pd.DataFrame, adjudged: pd.DataFrame, taxonomy: Taxonomy,
                        index: dict[str, int]) -> None:
    """An adjudicator's row replaces the vote for its passage (ids checked like any row)."""
    if adjudged.empty:
        return
    rows_idx = adjudged["passage_id"].map(index).to_numpy(dtype=np.int64)
    for name in taxonomy.field_ids("single"):
        c = single_coding(name, adjudged, taxonomy.ids(name), np.arange(len(adjudged)),
                          np.zeros(len(adjudged), dtype=np.int64), len(adjudged))
        values: list[str | None] = [None] * len(adjudged)
        for u, v in zip(c.unit, c.value, strict=True):
            values[u] = taxonomy.ids(name)[v]
        col = df[name].astype(object).to_numpy(copy=True)
        col[rows_idx] = values
        df[name] = col
    chosen = trait_matrix(adjudged, taxonomy.ids("traits"))
    traits_col = df["traits"].to_numpy(copy=True)
    for r, i in enumerate(rows_idx):
        traits_col[i] = [t for t, keep in zip(taxonomy.ids("traits"), chosen[r], strict=True)
                         if keep]
    df["traits"] = traits_col
    rating = pd.to_numeric(adjudged[RATING_FIELD], errors="coerce").to_numpy(dtype=float,
                                                                           na_value=np.nan)
    rm = df["role_model"].to_numpy(dtype=float, copy=True)
    rm[rows_idx] = rating
    df["role_model"] = rm
    df.loc[rows_idx, "method"] = "adjudicated"
    df.loc[rows_idx, "needs_adjudication"] = False


def _apply_gate(df: pd.DataFrame) -> None:
    """No AI present (absent, uncertain or undecided): no role, persona, stance, outcome,
    rating or traits, whoever answered them."""
    gated = (df["ai_present"] != "present").fillna(True).to_numpy(dtype=bool)
    if not gated.any():
        return
    for name in (*_GATED, "role_model"):
        df.loc[gated, name] = None
    df.loc[gated, "role_model"] = np.nan
    traits = df["traits"].to_numpy(copy=True)
    for i in np.flatnonzero(gated):
        traits[i] = []
    df["traits"] = traits
