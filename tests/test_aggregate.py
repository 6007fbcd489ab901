"""Aggregation to gold labels: majority and its tie rule, Dawid–Skene (hand-derived case),
the ai_present gate, adjudication override, soft labels, and the labels schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataset_builder import taxonomy
from dataset_builder.aggregate.dawid_skene import Answers, dawid_skene
from dataset_builder.aggregate.gold import aggregate
from dataset_builder.errors import UserError
from dataset_builder.schemas.labels import LabelSchema
from tests.agreement_fixtures import pid, rows

TAX = taxonomy.load()
P = TAX.ids("persona")
T = TAX.ids("traits")


def _by_passage(df: pd.DataFrame) -> dict[str, pd.Series]:
    return {r.passage_id: r for r in df.itertuples(index=False)}  # type: ignore[misc]


def test_majority_labels_soft_labels_median_and_agreement() -> None:
    df = aggregate(rows([
        {"passage": 0, "annotator": 0, "persona": P[7], "traits": [T[2]], "role_model": 2,
         "stance": "condemned"},
        {"passage": 0, "annotator": 1, "persona": P[7], "traits": [T[2], T[3]], "role_model": 3,
         "stance": "condemned"},
        {"passage": 0, "annotator": 2, "persona": P[10], "traits": [], "role_model": 1,
         "stance": "condemned"},
    ]), TAX)
    LabelSchema.validate(df, lazy=True)
    row = df.iloc[0]
    assert row["persona"] == P[7] and row["stance"] == "condemned" and pd.isna(row["outcome"])
    assert list(row["traits"]) == [T[2]]  # 2 of 3 chose deception, 1 of 3 manipulation
    assert row["role_model"] == 2.0  # median of 1, 2, 3
    soft = list(row["persona_soft"])
    assert len(soft) == len(P)
    assert (soft[7], soft[10]) == pytest.approx((2 / 3, 1 / 3))
    assert list(row["outcome_soft"]) == [0.0, 0.0, 0.0]  # nobody answered
    assert list(row["traits_soft"])[2:4] == pytest.approx([2 / 3, 1 / 3])
    # Agreeing pairs over the four single-choice fields: ai_present 3/3, persona 1/3,
    # stance 3/3, outcome none -> 7 of 9.
    assert row["agreement"] == pytest.approx(7 / 9)
    assert row["n_annotators"] == 3 and not row["needs_adjudication"]
    assert row["method"] == "majority" and row["taxonomy_version"] == TAX.version


def test_ties_give_null_labels_and_need_adjudication() -> None:
    df = _by_passage(aggregate(rows([
        {"passage": 0, "annotator": 0, "persona": P[0], "traits": [T[0]], "role_model": 3},
        {"passage": 0, "annotator": 1, "persona": P[1], "traits": [], "role_model": 4},
        {"passage": 1, "annotator": 0, "persona": P[0], "traits": [T[0]]},
        {"passage": 1, "annotator": 1, "persona": P[0], "traits": []},
    ]), TAX, min_agreement=0.0))
    tie = df[pid(0)]
    assert pd.isna(tie.persona) and tie.needs_adjudication
    assert list(tie.traits) == [] and tie.role_model == 3.5  # median of an even count
    # Passage 1: personas agree, but the trait is chosen by exactly half -> a tie too.
    assert df[pid(1)].persona == P[0] and df[pid(1)].needs_adjudication
    assert list(df[pid(1)].traits) == []


def test_min_agreement_flags_passages_and_single_annotations_are_not_flagged() -> None:
    recs = [{"passage": 0, "annotator": a, "persona": P[a], "stance": "endorsed"}
            for a in range(3)]  # persona: 0 of 3 pairs; ai_present, stance: 3 of 3
    recs.append({"passage": 1, "annotator": 0, "persona": P[0]})
    out = _by_passage(aggregate(rows(recs), TAX, min_agreement=0.7))
    assert out[pid(0)].agreement == pytest.approx(6 / 9) and out[pid(0)].needs_adjudication
    assert out[pid(1)].n_annotators == 1 and np.isnan(out[pid(1)].agreement)
    assert not out[pid(1)].needs_adjudication and out[pid(1)].persona == P[0]
    relaxed = _by_passage(aggregate(rows(recs), TAX, min_agreement=0.6))
    # Still flagged: the persona vote is a three-way tie.
    assert relaxed[pid(0)].needs_adjudication and pd.isna(relaxed[pid(0)].persona)


def test_absent_majority_nulls_the_ai_labels() -> None:
    out = aggregate(rows([
        {"passage": 0, "annotator": 0, "ai_present": "absent"},
        {"passage": 0, "annotator": 1, "ai_present": "absent"},
        {"passage": 0, "annotator": 2, "persona": P[3], "traits": [T[1]], "role_model": 5,
         "stance": "endorsed", "outcome": "rewarded"},
    ]), TAX).iloc[0]
    assert out["ai_present"] == "absent"
    assert pd.isna(out["persona"]) and pd.isna(out["stance"]) and pd.isna(out["outcome"])
    assert list(out["traits"]) == [] and np.isnan(out["role_model"])
    # The vote stays visible in the soft labels, as a share of all three annotators.
    assert list(out["persona_soft"])[3] == pytest.approx(1 / 3)


def test_uncertain_majority_nulls_the_ai_labels_and_soft_labels_are_real_shares() -> None:
    """2 of 3 say uncertain: the one dissenter's persona, stance, outcome and rating are not
    gold labels (the codebook labels only passages with an AI present); its persona is a
    third of the votes, not all of them."""
    out = aggregate(rows([
        {"passage": 0, "annotator": 0, "ai_present": "uncertain"},
        {"passage": 0, "annotator": 1, "ai_present": "uncertain"},
        {"passage": 0, "annotator": 2, "persona": P[9], "traits": [T[2]], "role_model": 3,
         "stance": "not_judged", "outcome": "neither"},
    ]), TAX).iloc[0]
    assert out["ai_present"] == "uncertain"
    assert pd.isna(out["persona"]) and pd.isna(out["stance"]) and pd.isna(out["outcome"])
    assert list(out["traits"]) == [] and np.isnan(out["role_model"])
    assert list(out["ai_present_soft"]) == pytest.approx([1 / 3, 0.0, 2 / 3])
    assert list(out["persona_soft"])[9] == pytest.approx(1 / 3)
    assert sum(out["persona_soft"]) == pytest.approx(1 / 3)
    assert list(out["stance_soft"])[3] == pytest.approx(1 / 3)


def test_adjudication_overrides_the_vote() -> None:
    out = aggregate(rows([
        {"passage": 0, "annotator": 0, "persona": P[0], "traits": [T[0]]},
        {"passage": 0, "annotator": 1, "persona": P[1]},
        {"passage": 0, "annotator": 9, "persona": P[5], "traits": [T[4]], "role_model": 4,
         "adjudication": True},
    ]), TAX).iloc[0]
    assert out["method"] == "adjudicated" and not out["needs_adjudication"]
    assert out["persona"] == P[5] and list(out["traits"]) == [T[4]] and out["role_model"] == 4.0
    assert out["n_annotators"] == 2  # the adjudicator is not an annotator
    assert list(out["persona_soft"])[:2] == [0.5, 0.5]


def test_latest_non_superseded_rows_are_used() -> None:
    history = rows([
        {"passage": 0, "annotator": 0, "persona": P[0], "row_id": "r_" + "1" * 16},
        {"passage": 0, "annotator": 0, "persona": P[2], "supersedes": "r_" + "1" * 16},
        {"passage": 0, "annotator": 1, "persona": P[2]},
        {"passage": 0, "annotator": 2, "persona": P[0], "row_id": "r_" + "2" * 16},
        {"passage": 0, "annotator": 2, "ai_present": None, "tombstone": True,
         "supersedes": "r_" + "2" * 16},
    ])
    out = aggregate(history, TAX).iloc[0]
    assert out["persona"] == P[2] and out["n_annotators"] == 2 and out["agreement"] == 1.0


def test_bad_input_is_refused_with_a_message() -> None:
    df = rows([{"passage": 0, "annotator": 0},
               {"passage": 0, "annotator": 1, "taxonomy_version": "0.9.0"}])
    with pytest.raises(UserError, match="taxonomy version"):
        aggregate(df, TAX)
    with pytest.raises(UserError, match="method 'vote'"):
        aggregate(rows([{"passage": 0, "annotator": 0}]), TAX, method="vote")


# ---- Dawid–Skene -----------------------------------------------------------------------------

def _spammer_case() -> Answers:
    answers = {0: [1, 1, 0, 0, 0], 1: [0, 0, 0, 0, 0], 2: [1, 1, 0, 0, 0], 3: [0, 0, 0, 0, 0]}
    item, annotator, answer = zip(*[(i, a, v) for i, vs in answers.items()
                                    for a, v in enumerate(vs)], strict=True)
    return Answers(np.array(item), np.array(annotator), np.array(answer), 4, 5, 2)


def test_dawid_skene_hand_derived_case() -> None:
    """Four binary items, five annotators. A and B answer 1, 0, 1, 0; C, D, E always say 0.
    Majority vote says 0 everywhere.

    Initialisation (vote shares): T = [.6 .4], [1 0], [.6 .4], [1 0].
    M-step: prior p = [(.6+1+.6+1)/4, (.4+.4)/4] = [.8, .2].
      A (and B): class 0 -> answers 0 on items 2, 4 (weight 2) and 1 on items 1, 3 (1.2):
      pi[0] = [2/3.2, 1.2/3.2] = [.625, .375]; class 1 -> only answers 1: pi[1] = [0, 1].
      C, D, E: always 0, so pi[0] = pi[1] = [1, 0] (no information).
    E-step, item 1: class 0: .8 * .375^2 * 1 = .1125; class 1: .2 * 1 * 1 = .2;
      posterior of class 1 = .2 / .3125 = .64 (item 3 the same; items 2, 4: class 1 has
      pi_A[1, 0] = 0, so posterior 0).
    Fixed point: T = [0 1], [1 0], [0 1], [1 0] gives pi_A = identity, prior [.5, .5], and the
    E-step returns T unchanged: Dawid–Skene labels 1, 0, 1, 0 (it learns to ignore C, D, E).
    """
    x = _spammer_case()
    one = dawid_skene(x, max_iter=1, smoothing=0.0)
    assert one.posterior[:, 1] == pytest.approx([0.64, 0.0, 0.64, 0.0])
    assert one.prior == pytest.approx([(0.36 + 1 + 0.36 + 1) / 4, 0.64 * 2 / 4])
    done = dawid_skene(x, smoothing=0.0)
    assert done.converged
    assert done.posterior.argmax(axis=1).tolist() == [1, 0, 1, 0]
    assert done.confusion[0] == pytest.approx(np.eye(2), abs=1e-9)
    assert done.confusion[2] == pytest.approx(np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert done.prior == pytest.approx([0.5, 0.5], abs=1e-9)
    # Default smoothing keeps the same answer.
    assert dawid_skene(x).posterior.argmax(axis=1).tolist() == [1, 0, 1, 0]


def test_aggregate_with_dawid_skene_overrules_the_spammers() -> None:
    recs = []
    for item, truth in enumerate([1, 0, 1, 0]):
        for a in range(5):
            value = truth if a < 2 else 0
            recs.append({"passage": item, "annotator": a, "persona": P[value],
                         "traits": [T[0]] if value else []})
    majority = aggregate(rows(recs), TAX, method="majority", min_agreement=0.0)
    ds = aggregate(rows(recs), TAX, method="dawid_skene", min_agreement=0.0)
    LabelSchema.validate(ds, lazy=True)
    assert list(majority["persona"]) == [P[0]] * 4
    assert list(ds["persona"]) == [P[1], P[0], P[1], P[0]]
    assert [list(t) for t in ds["traits"]] == [[T[0]], [], [T[0]], []]
    assert set(ds["method"]) == {"dawid_skene"}
    # Soft labels remain vote shares, whatever the method.
    assert list(ds["persona_soft"].iloc[0])[:2] == [0.6, 0.4]
