"""Property tests: perfect agreement, invariance under relabelling, and 'not computable'."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dataset_builder import taxonomy
from dataset_builder.agreement import alpha as al
from dataset_builder.agreement import compute_agreement
from tests.agreement_fixtures import ann, pid, rows

TAX = taxonomy.load()
PERSONAS = TAX.ids("persona")
FIELDS = ("persona", "role_model", "role_model:interval", "stance")
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# A unit: which annotators (of 4) answered, and a persona index / rating / stance per annotator.
unit_strategy = st.tuples(
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.lists(st.integers(0, 4), min_size=4, max_size=4),
)


def _records(units: list[tuple[list[bool], list[int]]], perfect: bool = False) -> list[dict]:
    recs = []
    for u, (present, values) in enumerate(units):
        for a in range(4):
            if not present[a]:
                continue
            v = values[0] if perfect else values[a]
            recs.append({"passage": u, "annotator": a, "persona": PERSONAS[v],
                         "role_model": v + 1, "stance": TAX.ids("stance")[v % 4]})
    return recs


def _alphas(recs: list[dict]) -> dict[str, float | None]:
    result = compute_agreement(rows(recs, validate=False), TAX, bootstrap=0)
    return {f: result.fields[f].alpha for f in FIELDS}


@SETTINGS
@given(st.lists(unit_strategy, min_size=2, max_size=12))
def test_perfect_agreement_gives_alpha_one_or_not_computable(units: list) -> None:
    recs = _records(units, perfect=True)
    assume(recs)
    result = compute_agreement(rows(recs, validate=False), TAX, bootstrap=20)
    for name in FIELDS:
        f = result.fields[name]
        if f.alpha is None:
            # Only when no passage has two annotators or every value is the same.
            assert f.reason in (al.SINGLE_CODER, al.NO_VARIATION, al.NO_VALUES)
        else:
            assert f.alpha == 1.0
            # Resamples without variation are undefined; with too many of them no CI is given.
            assert (f.ci_low, f.ci_high) in ((1.0, 1.0), (None, None))


@settings(SETTINGS, max_examples=15)
@given(st.lists(unit_strategy, min_size=2, max_size=12), st.randoms(use_true_random=False))
def test_permuting_annotators_or_units_changes_nothing(units: list, rnd) -> None:
    recs = _records(units)
    assume(recs)
    before = _alphas(recs)
    ann_perm = list(range(4))
    rnd.shuffle(ann_perm)
    unit_perm = list(range(len(units)))
    rnd.shuffle(unit_perm)
    moved = [{**r, "annotator": ann(ann_perm[r["annotator"]] + 7),
              "passage": pid(1000 + unit_perm[r["passage"]])} for r in recs]
    rnd.shuffle(moved)  # row order too
    after = _alphas(moved)
    for name in FIELDS:
        if before[name] is None:
            assert after[name] is None
        else:
            assert math.isclose(before[name], after[name], abs_tol=1e-12)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=15))
def test_one_annotator_per_unit_is_not_computable_never_a_number(units: list) -> None:
    recs = [{"passage": u, "annotator": a, "persona": PERSONAS[v], "role_model": v + 1,
             "spans": [{"label": "evidence", "start": 0, "end": v + 1, "text": ""}]}
            for u, (a, v) in enumerate(units)]
    result = compute_agreement(rows(recs, validate=False), TAX, bootstrap=10)
    for f in result.fields.values():
        assert f.alpha is None and f.ci_low is None and f.ci_high is None
        assert f.reason is not None
    assert result.fields["persona"].reason == al.SINGLE_CODER
    assert result.summary["passages_single_annotation"] == len(units)


@SETTINGS
@given(st.lists(st.lists(st.integers(0, 2), min_size=3, max_size=3), min_size=2, max_size=30),
       st.sampled_from(["nominal", "ordinal", "interval"]))
def test_closed_form_agrees_with_krippendorff_or_both_undefined(matrix: list, level: str) -> None:
    import krippendorff

    data = np.array(matrix, dtype=float).T
    domain = np.array([0.0, 1.0, 2.0])
    vc = (data.T[..., None] == domain).sum(axis=1)
    ours = float(al.alpha_from_coincidences(al.unit_coincidences(vc).sum(axis=0), level, domain))
    with np.errstate(divide="ignore", invalid="ignore"):
        theirs = krippendorff.alpha(reliability_data=data, value_domain=domain,
                                    level_of_measurement=level)
    if math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert math.isclose(ours, theirs, abs_tol=1e-9)
