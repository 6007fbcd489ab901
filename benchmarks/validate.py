"""Validation throughput: 1M synthetic passages and 3M annotation rows (dataset_builder.synthetic)
through the pandera schemas, against a bare pandas pass that evaluates the same conditions.

Prints rows/s and the ratio pandera/bare. Goal: the full validation of 1M passages < 10 s.
Usage: python benchmarks/validate.py [--passages 1000000] [--annotations 3000000]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from dataset_builder import synthetic, taxonomy
from dataset_builder.validate.schema import validate_frame


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
    for col in tax.field_ids("single"):
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
    annotated = [f"p_{i:016x}" for i in range(-(-args.annotations // 3))]
    for table, make, bare in (
        ("passages", lambda: synthetic.works_and_passages(args.passages)[1], bare_passages),
        ("annotations", lambda: synthetic.annotations(annotated, 3)[:args.annotations],
         bare_annotations),
    ):
        df = make()
        n = len(df)
        t_bare, ok = timed(bare, df)
        t_pa, failures = timed(validate_frame, table, df)
        assert ok and not failures, failures[:5]
        print(f"{table:12s} {n:>10,} rows  pandera {t_pa:6.2f} s ({n / t_pa:,.0f} rows/s)  "
              f"bare pandas {t_bare:6.2f} s  ratio {t_pa / t_bare:.2f}x")


if __name__ == "__main__":
    main()
