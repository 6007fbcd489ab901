"""Restore withheld passage texts in a release folder from the user's own copy of the works.

``--source`` is either a work directory (works.parquet + texts/<sha256>.txt, as written by
``faip collect``) or a Project Gutenberg mirror (cache/epub/<n>/pg<n>.txt), whose books are
cleaned exactly as ``faip collect`` cleans them so that the released offsets apply. Every
restored passage must match its ``text_sha256``; mismatches are reported and left null.
The annotations' span texts, withheld with their passage, are cut again from the verified
passage text at the span offsets (which is how annotation pulls write them).

The release folder itself is never changed: the result is a NEW folder, marked local-only
(``LOCAL_ONLY.md``), which ``faip publish`` refuses -- those texts must not be republished.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dataset_builder.collect.texts import text_path
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_dir, atomic_open, atomic_write_text, sha256_text
from dataset_builder.lock import writes
from dataset_builder.publish.guard import LOCAL_ONLY, LOCAL_ONLY_TEXT
from dataset_builder.release import checksums


@dataclass
class RehydrateReport:
    out: Path | None = None  # the new, local-only folder
    restored: int = 0
    already: int = 0
    spans_restored: int = 0
    mismatched: list[str] = field(default_factory=list)
    missing_works: list[str] = field(default_factory=list)


class _Source:
    """Cleaned texts by work id from a work dir or a Gutenberg mirror, loaded on demand."""

    def __init__(self, root: Path, work_sha: dict[str, str]) -> None:
        if not root.is_dir():
            raise UserError(f"{root}: --source not found; pass your work dir or Gutenberg mirror.")
        self.root, self.work_sha = root, work_sha
        self.cache: dict[str, str | None] = {}

    def text(self, work_id: str) -> str | None:
        if work_id not in self.cache:
            self.cache[work_id] = self._load(work_id)
        return self.cache[work_id]

    def _load(self, work_id: str) -> str | None:
        sha = self.work_sha.get(work_id)
        by_sha = self.root / text_path(sha or "")
        if sha and by_sha.is_file():
            return by_sha.read_text(encoding="utf-8")
        if work_id.startswith("gutenberg:"):
            # The same decoding (RDF charset hints) as collect, so the sha256 checks agree.
            from dataset_builder.collect.gutenberg import clean_mirror_book

            number = int(work_id.split(":", 1)[1])
            try:
                return clean_mirror_book(self.root, number)
            except UserError:
                return None
        return None


def restore_texts(rows: pd.DataFrame, work_sha: dict[str, str], source: Path
                  ) -> tuple[list[str | None], int]:
    """The ``text`` column of ``rows`` (release passages) with every null text restored from
    ``source`` where the cut matches ``text_sha256`` (others stay null); and how many were."""
    src = _Source(source, work_sha)
    texts: list[str | None] = rows["text"].tolist()
    restored = 0
    cols = ("work_id", "char_start", "char_end", "text_sha256")
    for i, (work_id, start, end, sha) in enumerate(zip(*(rows[c] for c in cols), strict=True)):
        if texts[i] is not None and texts[i] == texts[i]:
            continue
        texts[i] = None
        whole = src.text(work_id)
        if whole is not None and sha256_text(whole[int(start):int(end)]) == sha:
            texts[i] = whole[int(start):int(end)]
            restored += 1
    return texts, restored


def default_out(folder: str | Path) -> Path:
    root = Path(folder)
    return root.with_name(f"{root.name}-local")


@writes("rehydrate", lambda a: Path(a["out"] or default_out(a["folder"])).parent)
def rehydrate(folder: str | Path, source: str | Path,
              out: str | Path | None = None) -> RehydrateReport:
    """Copy release ``folder`` to the new folder ``out`` (default ``FOLDER-local``) with its
    withheld texts restored from ``source``, marked local-only; ``folder`` is not changed."""
    root = Path(folder)
    target = Path(out) if out is not None else default_out(root)
    if not (root / "data" / "passages").is_dir():
        raise UserError(f"{root}: no data/passages/*.parquet; is this a release folder?")
    if target.resolve() == root.resolve() or root.resolve() in target.resolve().parents:
        raise UserError(f"{target}: --out must be a new folder outside {root}: the release "
                        "folder itself is never changed.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"{target}: already exists and is not empty; pass a new --out folder.")
    with atomic_dir(target) as tmp:
        shutil.copytree(root, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
        report = _restore(tmp, source)
        atomic_write_text(tmp / LOCAL_ONLY, LOCAL_ONLY_TEXT)
        if (tmp / checksums.NAME).exists():
            checksums.write(tmp)  # the copy is self-consistent: `faip verify` works on it
    report.out = target
    return report


def _restore(root: Path, source: str | Path) -> RehydrateReport:
    """Fill the null texts of every passages shard of ``root`` in place (atomic per file)."""
    shards = sorted((root / "data" / "passages").glob("*.parquet"))
    if not shards:
        raise UserError(f"{root}: no data/passages/*.parquet; is this a release folder?")
    works = pq.read_table(next((root / "data" / "works").glob("*.parquet")),
                          columns=["work_id", "sha256"]).to_pydict()
    src = _Source(Path(source), dict(zip(works["work_id"], works["sha256"], strict=True)))
    report = RehydrateReport()
    replacements: list[tuple[Path, pa.Table]] = []
    known: dict[str, str] = {}  # passage id -> its text, present or restored
    for shard in shards:
        table = pq.read_table(shard)
        texts = table.column("text").to_pylist()
        changed = False
        cols = ("passage_id", "work_id", "char_start", "char_end", "text_sha256")
        for i, (pid, work_id, start, end, sha) in enumerate(
                zip(*(table.column(c).to_pylist() for c in cols), strict=True)):
            if texts[i] is not None:
                report.already += 1
                known[pid] = texts[i]
                continue
            whole = src.text(work_id)
            if whole is None:
                if work_id not in report.missing_works:
                    report.missing_works.append(work_id)
                continue
            piece = whole[start:end]
            if sha256_text(piece) != sha:
                report.mismatched.append(f"{pid} ({work_id} {start}:{end})")
                continue
            texts[i] = known[pid] = piece
            report.restored += 1
            changed = True
        if changed:
            index = table.schema.get_field_index("text")
            replacements.append((shard, table.set_column(index, table.schema.field("text"),
                                                         pa.array(texts, pa.string()))))
    for shard in sorted((root / "data" / "annotations").glob("*.parquet")):
        table = _with_span_texts(pq.read_table(shard), known, report)
        if table is not None:
            replacements.append((shard, table))
    for shard, table in replacements:
        row_group = pq.ParquetFile(shard).metadata.row_group(0).num_rows
        with atomic_open(shard, "wb") as handle:
            pq.write_table(table, handle, row_group_size=max(1, row_group))
    return report


def _with_span_texts(table: pa.Table, known: dict[str, str],
                     report: RehydrateReport) -> pa.Table | None:
    """``table`` with every null span text of a passage in ``known`` cut from that passage;
    None when there is nothing to restore."""
    if "spans" not in table.column_names:
        return None
    spans = table.column("spans").to_pylist()
    changed = False
    for pid, cell in zip(table.column("passage_id").to_pylist(), spans, strict=True):
        passage = known.get(pid)
        for span in cell or []:
            if passage is not None and span is not None and span.get("text") is None:
                span["text"] = passage[span["start"]:span["end"]]
                report.spans_restored += 1
                changed = True
    if not changed:
        return None
    index = table.schema.get_field_index("spans")
    field = table.schema.field("spans")
    return table.set_column(index, field, pa.array(spans, field.type))
