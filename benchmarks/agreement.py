"""Agreement report throughput: N synthetic passages x 3 annotators, every field.

Prints the time of the whole report computation (alpha + bootstrap CIs for every field,
per-annotator statistics, confusion) and its ratio to bare ``krippendorff.alpha`` calls on the
same reliability matrices without bootstrap. Goal: 100,000 passages x 3 in under 30 s.
Usage: python benchmarks/agreement.py [--passages 100000] [--bootstrap 1000] [--aggregate]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from dataset_builder import taxonomy
from dataset_builder.aggregate.gold import aggregate
from dataset_builder.agreement import compute_agreement, write_report
from dataset_builder.agreement.matrices import prepare


def synthetic_rows(n: int, annotators: int, rng: np.random.Generator) -> pd.DataFrame:
    """Noisy copies of a per-passage truth, so alphas are realistic (neither 0 nor 1)."""
    tax = taxonomy.load()
    total = n * annotators

    def noisy(ids: tuple[str, ...], keep: float) -> np.ndarray:
        ids_arr = np.array(ids, dtype=object)
        truth = np.repeat(rng.integers(0, len(ids), n), annotators)
        other = rng.integers(0, len(ids), total)
        return ids_arr[np.where(rng.random(total) < keep, truth, other)]

    traits = np.array(tax.ids("traits"), dtype=object)
    truth_traits = rng.random((n, len(traits))) < 0.15
    chosen = np.repeat(truth_traits, annotators, axis=0) ^ (rng.random((total, len(traits))) < 0.05)
    rating_truth = np.repeat(rng.integers(1, 6, n), annotators)
    rating = np.clip(rating_truth + rng.integers(-1, 2, total), 1, 5)
    start = rng.integers(0, 400, total)
    return pd.DataFrame({
        "row_id": [f"r_{i:016x}" for i in range(total)],
        "passage_id": [f"p_{i // annotators:016x}" for i in range(total)],
        "annotator": [f"ann_{i % annotators:012x}" for i in range(total)],
        "updated_at": ["2026-11-01T10:00:00Z"] * total,
        "taxonomy_version": [tax.version] * total,
        "adjudication": np.zeros(total, dtype=bool),
        "ai_present": noisy(tax.ids("ai_present"), 0.9),
        "persona": noisy(tax.ids("persona"), 0.7),
        "stance": noisy(tax.ids("stance"), 0.7),
        "outcome": noisy(tax.ids("outcome"), 0.7),
        "traits": [list(traits[row]) for row in chosen],
        "role_model": pd.array(rating, dtype="Int64"),
        "spans": [[{"label": "evidence", "start": int(s), "end": int(s) + 60, "text": ""},
                   {"label": "ai_mention", "start": int(s) + 5, "end": int(s) + 10, "text": ""}]
                  for s in start],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--aggregate", action="store_true",
                        help="also time `aggregate` (majority and Dawid-Skene)")
    args = parser.parse_args()
    tax = taxonomy.load()
    rows = synthetic_rows(args.passages, args.annotators, np.random.default_rng(0))
    lengths = {p: 1000 for p in rows["passage_id"].unique()}

    t0 = time.perf_counter()
    result = compute_agreement(rows, tax, bootstrap=args.bootstrap, seed=0,
                               passage_lengths=lengths)
    t_report = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        write_report(result, Path(tmp))
        t_write = time.perf_counter() - t1

    # Reference: krippendorff.alpha on the reliability matrices of the same fields, no CIs.
    prep = prepare(rows, tax, lengths)
    matrices = [(c.reliability_matrix(len(prep.annotators)), c.numeric, c.level)
                for c in prep.codings.values()]
    t2 = time.perf_counter()
    for data, domain, level in matrices:
        # A field without variation raises; the report handles it, so the reference may too.
        with contextlib.suppress(ValueError):
            krippendorff.alpha(reliability_data=data, value_domain=domain,
                               level_of_measurement=level)
    t_bare = time.perf_counter() - t2

    print(f"passages={args.passages:,} annotators={args.annotators} rows={len(rows):,} "
          f"fields={len(result.fields)} bootstrap={args.bootstrap}")
    for name in ("persona", "traits:deception", "role_model", "spans:evidence"):
        f = result.fields[name]
        print(f"  {name:<18} alpha={f.alpha:.4f} CI=[{f.ci_low:.4f}, {f.ci_high:.4f}]")
    print(f"report (alpha + bootstrap, all fields): {t_report:.2f} s; writing md/json/png: "
          f"{t_write:.2f} s")
    print(f"bare krippendorff.alpha on the same {len(matrices)} categorical matrices: "
          f"{t_bare:.2f} s; ratio report/bare = {t_report / t_bare:.1f}x")
    print(f"goal: report < 30 s -> {'met' if t_report + t_write < 30 else 'MISSED'}")
    if args.aggregate:
        for method in ("majority", "dawid_skene"):
            t3 = time.perf_counter()
            labels = aggregate(rows, tax, method=method)
            print(f"aggregate {method}: {time.perf_counter() - t3:.2f} s for {len(labels):,} "
                  "passages")


if __name__ == "__main__":
    main()
