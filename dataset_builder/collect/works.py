"""The works table and the text cache of a work directory, merged by work_id on every run."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dataset_builder import console
from dataset_builder.collect.texts import StoredText, store_bytes, text_path
from dataset_builder.constants import LICENCES
from dataset_builder.errors import UserError
from dataset_builder.io import sha256_bytes
from dataset_builder.schemas._common import WORK_ID
from dataset_builder.tables import table_path, write_table

COLUMNS = (
    "work_id", "source", "title", "authors", "year", "language", "subjects", "source_url",
    "licence", "released", "metadata_from", "sha256", "n_chars", "text_path",
)
# Columns a collector may leave out (older work dirs lack them too).
_OPTIONAL: dict[str, Any] = {"released": None, "metadata_from": []}
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
_WORK_ID_RE = re.compile(WORK_ID)


@dataclass
class CollectReport:
    """What one collect run did: works written, works already up to date, works that failed."""

    collected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged since the last run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (work_id, message)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def fail(self, work_id: str, message: str) -> None:
        self.failed.append((work_id, message))
        console.problem(f"{work_id}: {message}")

    def attempt(self, work_id: str, collect: Callable[[], bool]) -> None:
        """Run one work's collection: a UserError fails that work only, the run goes on."""
        try:
            changed = collect()
        except UserError as exc:
            self.fail(work_id, str(exc))
            return
        (self.collected if changed else self.skipped).append(work_id)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        console.warn(message)

    def summary(self) -> str:
        return (
            f"{len(self.collected)} collected, {len(self.skipped)} unchanged, "
            f"{len(self.failed)} failed, {len(self.warnings)} warning(s)"
        )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value]


def check_row(row: dict[str, Any]) -> None:
    """Raise UserError naming the field if ``row`` would not pass the works schema."""
    work_id = row["work_id"]
    if not _WORK_ID_RE.match(work_id):
        raise UserError(f"work id {work_id!r} is not valid; ids look like {WORK_ID}.")
    if not row["title"]:
        raise UserError("no title (catalogue and metadata are both empty); supply one.")
    if not _LANGUAGE_RE.match(row["language"] or ""):
        raise UserError(
            f"language {row['language']!r} is not an ISO 639 code such as 'en'; "
            "fix the catalogue/metadata or pass --language."
        )
    if row["licence"] not in LICENCES:
        raise UserError(f"licence {row['licence']!r} is not one of {', '.join(LICENCES)}.")
    year = row["year"]
    if year is not None and not 1000 <= year <= 2100:
        row["year"] = None  # a bogus year is dropped rather than failing the work


class WorkStore:
    """Rows of works.parquet by work_id plus the content-addressed files in texts/."""

    def __init__(self, workdir: str | Path) -> None:
        self.workdir = Path(workdir)
        self.rows: dict[str, dict[str, Any]] = {}
        self._dirty = False
        path = table_path(self.workdir, "works")
        if path.exists():
            try:
                frame = pd.read_parquet(path)
            except Exception as exc:  # pyarrow raises several types for a damaged file
                raise UserError(
                    f"{path}: cannot read the works table ({exc}); delete it and collect again."
                ) from exc
            missing = [c for c in COLUMNS if c not in frame.columns and c not in _OPTIONAL]
            if missing:
                raise UserError(f"{path}: column(s) {', '.join(missing)} missing; the works "
                                "table was edited or damaged: restore it, or delete it and "
                                "collect again.")
            for line, record in enumerate(frame.to_dict("records")):
                # The same checks as a new row's (the works schema without importing pandera,
                # which collect never needs otherwise).
                try:
                    record["authors"] = _as_list(record["authors"])
                    record["subjects"] = _as_list(record["subjects"])
                    record["year"] = None if pd.isna(record["year"]) else int(record["year"])
                    record["metadata_from"] = _as_list(record.get("metadata_from"))
                    record.setdefault("released", None)
                    if not isinstance(record["work_id"], str):
                        raise UserError(f"work id {record['work_id']!r} is not a string")
                    check_row(record)
                except (UserError, TypeError, ValueError) as exc:
                    raise UserError(f"{path}: row {line}: {exc}; restore the works table, or "
                                    "delete it and collect again.") from None
                if record["work_id"] in self.rows:
                    raise UserError(f"{path}: work {record['work_id']} is listed twice; "
                                    "restore the works table, or delete it and collect again.")
                self.rows[record["work_id"]] = {c: record[c] for c in COLUMNS}

    def put(self, meta: dict[str, Any], text: str) -> bool:
        """Store ``text`` and its row; return False if the row and text were already there."""
        data = text.encode("utf-8")
        digest = sha256_bytes(data)
        row = self._row(meta, digest, len(text))  # checked before anything is written
        return self._record(row, store_bytes(self.workdir, data, len(text), digest))

    def put_stored(self, meta: dict[str, Any], stored: StoredText) -> bool:
        """The row of a text a worker process has already stored (see ``collect.file_worker``)."""
        return self._record(self._row(meta, stored.sha256, stored.n_chars), stored)

    @staticmethod
    def _row(meta: dict[str, Any], digest: str, n_chars: int) -> dict[str, Any]:
        row = {**meta, "sha256": digest, "n_chars": n_chars, "text_path": text_path(digest)}
        row = {c: row[c] if c in row else _OPTIONAL[c] for c in COLUMNS}
        row["metadata_from"] = _as_list(row["metadata_from"])
        check_row(row)
        return row

    def _record(self, row: dict[str, Any], stored: StoredText) -> bool:
        if stored.existed and self.rows.get(row["work_id"]) == row:
            return False
        self.rows[row["work_id"]] = row
        self._dirty = True
        return True

    def keep_only(self, work_ids: set[str]) -> list[str]:
        """Drop the rows of works not in ``work_ids`` (no longer selected); return their ids."""
        dropped = sorted(set(self.rows) - work_ids)
        for work_id in dropped:
            del self.rows[work_id]
        self._dirty = self._dirty or bool(dropped)
        return dropped

    def save(self) -> Path | None:
        """Rewrite works.parquet atomically (sorted by work_id) if anything changed."""
        exists = table_path(self.workdir, "works").exists()
        if (exists and not self._dirty) or (not exists and not self.rows):
            return None
        frame = pd.DataFrame([self.rows[k] for k in sorted(self.rows)], columns=list(COLUMNS))
        frame["year"] = frame["year"].astype("Int64")
        frame["n_chars"] = frame["n_chars"].astype("int64")
        self._dirty = False
        return write_table(self.workdir, "works", frame)
