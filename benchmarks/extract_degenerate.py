"""Collect + extract of degenerate texts: time and peak memory stay bounded, the run goes on.

Usage: python benchmarks/extract_degenerate.py [--mb 53] [--workers 2]

Writes three files into a temporary folder: ``--mb`` MB of "the robot spoke " with no newline
at all, the same size of "the robot spoke." paragraphs, and a short story (written here) with
one robot in it; then runs ``collect_files`` and ``run_extract`` over them. Printed: wall time
and CPU of each stage, peak RSS of this process and of the largest worker, the problems
reported (one line per degenerate file) and the passages of every work. Goal: under a minute
and under 1 GB, with the short story's passage still extracted.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("FAIP_NO_PROGRESS", "1")

from extract import Workers, self_cpu  # noqa: E402  (the sibling benchmark's /proc sampler)

STORY = (
    "The lamps of the harbour were lit when Ada came down the quay.\n\n"
    '"You are late," said the robot, folding its long grey arms. "The tide will not wait."\n\n'
    "She laughed and handed it the basket, and together they walked to the boat.\n"
)


def write_inputs(folder: Path, megabytes: float) -> None:
    size = int(megabytes * 1e6)
    line = b"the robot spoke "
    (folder / "one-line.txt").write_bytes((line * (size // len(line) + 1))[:size])
    para = b"the robot spoke.\n\n"
    (folder / "short-paragraphs.txt").write_bytes((para * (size // len(para) + 1))[:size])
    (folder / "story.txt").write_text(STORY, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=53.0, help="size of each degenerate file")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.mb <= 0 or args.workers < 1:
        print(f"--mb {args.mb} --workers {args.workers}: expected a positive size and at "
              "least one worker.", file=sys.stderr)
        return 2

    import pandas as pd

    from dataset_builder.collect import collect_files
    from dataset_builder.extract import run_extract

    with tempfile.TemporaryDirectory(prefix="faip-degenerate-") as tmp:
        inputs, workdir = Path(tmp) / "in", Path(tmp) / "work"
        inputs.mkdir()
        write_inputs(inputs, args.mb)
        workers = Workers()
        try:
            c0, t0 = self_cpu() + workers.cpu_seconds(), time.perf_counter()
            collect_files([inputs], workdir, licence="public-domain-us", workers=args.workers)
            t_collect = time.perf_counter() - t0
            c_collect = self_cpu() + workers.cpu_seconds() - c0
            c0, t0 = self_cpu() + workers.cpu_seconds(), time.perf_counter()
            report = run_extract(workdir, workers=args.workers, min_score=0.5)
            t_extract = time.perf_counter() - t0
            c_extract = self_cpu() + workers.cpu_seconds() - c0
        finally:
            workers.close()
        passages = pd.read_parquet(workdir / "passages.parquet", columns=["work_id"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs: 2 x {args.mb:g} MB degenerate + 1 short story; workers {args.workers}")
    print(f"collect  {t_collect:6.1f} s wall {c_collect:6.1f} s CPU")
    print(f"extract  {t_extract:6.1f} s wall {c_extract:6.1f} s CPU")
    print(f"peak RSS driver {rss:.0f} MB, largest worker {workers.peak_mb:.0f} MB")
    print(f"passages per work: {dict(Counter(passages['work_id']))}")
    for line in report.problems:
        print(f"problem: {line}")
    print(report.stats_table())
    return 0


if __name__ == "__main__":  # the guard matters: worker processes are spawned
    sys.exit(main())
