"""Cleaning throughput of `faip collect`: decode + newline normalisation + header/footer strip.

Prints MB/s of ``clean_bytes`` over a corpus of Gutenberg files and its ratio to the bare
``bytes.decode`` + ``str.replace('\\r\\n', '\\n')`` of the same bytes, measured in the same run
(so the ratio does not depend on the machine). Goal: cleaning costs < 2x the bare decode.
Usage: python benchmarks/collect.py [DIR_WITH_pg*.txt] [--repeat 10]
(default: the embedded sample mirror; /work/shared/realdata holds ~10 MB of real books).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dataset_builder import paths
from dataset_builder.collect.clean import clean_bytes


def load(folder: Path) -> list[bytes]:
    files = sorted(folder.rglob("pg*.txt"))
    if not files:
        raise SystemExit(f"{folder}: no pg*.txt files")
    return [f.read_bytes() for f in files]


def timed(label: str, books: list[bytes], step: object) -> float:
    start = time.perf_counter()
    for data in books:
        step(data)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    size = sum(map(len, books)) / 1e6
    print(f"  {label:<44} {elapsed:6.3f} s  {size / elapsed:7.0f} MB/s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=paths.SAMPLE_MIRROR)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    books = load(args.folder) * args.repeat
    print(f"{len(books)} files, {sum(map(len, books)) / 1e6:.1f} MB from {args.folder}")
    bare = timed(
        "reference: bytes.decode + replace CRLF",
        books, lambda d: d.decode("utf-8", "replace").replace("\r\n", "\n"),
    )
    clean = timed("clean_bytes (decode, normalise, strip)", books, clean_bytes)
    print(f"ratio clean/reference = {clean / bare:.2f}x (goal < 2x)")


if __name__ == "__main__":
    main()
