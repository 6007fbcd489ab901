"""Release throughput: a synthetic work dir of 100,000 passages and 300,000 annotations
through `build_release` (validation, joins, parquet + features, card, figures, Croissant,
privacy scan, checksums), against writing the same released tables with bare
``pyarrow.parquet.write_table``; then ``datasets.load_dataset`` on the release.

Goal: release < 30 s and within 3x of the bare writes.
Usage: python benchmarks/release.py [--passages 100000] [--per-passage 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

# The heavy imports live inside the functions: a worker process (the release's figure worker)
# imports this main module again, and should not pay for pandas there.


def _children_cpu() -> float:
    """CPU seconds of finished child processes (process_time counts only this one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_writes(release: Path, scratch: Path) -> float:
    """Write every released table again with plain pq.write_table (tables already in memory)."""
    import pyarrow.parquet as pq

    tables = {f: pq.read_table(f) for f in sorted(release.glob("data/*/*.parquet"))}
    t0 = time.perf_counter()
    for i, table in enumerate(tables.values()):
        pq.write_table(table, scratch / f"{i}.parquet")
    return time.perf_counter() - t0


def main() -> None:
    from dataset_builder import synthetic
    from dataset_builder.release.build import build_release
    from dataset_builder.split.assign import assign_splits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--per-passage", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="Scratch folder (default: a temporary one, removed at the end).")
    args = parser.parse_args()
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="faip-bench-release-"))
    try:
        w = scratch / "w"
        t0 = time.perf_counter()
        synthetic.workdir(w, args.passages, args.per_passage)
        print(f"synthetic work dir: {args.passages:,} passages, "
              f"{args.passages * args.per_passage:,} annotations "
              f"({time.perf_counter() - t0:.1f} s to generate)")
        assign_splits(w, scratch / "splits.csv")
        runs = []
        for run in ("first", "again"):  # again: the release's imports are already done
            t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
            out = build_release("1.0.0", w, scratch / f"release-{run}",
                                splits_path=scratch / "splits.csv", date="2026-11-27",
                                characters=synthetic.characters())
            # The children's CPU is the figure worker process.
            runs.append((run, time.perf_counter() - t0, time.process_time() - c0,
                         _children_cpu() - k0))
        (scratch / "bare").mkdir()
        t_bare = bare_writes(out, scratch / "bare")
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        print(f"bare write_table   {t_bare:6.2f} s  (the released tables, {size / 1e6:,.0f} MB "
              "with card, figures and metadata)")
        for run, wall, cpu, children in runs:
            print(f"release, {run:5s}     {wall:6.2f} s  ratio {wall / t_bare:5.2f}x  "
                  f"(CPU {cpu:.2f} s + {children:.2f} s in child processes)")
        print("goal: release < 30 s, ratio < 3x")
        from datasets import load_dataset

        for config in ("passages", "annotations"):
            t0 = time.perf_counter()
            loaded = load_dataset(str(out), config, cache_dir=str(scratch / "hf-cache"))
            rows = sum(d.num_rows for d in loaded.values())
            print(f"load_dataset {config:12s} {time.perf_counter() - t0:6.2f} s  ({rows:,} rows)")
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
