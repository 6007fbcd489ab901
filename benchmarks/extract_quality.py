"""Precision and recall of `faip extract` on hand-labelled paragraphs of real books.

Usage: python benchmarks/extract_quality.py [REALDATA_DIR] [--min-score 0.5] [--per-book]
           [--shelf-workdir W | --shelf-mirror DIR] [--shelf-set heldout|dev|all]

Two reports.

The 42 development books: REALDATA_DIR (default /work/shared/realdata) holds Project
Gutenberg files pg<N>.txt. Each is cleaned with dataset_builder.collect.clean and put in a
temporary work directory; the extractor runs over it; then every labelled paragraph of
benchmarks/extract_labels.tsv (book, paragraph index in the cleaned text, yes/no "an artificial
mind appears in this paragraph") is compared with the prediction: a paragraph is predicted
"yes" when a kept passage has evidence inside it.

The science-fiction shelf (issue 15): the 182 books of the Gutenberg mirror, collected with
`faip collect gutenberg --mirror DIR` (``--shelf-workdir`` reuses such a work directory; its
texts are only read), extracted with the same settings; benchmarks/shelf_labels.tsv labels 534
items (passages the defaults emitted and paragraphs they did not) with ai_present and ai_role.
An item counts as emitted when a kept passage overlaps it. Printed for the chosen set (default
the held-out one): precision of the emitted items (uncertain ones left out, and counted as
wrong), recall over the present items, and the accuracy of the passages' predicted_ai_role.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import hashlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

from dataset_builder.collect.catalogue import parse_rdf
from dataset_builder.collect.clean import clean_bytes
from dataset_builder.extract import run_extract
from dataset_builder.extract.segment import paragraphs
from dataset_builder.io import atomic_write_text, sha256_text
from dataset_builder.tables import write_table

HERE = Path(__file__).parent
LABELS = HERE / "extract_labels.tsv"
SHELF_LABELS = HERE / "shelf_labels.tsv"
DEFAULT_REALDATA = Path("/work/shared/realdata")
DEFAULT_MIRROR = DEFAULT_REALDATA / "gutenberg-mirror"
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
    for row in passages.itertuples():
        n = int(row.work_id.split(":")[1])
        for ev in row.evidence:
            pos = row.char_start + int(ev["start"])
            out.add((n, bisect.bisect_right(starts[n], pos) - 1))
    return out


def read_shelf_labels(path: Path = SHELF_LABELS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")),
                                   delimiter="\t", quoting=csv.QUOTE_NONE))


def shelf_workdir(tmp: Path, workdir: Path | None, mirror: Path) -> Path:
    """A work directory of the shelf to extract into: the given one's works table and texts
    (linked, never written), or a fresh collect of the mirror."""
    out = tmp / "shelf"
    out.mkdir()
    if workdir is not None:
        (out / "works.parquet").symlink_to((workdir / "works.parquet").resolve())
        (out / "texts").symlink_to((workdir / "texts").resolve())
        return out
    from dataset_builder.collect.gutenberg import collect_gutenberg

    ids = sorted({int(row["work_id"].split(":")[1]) for row in read_shelf_labels()})
    collect_gutenberg(mirror, out, ids=ids, delay=0)
    return out


def shelf_report(workdir: Path, passages: pd.DataFrame, wanted: str) -> dict[str, float]:
    """Precision, recall and ai_role accuracy of ``passages`` on the shelf labels."""
    works = pd.read_parquet(workdir / "works.parquet").set_index("work_id")
    kept: dict[str, list[tuple[int, int, str | None]]] = {}
    roles = passages["predicted_ai_role"] if "predicted_ai_role" in passages else [None] * len(
        passages)
    for w, a, b, role in zip(passages["work_id"], passages["char_start"], passages["char_end"],
                             roles, strict=True):
        kept.setdefault(w, []).append((int(a), int(b), role))
    for spans in kept.values():
        spans.sort()
    texts: dict[str, str] = {}
    c: Counter[str] = Counter()
    role_pairs: Counter[tuple[str, str]] = Counter()
    for row in read_shelf_labels():
        if wanted != "all" and row["set"] != wanted:
            continue
        w, a, b = row["work_id"], int(row["char_start"]), int(row["char_end"])
        if w not in texts:
            texts[w] = (workdir / str(works.loc[w, "text_path"])).read_text(encoding="utf-8")
        if hashlib.sha256(texts[w][a:b].encode()).hexdigest()[:16] != row["span_sha256"]:
            print(f"warning: {row['item']}: the text at {w} {a}-{b} changed since labelling; "
                  "check the cleaner or relabel", file=sys.stderr)
        spans = kept.get(w, [])
        lo = max(0, bisect.bisect_left(spans, (a,)) - 1)
        over = [(min(b, e) - max(a, s), role) for s, e, role in spans[lo:]
                if s < b and a < e]
        emitted = bool(over)
        gold = row["ai_present"]
        c[f"{row['kind']}:{gold}:{'kept' if emitted else 'dropped'}"] += 1
        if emitted and gold == "present" and row["ai_role"] != "-":
            predicted = max(over, key=lambda o: o[0])[1]
            role_pairs[(row["ai_role"], str(predicted))] += 1

    def n(kind: str, gold: str, state: str) -> int:
        kinds = ("passage", "paragraph") if kind == "*" else (kind,)
        return sum(c[f"{k}:{gold}:{state}"] for k in kinds)

    tp, fp, unsure = n("*", "present", "kept"), n("*", "absent", "kept"), n("*", "uncertain",
                                                                          "kept")
    present = n("*", "present", "kept") + n("*", "present", "dropped")
    precision = tp / (tp + fp) if tp + fp else 0.0
    strict = tp / (tp + fp + unsure) if tp + fp + unsure else 0.0
    recall = tp / present if present else 0.0
    role_ok = sum(v for (g, p), v in role_pairs.items() if g == p)
    role_n = sum(role_pairs.values())
    print(f"shelf {wanted}: emitted {tp + fp + unsure} labelled items: present {tp}, absent "
          f"{fp}, uncertain {unsure}; precision={precision:.3f} (uncertain as wrong: "
          f"{strict:.3f})")
    def kept_of(kind: str) -> str:
        kept_n = n(kind, "present", "kept")
        return f"{kept_n}/{kept_n + n(kind, 'present', 'dropped')}"

    print(f"shelf {wanted}: recall={recall:.3f} of {present} present items (passages "
          f"{kept_of('passage')}, paragraphs {kept_of('paragraph')}); "
          f"dropped absent {n('*', 'absent', 'dropped')}, uncertain "
          f"{n('*', 'uncertain', 'dropped')}")
    accuracy = role_ok / role_n if role_n else 0.0
    confusion = ", ".join(f"{g}->{p} {v}" for (g, p), v in sorted(role_pairs.items()))
    print(f"shelf {wanted}: ai_role accuracy={accuracy:.3f} ({role_ok}/{role_n}; gold->predicted:"
          f" {confusion})")
    return {"precision": precision, "recall": recall, "role_accuracy": accuracy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("realdata", nargs="?", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--min-score", type=float, default=0.5)
    parser.add_argument("--per-book", action="store_true", help="print passages per book")
    parser.add_argument("--errors", action="store_true", help="print misclassified paragraphs")
    parser.add_argument("--shelf-workdir", type=Path, default=None,
                        help="a work dir holding `faip collect gutenberg` of the mirror (only "
                             "read); default: collect --shelf-mirror into a temporary one")
    parser.add_argument("--shelf-mirror", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--shelf-set", choices=("heldout", "dev", "all"), default="heldout")
    parser.add_argument("--no-shelf", action="store_true", help="only the 42 development books")
    parser.add_argument("--no-books", action="store_true", help="only the shelf")
    args = parser.parse_args(argv)
    if not args.no_shelf:
        with tempfile.TemporaryDirectory() as tmp:
            shelf = shelf_workdir(Path(tmp), args.shelf_workdir, args.shelf_mirror)
            run_extract(shelf, workers=2, min_score=args.min_score)
            shelf_report(shelf, pd.read_parquet(shelf / "passages.parquet"), args.shelf_set)
    if args.no_books:
        return 0
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
