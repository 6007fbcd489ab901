"""Precision and recall of `faip extract` on hand-labelled paragraphs of real books.

Usage: python benchmarks/extract_quality.py [REALDATA_DIR] [--min-score 0.5] [--per-book]

REALDATA_DIR (default /work/shared/realdata) holds Project Gutenberg files pg<N>.txt. Each is
cleaned with dataset_builder.collect.clean and put in a temporary work directory; the extractor
runs over it; then every labelled paragraph of benchmarks/extract_labels.tsv (book, paragraph
index in the cleaned text, yes/no "an artificial mind appears in this paragraph") is compared
with the prediction: a paragraph is predicted "yes" when a kept passage has evidence inside it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

from dataset_builder.collect.catalog import parse_rdf
from dataset_builder.collect.clean import clean_bytes
from dataset_builder.extract import run_extract
from dataset_builder.extract.segment import paragraphs
from dataset_builder.io import atomic_write_text, sha256_text
from dataset_builder.tables import write_table

HERE = Path(__file__).parent
LABELS = HERE / "extract_labels.tsv"
DEFAULT_REALDATA = Path("/work/shared/realdata")
# Books whose subject records say "Robots -- Fiction" or whose story is about an artificial mind.
AI_FICTION = {
    59112, 1906, 486, 956, 32154, 32032, 28767, 32522, 7506, 31377, 6341, 26681, 27462, 60374,
    28438, 31611, 32108, 26174, 20727, 59053, 59486, 63821, 64010, 65013, 65128, 66571, 68558,
    66351, 59148, 66163, 2037, 72890, 73727, 4366,
}


def book_files(realdata: Path) -> dict[int, Path]:
    files = {int(p.stem[2:]): p for p in sorted(realdata.glob("pg*.txt"))}
    moxon = realdata / "bierce_moxons_master_from_pg4366.txt"
    if moxon.exists():
        files[4366] = moxon
    return files


def cleaned(path: Path) -> str:
    data = path.read_bytes()
    try:
        return clean_bytes(data, where=str(path)).text
    except Exception:  # a file without Gutenberg markers (the Bierce excerpt): use as is
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


def subjects(realdata: Path, n: int) -> list[str]:
    """Subjects from the book's RDF record (as `faip collect` stores them), if there is one."""
    rdf = realdata / "catalog" / f"pg{n}.rdf"
    return list(parse_rdf(rdf.read_bytes()).subjects) if rdf.exists() else []


def build_workdir(realdata: Path, workdir: Path, repeat: int = 1) -> dict[str, int]:
    """Works table + texts for every book (``repeat`` copies each, with distinct ids)."""
    rows = []
    for n, path in book_files(realdata).items():
        text = cleaned(path)
        subj = subjects(realdata, n)
        digest = sha256_text(text)
        atomic_write_text(workdir / "texts" / f"{digest}.txt", text)
        for copy in range(repeat):
            rows.append({
                "work_id": f"gutenberg:{n}" if copy == 0 else f"local:pg{n}-copy{copy}",
                "source": "gutenberg", "title": path.stem, "authors": [], "year": None,
                "language": "en", "subjects": subj, "source_url": f"file://{path}",
                "licence": "public-domain-us", "sha256": digest, "n_chars": len(text),
                "text_path": f"texts/{digest}.txt",
            })
    frame = pd.DataFrame(rows)
    frame["year"] = frame["year"].astype("Int64")
    write_table(workdir, "works", frame)
    return {r["work_id"]: r["n_chars"] for r in rows}


def predicted_paragraphs(passages: pd.DataFrame, texts: dict[int, str]) -> set[tuple[int, int]]:
    """(book, paragraph index) pairs holding evidence of a kept passage."""
    out: set[tuple[int, int]] = set()
    spans = {n: paragraphs(t) for n, t in texts.items()}
    starts = {n: [a for a, _ in s] for n, s in spans.items()}
    import bisect

    for row in passages.itertuples():
        n = int(row.work_id.split(":")[1])
        for ev in row.evidence:
            pos = row.char_start + int(ev["start"])
            out.add((n, bisect.bisect_right(starts[n], pos) - 1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("realdata", nargs="?", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--min-score", type=float, default=0.5)
    parser.add_argument("--per-book", action="store_true", help="print passages per book")
    parser.add_argument("--errors", action="store_true", help="print misclassified paragraphs")
    args = parser.parse_args(argv)
    if not args.realdata.is_dir() or not book_files(args.realdata):
        print(f"{args.realdata}: no pg*.txt books here; pass the directory of real Gutenberg "
              "files as the first argument.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        build_workdir(args.realdata, workdir)
        run_extract(workdir, workers=2, min_score=args.min_score)
        passages = pd.read_parquet(workdir / "passages.parquet")
    texts = {n: cleaned(p) for n, p in book_files(args.realdata).items()}
    predicted = predicted_paragraphs(passages, texts)
    counts: dict[str, Counter[str]] = {}
    spans = {n: paragraphs(t) for n, t in texts.items()}
    with LABELS.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")),
                              delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in rows:
            key = (int(row["book"]), int(row["paragraph"]))
            a, b = spans[key[0]][key[1]]
            if " ".join(texts[key[0]][a:b].split())[:40] != row["snippet"]:
                print(f"warning: {key}: paragraph text changed since labelling; check the "
                      "cleaner or relabel", file=sys.stderr)
            gold, pred = row["ai"] == "yes", key in predicted
            outcome = ("tp" if pred else "fn") if gold else ("fp" if pred else "tn")
            for name in (row["set"], "all"):
                counts.setdefault(name, Counter())[outcome] += 1
            if args.errors and gold != pred:
                print(f"{outcome.upper()} {key} [{row['set']}]: "
                      f"{' '.join(texts[key[0]][a:b].split())[:300]}")
    for name, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        print(f"{name:8} {c.total():4} paragraphs (yes {c['tp'] + c['fn']}, "
              f"no {c['fp'] + c['tn']}): tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']} "
              f"precision={precision:.3f} recall={recall:.3f} (min score {args.min_score})")
    per_book = Counter(int(w.split(":")[1]) for w in passages["work_id"])
    ai = sum(per_book[n] for n in texts if n in AI_FICTION)
    other = {n: per_book[n] for n in texts if n not in AI_FICTION}
    print(f"passages: AI fiction {ai} in {sum(1 for n in texts if n in AI_FICTION)} books; "
          f"other books {sum(other.values())} in {len(other)} books {other}")
    if args.per_book:
        for n in sorted(texts):
            tag = "AI " if n in AI_FICTION else "   "
            print(f"  {tag} {n:>6} {per_book[n]:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
