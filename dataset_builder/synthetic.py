"""Synthetic, schema-valid tables and work directories of any size, deterministic for a seed.

One factory for the tests (as pytest fixtures, tests/conftest.py), the benchmarks and anyone
trying the API without a corpus. The label columns follow the taxonomy they are given, so a
field added to ``schema/taxonomy.yaml`` gets values here too. Every passage is annotated by
``per_passage`` annotators who agree, and the labels table holds their (unanimous) vote.

    from dataset_builder import synthetic
    synthetic.workdir("work/synthetic", n_passages=1000)    # works, texts, passages, ...

:func:`write_workdir` writes any such tables (these, or a test's own hand-made rows) the way
the stages do, so every helper that needs a work dir on disk goes through it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataset_builder import taxonomy as taxonomy_mod
from dataset_builder.taxonomy import Taxonomy

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

PASSAGES_PER_WORK = 50
WORDS = ("the", "robot", "said", "engine", "of", "brass", "she", "asked", "mind", "ship",
         "and", "quietly", "answered", "machine", "night", "light")
TIME = "2026-11-01T10:00:00Z"
PULL_ID = "20261101T120000Z-synth0"
SYNTHETIC_KEY = b"synthetic-pseudonym-key"
# The released licences: every 10th work is copyrighted (its texts are withheld).
COPYRIGHTED_EVERY = 10


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _rng(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng(seed)


def works_and_passages(n_passages: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                  dict[str, str]]:
    """Works of ``PASSAGES_PER_WORK`` passages each, their passages (paragraph-separated
    windows of 400-900 characters of a work's text) and the texts by sha256."""
    import numpy as np
    import pandas as pd

    from dataset_builder.tables import passage_id

    rng = _rng(seed)
    n_works = max(1, -(-n_passages // PASSAGES_PER_WORK))
    lengths = rng.integers(400, 900, n_passages)
    vocab = np.array(WORDS)
    stream = " ".join(vocab[rng.integers(0, len(vocab), 200_000)])
    work_rows, passage_rows, texts = [], [], {}
    for w in range(n_works):
        lo, hi = w * PASSAGES_PER_WORK, min(n_passages, (w + 1) * PASSAGES_PER_WORK)
        pieces, spans, pos = [], [], 0
        for i in range(lo, hi):
            offset = int(rng.integers(0, len(stream) - 1000))
            # A unique prefix (random slices may repeat: near-duplicates across splits), then
            # the AI mention the passage was extracted for.
            piece = f"[{i}] robot " + stream[offset: offset + int(lengths[i])]
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
            "licence": "copyrighted" if w % COPYRIGHTED_EVERY == 0 else "public-domain-us",
            "released": f"{1990 + w % 30}-01-01", "metadata_from": ["title:catalogue"],
            "sha256": sha, "n_chars": len(text), "text_path": f"texts/{sha}.txt",
        })
        for a, b, piece in spans:
            at = piece.index(" robot ") + 1
            passage_rows.append((passage_id(work_id, a, b), work_id, a, b, piece, _sha(piece),
                                 len(piece.split()),
                                 [{"term": "robot", "kind": "lexicon", "start": at,
                                   "end": at + 5}]))
    works = pd.DataFrame(work_rows)
    works["year"] = works["year"].astype("Int64")
    passages = pd.DataFrame(passage_rows, columns=["passage_id", "work_id", "char_start",
                                                   "char_end", "text", "text_sha256", "n_words",
                                                   "evidence"])
    n = len(passages)
    passages.insert(7, "score", rng.random(n))
    passages["character_ids"] = [[]] * n
    passages["duplicate_of"] = None
    roles = taxonomy_mod.load().ids("ai_role")  # the extractor's suggestion (a machine guess)
    passages["predicted_ai_role"] = [roles[i % len(roles)] for i in range(n)]
    return works, passages, texts


def _choices(tax: Taxonomy, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per passage, the index of the chosen id of every single-choice field; the gate
    (``ai_present``) answers its first choice, so that every passage has an AI."""
    import numpy as np

    out = {}
    for fid in tax.field_ids("single"):
        k = len(tax.ids(fid))
        out[fid] = np.zeros(n, dtype=int) if fid == "ai_present" else rng.integers(0, k, n)
    return out


def _traits(tax: Taxonomy, field_id: str, i: int) -> list[str]:
    ids = tax.ids(field_id)
    chosen = {ids[i % len(ids)], ids[(i * 7) % len(ids)]}
    return [c for c in ids if c in chosen]  # taxonomy order, as aggregation writes them


def annotations(passage_ids: Any, per_passage: int = 3, *, taxonomy: Taxonomy | None = None,
                seed: int = 0) -> pd.DataFrame:
    """``per_passage`` agreeing annotations of each passage: the annotations table."""
    import numpy as np
    import pandas as pd

    tax = taxonomy or taxonomy_mod.load()
    rng = _rng(seed)
    ids = np.asarray(passage_ids, dtype=object)
    n, m = len(ids), len(ids) * per_passage
    picks = _choices(tax, n, rng)
    rows: dict[str, Any] = {
        "row_id": [f"r_{i:016x}" for i in range(m)],
        "annotation_id": [f"{i // per_passage}:{i % per_passage}" for i in range(m)],
        "passage_id": np.repeat(ids, per_passage),
        "annotator": [f"ann_{i % per_passage:012x}" for i in range(m)],
    }
    for f in tax.fields:
        if f.kind == "single":
            rows[f.id] = np.array(f.choice_ids, dtype=object)[np.repeat(picks[f.id], per_passage)]
        elif f.kind == "multi":
            rows[f.id] = [_traits(tax, f.id, i // per_passage) for i in range(m)]
        elif f.kind == "rating":
            rating = rng.integers(f.min or 0, (f.max or 0) + 1, n)
            rows[f.id] = pd.array(np.repeat(rating, per_passage), dtype="Int64")
        else:
            rows[f.id] = [[{"label": f.choice_ids[0], "start": 0, "end": 3, "text": "the"}]] * m
    rows.update({
        "notes": None, "lead_time": rng.random(m) * 60, "created_at": TIME, "updated_at": TIME,
        "taxonomy_version": tax.version, "guideline_version": "1.0.0", "project": "FAIP",
        "task_id": pd.array(np.arange(m) // per_passage, dtype="Int64"), "supersedes": None,
        "tombstone": False, "adjudication": False, "pull_id": PULL_ID,
    })
    return pd.DataFrame(rows)


def labels(passage_ids: Any, per_passage: int = 3, *, taxonomy: Taxonomy | None = None,
           seed: int = 0) -> pd.DataFrame:
    """The unanimous vote over :func:`annotations` (same arguments): the labels table."""
    import numpy as np
    import pandas as pd

    tax = taxonomy or taxonomy_mod.load()
    rng = _rng(seed)
    ids = np.asarray(passage_ids, dtype=object)
    n = len(ids)
    picks = _choices(tax, n, rng)  # the same draws as annotations(): same seed, same order
    rows: dict[str, Any] = {"passage_id": ids}
    soft: dict[str, Any] = {}
    for f in tax.fields:
        if f.kind == "single":
            rows[f.id] = np.array(f.choice_ids, dtype=object)[picks[f.id]]
            eye = np.eye(len(f.choice_ids))
            soft[f"{f.id}_soft"] = [list(eye[p]) for p in picks[f.id]]
        elif f.kind == "multi":
            rows[f.id] = [_traits(tax, f.id, i) for i in range(n)]
            soft[f"{f.id}_soft"] = [[1.0 if c in chosen else 0.0 for c in f.choice_ids]
                                    for chosen in rows[f.id]]
        elif f.kind == "rating":
            rows[f.id] = rng.integers(f.min or 0, (f.max or 0) + 1, n).astype(float)
    rows.update({f"{fid}_soft": soft[f"{fid}_soft"] for fid in tax.field_ids(("single", "multi"))})
    rows.update({"n_annotators": per_passage, "agreement": 1.0, "needs_adjudication": False,
                 "method": "majority", "taxonomy_version": tax.version})
    return pd.DataFrame(rows)


def taxonomy_with_field(field_id: str, choices: tuple[str, ...], *, position: int | None = None,
                        base: Taxonomy | None = None) -> Taxonomy:
    """``base`` (default: the project's taxonomy) plus one single-choice field, as a minor
    version would add it: what every taxonomy-derived table must then carry."""
    import yaml

    tax = base or taxonomy_mod.load()
    raw = yaml.safe_load(tax.path.read_text(encoding="utf-8"))
    raw["fields"].insert(len(raw["fields"]) if position is None else position, {
        "id": field_id, "name": field_id.replace("_", " ").capitalize(), "kind": "single",
        "definition": f"The synthetic field {field_id}.",
        "choices": [{"id": c, "name": c.capitalize(), "definition": f"The choice {c}."}
                    for c in choices]})
    return taxonomy_mod.parse(yaml.safe_dump(raw), tax.path)


def characters() -> pd.DataFrame:
    """A one-character catalogue for the first synthetic work."""
    import pandas as pd

    return pd.DataFrame({
        "character_id": ["synthetic-robot"], "name": ["Synthetic Robot"], "aliases": [[]],
        "work_title": ["Synthetic 0"], "work_id": ["gutenberg:100000"], "year": [1850],
        "medium": ["novel"], "creator": [None], "embodiment": ["humanoid_robot"],
        "wikidata_qid": [None], "source_note": ["synthetic"],
    })


def workdir(root: str | Path, n_passages: int = 100, per_passage: int = 3, *, seed: int = 0,
            taxonomy: Taxonomy | None = None) -> Path:
    """Write a work directory a release can be built from: ``works.parquet``, ``texts/``,
    ``passages.parquet``, one pull file in ``annotations/`` and ``labels.parquet``."""
    works, passages, texts = works_and_passages(n_passages, seed)
    ids = passages["passage_id"]
    return write_workdir(root, works=works, texts=texts, passages=passages,
                         pull=annotations(ids, per_passage, taxonomy=taxonomy, seed=seed),
                         labels=labels(ids, per_passage, taxonomy=taxonomy, seed=seed))


def write_pull(path: str | Path, rows: pd.DataFrame, key: bytes | None = SYNTHETIC_KEY) -> Path:
    """A pull file as `faip annotate pull` writes it: with the id of its pseudonym key
    (``key=None``: no record, as in a file written by hand)."""
    import pyarrow as pa

    from dataset_builder.annotate.pseudonym import KEY_METADATA, key_id
    from dataset_builder.io import atomic_write_parquet

    table = pa.Table.from_pandas(rows, preserve_index=False)
    if key is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               KEY_METADATA: key_id(key).encode()})
    atomic_write_parquet(path, table)
    return Path(path)


def write_workdir(root: str | Path, *, works: pd.DataFrame | None = None,
                  texts: dict[str, str] | None = None, passages: pd.DataFrame | None = None,
                  pull: pd.DataFrame | None = None, labels: pd.DataFrame | None = None,
                  key: bytes | None = SYNTHETIC_KEY, pull_id: str = PULL_ID) -> Path:
    """Write the given tables into the work dir ``root`` where the stages put them: texts
    (sha256 -> text) in ``texts/``, the annotations as one pull file ``annotations/PULL_ID``
    signed with ``key`` (see :func:`write_pull`); a table not given is not written."""
    from dataset_builder.io import atomic_write_text
    from dataset_builder.tables import write_table

    out = Path(root)
    out.mkdir(parents=True, exist_ok=True)
    for sha, text in (texts or {}).items():
        atomic_write_text(out / "texts" / f"{sha}.txt", text)
    for name, frame in (("works", works), ("passages", passages), ("labels", labels)):
        if frame is not None:
            write_table(out, name, frame)
    if pull is not None:
        write_pull(out / "annotations" / f"{pull_id}.parquet", pull, key)
    return out
