"""The append-only annotations folder: one parquet file per pull, never rewritten.

A pull compares what Label Studio has now with the live rows already stored: an unchanged
annotation adds nothing, an edited one adds a row that ``supersedes`` the old row, a deleted
one adds a ``tombstone`` row. Re-pulling an unchanged project writes no file at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from dataset_builder import taxonomy
from dataset_builder.annotate.export_rows import Rejected, content_fingerprint, label_columns
from dataset_builder.annotate.pseudonym import KEY_METADATA, key_id
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_open, atomic_write_parquet
from dataset_builder.schemas import derived
from dataset_builder.tables import live_annotations, read_annotations

REJECTS = "rejects"


@functools.cache
def arrow_schema() -> pa.Schema:
    """The pull files' Arrow schema: the project taxonomy's annotations model, typed."""
    from dataset_builder.schemas.annotations import annotation_schema

    return derived.arrow_schema(annotation_schema(taxonomy.load()))


def columns() -> tuple[str, ...]:
    return tuple(arrow_schema().names)


@dataclass(frozen=True)
class Scope:
    """Which stored rows a pull speaks for: a missing annotation in scope was deleted."""

    project: str
    adjudication: bool


@dataclass(frozen=True)
class Appended:
    pull_id: str | None
    path: Path | None
    rejects_path: Path | None
    new: int
    edited: int
    deleted: int
    rejected: int
    unchanged: int


def _hex16(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def read_existing(directory: Path) -> pd.DataFrame | None:
    """Every stored row as its schema checks it, or None for an empty folder (a damaged
    history is refused before anything is appended to it)."""
    from dataset_builder.validate.checked import require_valid

    if not any(directory.glob("*.parquet")):
        return None
    rows = read_annotations(directory)
    return require_valid({"annotations": rows}, "nothing was written")["annotations"]


def plan_rows(existing: pd.DataFrame | None, rows: list[dict[str, Any]], seen: set[str],
              scope: Scope | None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The rows to append (without pull_id) and counts of new/edited/deleted/unchanged."""
    live: dict[str, Mapping[str, Any]] = {}
    if existing is not None and len(existing):
        # Through Arrow: plain Python lists and None come out (pandas gives numpy and NaN).
        current = pa.Table.from_pandas(live_annotations(existing)[list(columns())],
                                       schema=arrow_schema(), preserve_index=False)
        for rec in current.to_pylist():
            live[rec["annotation_id"]] = rec
    counts = {"new": 0, "edited": 0, "deleted": 0, "unchanged": 0}
    out: list[dict[str, Any]] = []
    content = label_columns()
    for row in rows:
        fp = content_fingerprint(row, content)
        old = live.get(row["annotation_id"])
        if old is not None and content_fingerprint(old, content) == fp:
            counts["unchanged"] += 1
            continue
        supersedes = None if old is None else str(old["row_id"])
        counts["edited" if old is not None else "new"] += 1
        out.append({**row, "supersedes": supersedes,
                    "row_id": "r_" + _hex16(row["annotation_id"], fp, supersedes or "")})
    if scope is not None:
        for ann_id, old in live.items():
            if (ann_id in seen or old["project"] != scope.project
                    or bool(old["adjudication"]) != scope.adjudication):
                continue
            counts["deleted"] += 1
            out.append({**old, "tombstone": True,
                        "supersedes": old["row_id"],
                        "row_id": "r_" + _hex16(ann_id, "tombstone", str(old["row_id"]))})
    return out, counts


def new_pull_id(rows: Iterable[Mapping[str, Any]], rejected: Iterable[Rejected]) -> str:
    """UTC time (sorts in pull order) + a short hash of what the pull adds."""
    digest = hashlib.sha256()
    for r in rows:
        digest.update(str(r["row_id"]).encode())
    for j in rejected:
        digest.update(json.dumps(j.record(), sort_keys=True, default=str).encode())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{digest.hexdigest()[:8]}"


def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame with the table's dtypes (the order of ``columns()``)."""
    names = columns()
    table = pa.Table.from_pylist([{c: r.get(c) for c in names} for r in rows],
                                 schema=arrow_schema())
    df = table.to_pandas()
    for name in _nullable_integers():  # Arrow gives float64 for an integer column with nulls
        df[name] = df[name].astype("Int64")
    return df


@functools.cache
def _nullable_integers() -> tuple[str, ...]:
    from dataset_builder.schemas.annotations import annotation_schema

    columns = annotation_schema(taxonomy.load()).to_schema().columns
    return tuple(name for name, column in columns.items() if str(column.dtype) == "Int64")


def _reject_key(rec: Mapping[str, Any]) -> str:
    return f"{rec.get('annotation_id')}|{rec.get('updated_at')}|{rec.get('reason')}"


def known_rejects(directory: Path) -> set[str]:
    """Rejects already recorded, so an unchanged invalid annotation is not re-reported."""
    keys: set[str] = set()
    folder = directory / REJECTS
    for f in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                keys.add(_reject_key(json.loads(line)))
    return keys


def append_pull(directory: Path, rows: list[dict[str, Any]], rejected: list[Rejected],
                seen: set[str], scope: Scope | None, key: bytes | None = None) -> Appended:
    """Append one pull: at most one parquet file and one rejects file; nothing if unchanged.

    ``key``: the pseudonym key the rows were made with; its id is recorded in the file (a
    release refuses files made with the demo key or without a record)."""
    directory = Path(directory)
    existing = read_existing(directory)
    planned, counts = plan_rows(existing, rows, seen, scope)
    old_keys = known_rejects(directory)
    fresh_rejects = [j for j in rejected if _reject_key(j.record()) not in old_keys]
    if not planned and not fresh_rejects:
        return Appended(None, None, None, 0, 0, 0, len(rejected), counts["unchanged"])
    pull_id = new_pull_id(planned, fresh_rejects)
    if existing is not None and set(existing["row_id"]) & {r["row_id"] for r in planned}:
        raise UserError(f"{directory}: a row id of this pull is already stored; the folder "
                        "was edited by hand? Restore it from version control and pull again.")
    path = rejects_path = None
    if fresh_rejects:
        rejects_path = directory / REJECTS / f"{pull_id}.jsonl"
        with atomic_open(rejects_path, "w") as handle:
            for j in fresh_rejects:
                rec = {"pull_id": pull_id, **j.record()}
                handle.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    if planned:
        for r in planned:
            r["pull_id"] = pull_id
        frame = to_frame(planned)
        path = directory / f"{pull_id}.parquet"
        table = pa.Table.from_pandas(frame, schema=arrow_schema(), preserve_index=False)
        if key is not None:
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), KEY_METADATA: key_id(key).encode()})
        atomic_write_parquet(path, table)
    return Appended(pull_id, path, rejects_path, counts["new"], counts["edited"],
                    counts["deleted"], len(rejected), counts["unchanged"])


def schema_filter(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """Check rows against the pandera AnnotationSchema; failing rows become rejects."""
    if not rows:
        return [], []
    import pandera.errors

    from dataset_builder.schemas.annotations import AnnotationSchema

    probe = to_frame([{**r, "row_id": f"r_{i:016x}", "pull_id": "probe"}
                      for i, r in enumerate(rows)])
    try:
        AnnotationSchema.validate(probe, lazy=True)
        return rows, []
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    reasons: dict[int, list[str]] = {}
    for case in cases.to_dict("records"):
        index = case.get("index")
        if index is None or index != index:
            raise UserError(f"annotation rows fail the table schema as a whole: {case}") from None
        reasons.setdefault(int(index), []).append(
            f"schema: {case.get('column')} fails {case.get('check')} "
            f"(value {case.get('failure_case')!r})")
    kept, rejected = [], []
    for i, r in enumerate(rows):
        if i in reasons:
            rejected.append(Rejected(
                reason="; ".join(reasons[i]), task_id=r.get("task_id"),
                annotation_id=r["annotation_id"], passage_id=r["passage_id"],
                annotator=r["annotator"], updated_at=r["updated_at"]))
        else:
            kept.append(r)
    return kept, rejected
