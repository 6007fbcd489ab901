"""Validation throughput: 1M synthetic passages and 3M annotation rows through the pandera
schemas, against a bare pandas pass that evaluates the same column conditions.

Prints rows/s and the ratio pandera/bare. Goal: the full validation of 1M passages < 10 s.
Usage: python benchmarks/validate.py [--passages 1000000] [--annotations 3000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from dataset_builder import taxonomy
from dataset_builder.validate import validate_frame


def synthetic_passages(n: int, rng: np.random.Generator) -> pd.DataFrame:
    starts = rng.integers(0, 1_000_000, n)
    lengths = rng.integers(600, 2_400, n)
    base = "x" * 2_400
    ids = [f"p_{i:016x}" for i in range(n)]
    return pd.DataFrame({
        "passage_id": ids,
        "work_id": [f"gutenberg:{i % 5000}" for i in range(n)],
        "char_start": starts,
        "char_end": starts + lengths,
        "text": [base[:k] for k in lengths],
        "text_sha256": ["0" * 64] * n,
        "n_words": lengths // 6,
        "score": rng.random(n),
        "evidence": [[{"term": "robot", "kind": "lexicon", "start": 0, "end": 5}]] * n,
        "character_ids": [[]] * n,
        "duplicate_of": [None] * n,
    })


def synthetic_annotations(n: int, rng: np.random.Generator) -> pd.DataFrame:
    tax = taxonomy.load()
    personas, traits = np.array(tax.ids("persona")), tax.ids("traits")
    return pd.DataFrame({
        "row_id": [f"r_{i:016x}" for i in range(n)],
        "annotation_id": [f"1:{i}" for i in range(n)],
        "passage_id": [f"p_{i // 3:016x}" for i in range(n)],
        "annotator": [f"ann_{i % 3:012x}" for i in range(n)],
        "ai_present": ["present"] * n,
        "persona": personas[rng.integers(0, len(personas), n)],
        "traits": [[traits[i % len(traits)], traits[(i * 7) % len(traits)]] for i in range(n)],
        "stance": ["endorsed"] * n,
        "outcome": ["neither"] * n,
        "role_model": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        "spans": [[{"label": "evidence", "start": 0, "end": 5, "text": "robot"}]] * n,
        "notes": [None] * n,
        "lead_time": rng.random(n) * 60,
        "created_at": ["2026-11-01T10:00:00Z"] * n,
        "updated_at": ["2026-11-01T10:00:00Z"] * n,
        "taxonomy_version": ["1.0.0"] * n,
        "guideline_version": ["1.0.0"] * n,
        "project": ["FAIP"] * n,
        "task_id": pd.array(np.arange(n) // 3, dtype="Int64"),
        "supersedes": [None] * n,
        "tombstone": [False] * n,
        "adjudication": [False] * n,
        "pull_id": ["20261101T120000Z-abcdef"] * n,
    })


def bare_passages(df: pd.DataFrame) -> bool:
    """The same conditions, written directly in pandas (the reference)."""
    ok = df["passage_id"].is_unique
    ok &= bool(df["passage_id"].str.match(r"^p_[0-9a-f]{16}$").all())
    ok &= bool(df["work_id"].str.match(r"^(gutenberg:[0-9]+|local:.+|hf:.+)$").all())
    ok &= bool((df["char_start"] >= 0).all() and (df["char_end"] > df["char_start"]).all())
    ok &= bool((df["text"].str.len() == df["char_end"] - df["char_start"]).all())
    ok &= bool(df["text_sha256"].str.match(r"^[0-9a-f]{64}$").all())
    ok &= bool(df["score"].between(0, 1).all() and (df["n_words"] >= 0).all())
    ok &= bool(df["character_ids"].map(lambda c: all(isinstance(x, str) for x in c)).all())
    return ok


def bare_annotations(df: pd.DataFrame) -> bool:
    tax = taxonomy.load()
    ok = df["row_id"].is_unique and bool(df["row_id"].str.match(r"^r_[0-9a-f]{16}$").all())
    ok &= bool(df["annotator"].str.match(r"^ann_[0-9a-f]{12}$").all())
    for col in ("persona", "stance", "outcome", "ai_present"):
        ok &= bool(df[col].isin(tax.ids(col)).all())
    ok &= bool(df["traits"].explode().isin(tax.ids("traits")).all())
    ok &= bool(df["role_model"].between(1, 5).all())
    return ok


def timed(fn, *args) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--annotations", type=int, default=3_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for table, n, make, bare in (
        ("passages", args.passages, synthetic_passages, bare_passages),
        ("annotations", args.annotations, synthetic_annotations, bare_annotations),
    ):
        df = make(n, rng)
        t_bare, ok = timed(bare, df)
        t_pa, failures = timed(validate_frame, table, df)
        assert ok and not failures, failures[:5]
        print(f"{table:12s} {n:>10,} rows  pandera {t_pa:6.2f} s ({n / t_pa:,.0f} rows/s)  "
              f"bare pandas {t_bare:6.2f} s  ratio {t_pa / t_bare:.2f}x")


if __name__ == "__main__":
    main()
