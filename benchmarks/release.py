"""Release throughput: a synthetic work dir of 100,000 passages and 300,000 annotations
through `build_release` (validation, joins, parquet + features, card, figures, Croissant,
privacy scan, checksums), against writing the same released tables with bare
``pyarrow.parquet.write_table``; then ``datasets.load_dataset`` on the release.

Goal: release < 30 s and within 3x of the bare writes.
Usage: python benchmarks/release.py [--passages 100000] [--per-passage 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# The heavy imports live inside the functions: a worker process (the release's figure worker)
# imports this main module again, and should not pay for pandas there.

PASSAGES_PER_WORK = 50
WORDS = ("the", "robot", "said", "engine", "of", "brass", "she", "asked", "mind", "ship",
         "and", "quietly", "answered", "machine", "night", "light")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def synthetic_workdir(root: Path, n_passages: int, per_passage: int, seed: int = 0) -> None:
    import numpy as np
    import pandas as pd

    from dataset_builder import taxonomy
    from dataset_builder.tables import write_table

    rng = np.random.default_rng(seed)
    tax = taxonomy.load()
    n_works = max(1, n_passages // PASSAGES_PER_WORK)
    lengths = rng.integers(400, 900, n_passages)
    vocab = np.array(WORDS)
    word_stream = " ".join(vocab[rng.integers(0, len(vocab), 200_000)])
    work_rows, p_rows, texts = [], [], {}
    for w in range(n_works):
        lo, hi = w * PASSAGES_PER_WORK, min(n_passages, (w + 1) * PASSAGES_PER_WORK)
        pieces, pos, spans = [], 0, []
        for i in range(lo, hi):
            offset = int(rng.integers(0, len(word_stream) - 1000))
            # A unique prefix: random slices may repeat, and the leakage check would refuse.
            piece = f"[{i}] " + word_stream[offset: offset + int(lengths[i])]
            spans.append((pos, pos + len(piece), piece))
            pieces.append(piece)
            pos += len(piece) + 2
        text = "\n\n".join(pieces)
        sha = _sha(text)
        texts[sha] = text
        work_id = f"gutenberg:{100000 + w}"
        work_rows.append({
            "work_id": work_id, "source": "gutenberg", "title": f"Synthetic {w}",
            "authors": [f"Author {w % 97}"], "year": 1850 + w % 170, "language": "en",
            "subjects": ["Robots -- Fiction"], "source_url": f"file:///m/{w}.txt",
            "licence": "copyrighted" if w % 10 == 0 else "public-domain-us",
            "sha256": sha, "n_chars": len(text), "text_path": f"texts/{sha}.txt",
        })
        for a, b, piece in spans:
            digest = hashlib.sha256(f"{work_id}:{a}:{b}".encode()).hexdigest()
            p_rows.append((f"p_{digest[:16]}", work_id, a, b, piece, _sha(piece),
                           len(piece.split())))
    works = pd.DataFrame(work_rows)
    works["year"] = works["year"].astype("Int64")
    write_table(root, "works", works)
    (root / "texts").mkdir(parents=True, exist_ok=True)
    for sha, text in texts.items():
        (root / "texts" / f"{sha}.txt").write_text(text)
    passages = pd.DataFrame(p_rows, columns=["passage_id", "work_id", "char_start", "char_end",
                                             "text", "text_sha256", "n_words"])
    n = len(passages)
    passages["score"] = rng.random(n)
    passages["evidence"] = [[{"term": "robot", "kind": "lexicon", "start": 0, "end": 5}]] * n
    passages["character_ids"] = [[]] * n
    passages["duplicate_of"] = None
    write_table(root, "passages", passages)

    personas, traits = tax.ids("persona"), tax.ids("traits")
    pick = rng.integers(0, len(personas), n)
    m = n * per_passage
    pids = np.repeat(passages["passage_id"].to_numpy(), per_passage)
    ann = pd.DataFrame({
        "row_id": [f"r_{i:016x}" for i in range(m)],
        "annotation_id": [f"{i // per_passage}:{i % per_passage}" for i in range(m)],
        "passage_id": pids,
        "annotator": [f"ann_{i % per_passage:012x}" for i in range(m)],
        "ai_present": "present",
        "persona": np.array(personas)[np.repeat(pick, per_passage)],
        "traits": [[traits[i % 22], traits[(i * 7) % 22]] for i in range(m)],
        "stance": "endorsed", "outcome": "neither",
        "role_model": pd.array(rng.integers(1, 6, m), dtype="Int64"),
        "spans": [[{"label": "ai_mention", "start": 0, "end": 3, "text": "the"}]] * m,
        "notes": None, "lead_time": rng.random(m) * 60,
        "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z",
        "taxonomy_version": "1.0.0", "guideline_version": "1.0.0", "project": "FAIP",
        "task_id": pd.array(np.arange(m) // per_passage, dtype="Int64"),
        "supersedes": None, "tombstone": False, "adjudication": False,
        "pull_id": "20261101T120000Z-bench0",
    })
    (root / "annotations").mkdir(exist_ok=True)
    # As `faip annotate pull` writes it: with the id of its (non-demo) pseudonym key.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dataset_builder.annotate.pseudonym import KEY_METADATA, key_id

    table = pa.Table.from_pandas(ann, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           KEY_METADATA: key_id(b"benchmark-key").encode()})
    pq.write_table(table, root / "annotations" / "20261101T120000Z-bench0.parquet")
    soft = [0.0] * len(personas)
    labels = pd.DataFrame({
        "passage_id": passages["passage_id"], "ai_present": "present",
        "persona": np.array(personas)[pick], "traits": [[traits[0]]] * n,
        "stance": "endorsed", "outcome": "neither", "role_model": 3.0,
        "ai_present_soft": [[1.0, 0.0, 0.0]] * n, "persona_soft": [soft] * n,
        "traits_soft": [[0.0] * 22] * n, "stance_soft": [[1.0, 0.0, 0.0, 0.0]] * n,
        "outcome_soft": [[0.0, 0.0, 1.0]] * n, "n_annotators": per_passage,
        "agreement": 1.0, "needs_adjudication": False, "method": "majority",
        "taxonomy_version": "1.0.0",
    })
    write_table(root, "labels", labels)


def characters() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "character_id": ["bench-robot"], "name": ["Bench Robot"], "aliases": [[]],
        "work_title": ["Synthetic 0"], "work_id": ["gutenberg:100000"], "year": [1850],
        "medium": ["novel"], "creator": [None], "embodiment": ["humanoid_robot"],
        "wikidata_qid": [None], "source_note": ["benchmark"],
    })


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
    from dataset_builder.release.build import build_release
    from dataset_builder.release.splits import assign_splits

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
        synthetic_workdir(w, args.passages, args.per_passage)
        print(f"synthetic work dir: {args.passages:,} passages, "
              f"{args.passages * args.per_passage:,} annotations "
              f"({time.perf_counter() - t0:.1f} s to generate)")
        assign_splits(w, scratch / "splits.csv")
        runs = []
        for run in ("first", "again"):  # again: the release's imports are already done
            t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
            out = build_release("1.0.0", w, scratch / f"release-{run}",
                                splits_path=scratch / "splits.csv", date="2026-11-27",
                                characters=characters())
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
