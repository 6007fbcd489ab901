"""Agreement: known answers from Krippendorff (2011), closed form vs the krippendorff package,
bootstrap, spans, per-annotator statistics and bad input."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pandas as pd
import pytest

from dataset_builder import taxonomy
from dataset_builder.agreement import alpha as al
from dataset_builder.agreement import compute_agreement
from dataset_builder.agreement.matrices import prepare
from dataset_builder.errors import UserError
from tests.agreement_fixtures import K2011_BINARY, K2011_MULTI, ann, from_matrix, pid, rows

TAX = taxonomy.load()
PERSONAS = TAX.ids("persona")
TRAIT = TAX.ids("traits")[2]  # deception


def _persona_matrix(matrix: list[list[int | None]]) -> list[list[str | None]]:
    return [[None if v is None else PERSONAS[v] for v in line] for line in matrix]


# ---- known answers -------------------------------------------------------------------------

def test_k2011_multi_coder_with_missing_values_matches_published_alphas() -> None:
    ratings = compute_agreement(from_matrix(K2011_MULTI, "role_model"), TAX, bootstrap=0)
    assert round(ratings.fields["role_model"].alpha, 3) == 0.815  # ordinal
    assert round(ratings.fields["role_model:interval"].alpha, 3) == 0.849
    persona = compute_agreement(from_matrix(_persona_matrix(K2011_MULTI), "persona"), TAX,
                                bootstrap=0)
    assert round(persona.fields["persona"].alpha, 3) == 0.743  # nominal
    # Krippendorff's counts: 11 pairable units (unit 12 has one value), n = 40 values.
    assert persona.fields["persona"].units == 11
    assert persona.fields["persona"].pairable == 40
    assert persona.summary["passages_single_annotation"] == 1


def test_k2011_binary_two_coders_matches_published_alpha() -> None:
    recs = [
        {"passage": u, "annotator": a, "traits": [TRAIT] if v else []}
        for a, line in enumerate(K2011_BINARY) for u, v in enumerate(line)
    ]
    result = compute_agreement(rows(recs), TAX, bootstrap=0)
    assert round(result.fields[f"traits:{TRAIT}"].alpha, 3) == 0.095
    assert result.fields[f"traits:{TRAIT}"].pairable == 20


def test_point_estimates_equal_krippendorff_on_the_reliability_matrices() -> None:
    rng = np.random.default_rng(3)
    recs = []
    for u in range(40):
        for a in range(4):
            if rng.random() < 0.25:
                continue
            recs.append({"passage": u, "annotator": a,
                         "persona": PERSONAS[int(rng.integers(0, 4))],
                         "role_model": int(rng.integers(1, 6))})
    df = rows(recs)
    result = compute_agreement(df, TAX, bootstrap=0)
    prep = prepare(df, TAX)
    for name in ("persona", "role_model", "role_model:interval"):
        coding = prep.codings[name]
        data = coding.reliability_matrix(len(prep.annotators))
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement=coding.level)
        assert result.fields[name].alpha == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_closed_form_from_summed_unit_coincidences_equals_krippendorff(level: str) -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(1, 6, size=(5, 300)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    domain = np.arange(1.0, 6.0)
    vc = (data.T[..., None] == domain).sum(axis=1)
    o = al.unit_coincidences(vc).sum(axis=0)
    ours = float(al.alpha_from_coincidences(o, level, domain))
    assert ours == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement=level), abs=1e-12)


# ---- bootstrap -------------------------------------------------------------------------------

def _noisy_rows(n: int, seed: int, annotators: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    recs = []
    for u in range(n):
        truth = int(rng.integers(0, 5))
        for a in range(annotators):
            value = truth if rng.random() < 0.7 else int(rng.integers(0, 5))
            recs.append({"passage": u, "annotator": a, "persona": PERSONAS[value],
                         "role_model": min(5, max(1, truth + int(rng.integers(-1, 2)))),
                         "traits": [TRAIT] if (truth + a) % 3 == 0 else []})
    return rows(recs, validate=False)


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    df = _noisy_rows(150, 1)
    a = compute_agreement(df, TAX, bootstrap=300, seed=5).fields["persona"]
    b = compute_agreement(df, TAX, bootstrap=300, seed=5).fields["persona"]
    c = compute_agreement(df, TAX, bootstrap=300, seed=6).fields["persona"]
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert a.ci_low < a.alpha < a.ci_high


def test_pattern_bootstrap_matches_a_naive_unit_bootstrap_with_krippendorff() -> None:
    """Resampling distinct value-count patterns multinomially must give the same replicate
    distribution as drawing passages and calling krippendorff.alpha on each resample."""
    df = _noisy_rows(120, 2)
    prep = prepare(df, TAX)
    coding = prep.codings["persona"]
    vc = coding.value_counts()
    block = al.categorical_block(coding, vc, np.ones(len(vc), dtype=bool))
    ours = al.bootstrap([block], len(vc), 2000, seed=0)["persona"]
    rng = np.random.default_rng(1)
    naive = np.array([
        krippendorff.alpha(value_counts=vc[rng.integers(0, len(vc), len(vc))],
                           value_domain=coding.numeric, level_of_measurement="nominal")
        for _ in range(2000)
    ])
    assert ours.mean() == pytest.approx(naive.mean(), abs=0.01)
    assert ours.std() == pytest.approx(naive.std(), rel=0.1)
    assert np.percentile(ours, 2.5) == pytest.approx(np.percentile(naive, 2.5), abs=0.02)


def test_unit_weights_path_equals_krippendorff_on_the_resampled_units() -> None:
    """The per-unit path (used for spans) is an exact weighted sum: check one replicate."""
    df = _noisy_rows(60, 3)
    prep = prepare(df, TAX)
    coding = prep.codings["role_model"]
    vc = coding.value_counts()
    per_unit = al.unit_coincidences(vc).reshape(len(vc), -1)
    block = al.FieldBlock("r", "ordinal", coding.numeric, per_unit)
    reps = al.bootstrap([block], len(vc), 3, seed=11)["r"]
    weights = al._resample_weights(np.random.default_rng(11), len(vc), 3)
    for r in range(3):
        resampled = np.repeat(vc, weights[r].astype(int), axis=0)
        expected = krippendorff.alpha(value_counts=resampled, value_domain=coding.numeric,
                                      level_of_measurement="ordinal")
        assert reps[r] == pytest.approx(expected, abs=1e-12)


# ---- spans -----------------------------------------------------------------------------------

def _span(start: int, end: int, label: str = "evidence") -> dict[str, object]:
    return {"label": label, "start": start, "end": end, "text": "x" * (end - start)}


def test_span_alpha_equals_binary_alpha_over_characters_and_f1_by_hand() -> None:
    spans = {  # passage -> annotator -> spans (one annotator's overlaps are merged)
        0: {0: [_span(0, 10)], 1: [_span(5, 15)], 2: []},
        1: {0: [_span(2, 6), _span(4, 8)], 1: [_span(2, 8)]},
        2: {0: [_span(0, 3)], 1: [_span(10, 12), _span(0, 1, "ai_mention")]},
    }
    lengths = {pid(0): 20, pid(1): 10, pid(2): 15}
    recs = [{"passage": p, "annotator": a, "spans": s}
            for p, by in spans.items() for a, s in by.items()]
    result = compute_agreement(rows(recs), TAX, bootstrap=50, passage_lengths=lengths)
    # Expand to one unit per character and let krippendorff compute the binary alpha.
    columns = []
    for p, by in spans.items():
        for ch in range(lengths[pid(p)]):
            col = [np.nan] * 3
            for a, ss in by.items():
                col[a] = float(any(s["label"] == "evidence" and s["start"] <= ch < s["end"]
                                   for s in ss))
            columns.append(col)
    expected = krippendorff.alpha(reliability_data=np.array(columns).T,
                                  level_of_measurement="nominal")
    field = result.fields["spans:evidence"]
    assert field.alpha == pytest.approx(expected, abs=1e-12)
    # F1 over annotator pairs: p0: (0,1) 2*5/(10+10), (0,2) 0/(10+0), (1,2) 0/(10+0);
    # p1: 2*6/(6+6); p2: 0/(3+2). Pooled: (10+12+0) / (20+10+10+12+5) = 22/57.
    assert field.extra["f1"] == pytest.approx(22 / 57)
    assert field.ci_low is not None and field.ci_low <= field.alpha <= field.ci_high


def test_span_universe_without_lengths_ends_at_last_span_end() -> None:
    recs = [{"passage": 0, "annotator": 0, "spans": [_span(0, 4)]},
            {"passage": 0, "annotator": 1, "spans": [_span(2, 6)]},
            {"passage": 1, "annotator": 0, "spans": [_span(0, 2)]},
            {"passage": 1, "annotator": 1, "spans": [_span(0, 2)]}]
    result = compute_agreement(rows(recs), TAX, bootstrap=0)
    chars = [[1, 1, 1, 1, 0, 0, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]]
    expected = krippendorff.alpha(reliability_data=chars, level_of_measurement="nominal")
    assert result.fields["spans:evidence"].alpha == pytest.approx(expected)
    assert any("passage lengths unknown" in n for n in result.notes)
    assert result.fields["spans:ai_mention"].alpha is None


# ---- annotators and confusion ----------------------------------------------------------------

def test_annotator_stats_and_persona_confusion_by_hand() -> None:
    a, b = PERSONAS[0], PERSONAS[1]
    recs = [
        {"passage": 0, "annotator": 0, "persona": a}, {"passage": 0, "annotator": 1, "persona": a},
        {"passage": 0, "annotator": 2, "persona": b},
        {"passage": 1, "annotator": 0, "persona": b}, {"passage": 1, "annotator": 1, "persona": b},
        {"passage": 1, "annotator": 2, "persona": b},
    ]
    result = compute_agreement(rows(recs), TAX, bootstrap=0)
    stats = {s.annotator: s for s in result.annotators}
    # Annotator 2 vs the majority of 0 and 1: p0 a != b, p1 b == b; ai_present agrees twice.
    assert stats[ann(2)].per_field["persona"] == 0.5
    assert stats[ann(2)].agreement_with_majority == pytest.approx(3 / 4)
    # Annotator 0 vs {1, 2}: p0 others are a, b -> tie, not compared; p1 b == b.
    assert stats[ann(0)].per_field["persona"] == 1.0
    assert stats[ann(0)].annotations == 2
    m = np.array(result.persona_confusion)
    # p0: ordered pairs (a,a) x2, (a,b) x2, (b,a) x2; p1: (b,b) x6.
    assert m[0, 0] == 2 and m[0, 1] == 2 and m[1, 0] == 2 and m[1, 1] == 6
    assert m.sum() == 12 and (m == m.T).all()


# ---- bad input -------------------------------------------------------------------------------

def test_mixed_taxonomy_major_versions_are_refused_with_a_clear_message() -> None:
    df = rows([{"passage": 0, "annotator": 0}, {"passage": 0, "annotator": 1},
               {"passage": 1, "annotator": 0, "taxonomy_version": "2.0.0"}])
    with pytest.raises(UserError, match=r"2\.0\.0 \(1 rows\).*major 1"):
        compute_agreement(df, TAX, bootstrap=0)


def test_minor_versions_of_the_same_major_are_pooled() -> None:
    df = rows([{"passage": 0, "annotator": 0, "persona": PERSONAS[0]},
               {"passage": 0, "annotator": 1, "persona": PERSONAS[1], "taxonomy_version": "1.3.0"}])
    assert compute_agreement(df, TAX, bootstrap=0).summary["passages_shared"] == 1


def test_unknown_ids_and_missing_columns_name_the_row_and_field() -> None:
    df = rows([{"passage": 0, "annotator": 0, "persona": PERSONAS[0]}])
    bad = df.copy()
    bad.loc[0, "persona"] = "evil_overlord"
    with pytest.raises(UserError, match=rf"{df['row_id'][0]}: persona='evil_overlord'"):
        compute_agreement(bad, TAX, bootstrap=0)
    with pytest.raises(UserError, match="missing column.*spans"):
        compute_agreement(df.drop(columns=["spans"]), TAX, bootstrap=0)


def test_silent_annotators_single_annotations_and_missing_fields_never_give_nan() -> None:
    history = rows([
        {"passage": 0, "annotator": 0, "persona": PERSONAS[0], "row_id": "r_" + "a" * 16},
        {"passage": 0, "annotator": 1, "persona": PERSONAS[0]},
        {"passage": 1, "annotator": 0, "persona": PERSONAS[2]},  # single annotation
        {"passage": 0, "annotator": 5, "tombstone": True, "ai_present": None},  # deleted only
    ])
    result = compute_agreement(history, TAX, bootstrap=100)
    text = json.dumps(result.to_dict(), allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert result.summary["passages_single_annotation"] == 1
    silent = [s for s in result.annotators if s.annotator == ann(5)]
    assert silent and silent[0].annotations == 0 and silent[0].agreement_with_majority is None
    assert result.fields["outcome"].alpha is None
    assert result.fields["outcome"].reason == al.NO_VALUES
    assert result.fields["persona"].reason == al.NO_VARIATION
    assert any(ann(5) in n for n in result.notes)


def test_only_adjudication_rows_is_a_clear_error() -> None:
    df = rows([{"passage": 0, "annotator": 0, "adjudication": True}])
    with pytest.raises(UserError, match="every live row is an adjudication"):
        compute_agreement(df, TAX, bootstrap=0)


OLD, NEW = "2026-11-01T09:00:00Z", "2026-11-02T09:00:00Z"


def test_latest_row_of_an_annotator_wins_and_adjudications_are_not_counted() -> None:
    df = rows([
        {"passage": 0, "annotator": 0, "persona": PERSONAS[1], "updated_at": OLD},
        {"passage": 0, "annotator": 0, "persona": PERSONAS[0], "updated_at": NEW},
        {"passage": 0, "annotator": 1, "persona": PERSONAS[0]},
        {"passage": 1, "annotator": 0, "persona": PERSONAS[1]},
        {"passage": 1, "annotator": 1, "persona": PERSONAS[1]},
        {"passage": 1, "annotator": 2, "persona": PERSONAS[5], "adjudication": True},
    ])
    result = compute_agreement(df, TAX, bootstrap=0)
    assert result.fields["persona"].alpha == 1.0
    assert result.summary["duplicate_rows_ignored"] == 1
    assert result.summary["adjudication_rows"] == 1
