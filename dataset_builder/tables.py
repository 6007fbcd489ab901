"""Read and write the tables of a work directory (plain parquet files, written atomically)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_parquet
from dataset_builder.schemas import TABLES


def table_path(workdir: str | Path, name: str) -> Path:
    return Path(workdir) / TABLES[name][0]


def read_table(workdir: str | Path, name: str) -> pd.DataFrame:
    """Read one table; a missing or unreadable file is a UserError that says what to run."""
    if name == "annotations":
        return read_annotations(table_path(workdir, name))
    return frame_of(read_arrow(workdir, name), table_path(workdir, name))


def _keep_lists(kind: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(kind) if pa.types.is_list(kind) else None


def frame_of(table: pa.Table, source: str | Path, keep_lists: bool = False) -> pd.DataFrame:
    """``table.to_pandas()``; a file whose columns contradict the pandas types recorded in it
    (edited by hand) is a UserError naming ``source``.

    ``keep_lists``: list columns stay Arrow arrays (``pd.ArrowDtype``) instead of one Python
    list per cell, for callers that work on them column-wise (the release reads hundreds of
    thousands of such cells and writes them back to Arrow)."""
    try:
        return table.to_pandas(types_mapper=_keep_lists if keep_lists else None)
    except (TypeError, ValueError, pa.ArrowException) as exc:
        raise UserError(f"{source}: the columns do not match the pandas types recorded in the "
                        f"file ({exc}); rewrite it with the stage that writes it.") from exc


def read_arrow(workdir: str | Path, name: str) -> pa.Table:
    """One table as Arrow, for callers that also want the typed columns without a round trip
    through Python objects (``read_table`` is its ``to_pandas()``)."""
    path = table_path(workdir, name)
    if not path.exists():
        raise UserError(f"{path}: table '{name}' not found; run the stage that writes it first.")
    try:
        # What pd.read_parquet reads before converting (with pyarrow >= 19 it then calls
        # to_pandas() with no type mapper).
        return pq.read_table(path, use_pandas_metadata=True)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"{path}: cannot read table '{name}': {exc}. Rerun the stage.") from exc


def read_annotations_arrow(directory: str | Path) -> list[pa.Table]:
    """Every pull file of ``directory`` as Arrow, oldest first (see read_annotations)."""
    folder = Path(directory)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        raise UserError(
            f"{folder}: no annotation pull files; "
            "run `faip annotate pull` or `faip annotate import` first."
        )
    tables = []
    for f in files:
        try:
            table = pq.read_table(f, use_pandas_metadata=True)
        except Exception as exc:
            raise UserError(f"{f}: cannot read annotation pull file: {exc}") from exc
        tables.append(with_added_columns(table))
    return tables


@functools.cache
def added_annotation_columns() -> dict[str, tuple[str, pa.DataType]]:
    """Label columns added by MINOR taxonomy versions (``taxonomy.ADDED_IN_MINOR``): each
    with the column it follows and its Arrow type. Pull files are never rewritten, so files
    pulled before a field existed get it here, unanswered."""
    from dataset_builder import taxonomy
    from dataset_builder.schemas.annotations import annotation_schema
    from dataset_builder.schemas.derived import arrow_schema

    tax = taxonomy.load()
    schema = arrow_schema(annotation_schema(tax))
    ids = tax.field_ids()
    return {f: (ids[ids.index(f) - 1], schema.field(f).type) for f in tax.added_field_ids()}


def with_added_columns(table: pa.Table) -> pa.Table:
    for name, (after, kind) in added_annotation_columns().items():
        if name not in table.column_names and after in table.column_names:
            table = table.add_column(table.column_names.index(after) + 1, name,
                                     pa.nulls(table.num_rows, kind))
    return table


def write_table(workdir: str | Path, name: str, df: pd.DataFrame) -> Path:
    path = table_path(workdir, name)
    atomic_write_parquet(path, pa.Table.from_pandas(df, preserve_index=False))
    return path


def read_annotations(directory: str | Path) -> pd.DataFrame:
    """All rows of every pull file in ``directory`` (append-only history, oldest file first)."""
    return pd.concat([frame_of(t, directory) for t in read_annotations_arrow(directory)],
                     ignore_index=True)


def live_annotations(rows: pd.DataFrame) -> pd.DataFrame:
    """The current version of every annotation: not superseded by a later row, not a tombstone."""
    superseded = set(rows["supersedes"].dropna())
    live = rows[~rows["row_id"].isin(superseded) & ~rows["tombstone"].astype(bool)]
    return live.reset_index(drop=True)


def passage_id(work_id: str, char_start: int, char_end: int) -> str:
    """Stable passage id: the same work and offsets always give the same id."""
    digest = hashlib.sha256(f"{work_id}:{char_start}:{char_end}".encode()).hexdigest()
    return f"p_{digest[:16]}"
