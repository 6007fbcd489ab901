"""Memory of `faip build` as the mirror grows: select, collect and extract stream.

Synthesises a mirror FACTOR times larger than MIRROR (every book with a text copied under
FACTOR new ids, each copy made distinct by one line in its header, with its catalogue row),
then runs the build up to extraction on both, each in a fresh process, and prints per stage
the wall time and the peak memory of the whole process tree (driver + extraction workers)
and the large/base ratios. Goal: peak memory ratio < 1.5 while
the time ratio is ~FACTOR (work grows with the books, memory does not).
Usage: python benchmarks/build.py MIRROR [--factor 10] [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CATALOGUE = "cache/epub/feeds/pg_catalog.csv"
_OFFSET = 10_000_000  # copy k of book n is book n + k * _OFFSET


def synthesise(mirror: Path, target: Path, factor: int) -> tuple[int, int]:
    """Write the FACTOR-times mirror into ``target``; return (books, bytes of text)."""
    books, size = 0, 0
    present = {int(d.name) for d in (mirror / "cache/epub").iterdir()
               if d.name.isdigit() and (d / f"pg{d.name}.txt").is_file()}
    rows = list(csv.reader(io.StringIO((mirror / CATALOGUE).read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow(row)
        if not row[0].isdigit() or int(row[0]) not in present:
            continue
        n = int(row[0])
        data = (mirror / f"cache/epub/{n}/pg{n}.txt").read_bytes()
        rdf = mirror / f"cache/epub/{n}/pg{n}.rdf"
        for k in range(1, factor + 1):
            m = n + k * _OFFSET
            folder = target / f"cache/epub/{m}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"pg{m}.txt").write_bytes(b"Copy %d of book %d.\r\n" % (k, n) + data)
            if rdf.is_file():
                os.link(rdf, folder / f"pg{m}.rdf")
            writer.writerow([str(m), *row[1:]])
            books, size = books + 1, size + len(data)
    (target / CATALOGUE).parent.mkdir(parents=True, exist_ok=True)
    (target / CATALOGUE).write_text(out.getvalue(), encoding="utf-8")
    return books, size


def run(mirror: Path, work: Path, workers: int) -> dict[str, object]:
    """The build up to extraction in a fresh interpreter; its stages' time and peak memory."""
    code = (
        "import json, sys\n"
        "from dataset_builder.corpus import build_corpus\n"
        "s = build_corpus(sys.argv[1], sys.argv[2] + '/out', workdir=sys.argv[2] + '/w',"
        " workers=int(sys.argv[3]), works_csv=sys.argv[2] + '/works.csv', until='extract')\n"
        "print(json.dumps({'stages': {k: [m.seconds, m.peak_mb] for k, m in s.stages.items()},"
        " 'passages': s.passages, 'works': s.collected}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(mirror), str(work), str(workers)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "FAIP_NO_PROGRESS": "1"})
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the synthetic mirror here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="faip-bench-build-") as tmp:
        big = args.keep or Path(tmp) / "mirror"
        books, size = synthesise(args.mirror, big, args.factor)
        print(f"synthetic mirror: {books:,} books, {size / 1e6:,.0f} MB of text "
              f"({args.factor}x {args.mirror})")
        base = run(args.mirror, Path(tmp) / "base", args.workers)
        large = run(big, Path(tmp) / "large", args.workers)
    print(f"{'stage':<10} {'base s':>8} {'large s':>8} {'ratio':>6}   {'base MB':>8} "
          f"{'large MB':>8} {'ratio':>6}")
    stages_b, stages_l = base["stages"], large["stages"]
    assert isinstance(stages_b, dict) and isinstance(stages_l, dict)
    for name in stages_b:
        (tb, mb), (tl, ml) = stages_b[name], stages_l[name]
        print(f"{name:<10} {tb:8.1f} {tl:8.1f} {tl / max(tb, 1e-9):6.1f}   {mb:8.0f} {ml:8.0f} "
              f"{ml / mb:6.2f}")
    print(f"works collected {base['works']:,} -> {large['works']:,}; passages "
          f"{base['passages']:,} -> {large['passages']:,}")
    peak_b = max(m for _, m in stages_b.values())
    peak_l = max(m for _, m in stages_l.values())
    text_s = sum(stages_l[s][0] for s in ("collect", "extract"))
    print(f"peak memory ratio {peak_l / peak_b:.2f} (goal < 1.5); collect+extract "
          f"{size / 1e6 / text_s:.1f} MB/s of text on the large mirror")


if __name__ == "__main__":
    main()
