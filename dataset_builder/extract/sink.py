"""The reduce part of the pipeline: spool passages to disk, link duplicates, write the table.

Passage rows arrive per work from any executor; they are appended to a spool (Arrow stream) so
that memory holds only the dedup keys (id, sha256, 256-byte signature per passage). At the end
the duplicate links are computed over all keys and the spool is copied, batch by batch, into
``passages.parquet`` (atomically: an interrupted run leaves the previous table untouched).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dataset_builder.extract.dedup import Key, duplicate_links
from dataset_builder.extract.steps import StepStats
from dataset_builder.io import atomic_open
from dataset_builder.schemas.derived import arrow_schema
from dataset_builder.schemas.passages import PassageSchema
from dataset_builder.tables import passage_id

SCHEMA = arrow_schema(PassageSchema)
_BATCH_ROWS = 8192  # rows validated and written at once: one pandera pass per 8k passages


class PassageSink:
    """Collects rows (in work order), then dedups and writes ``passages.parquet``."""

    def __init__(self, target: Path):
        self.target = target
        self.spool = target.with_name(f".{target.name}.spool")
        self.keys: list[Key] = []
        self._spool_file: pa.NativeFile | None = None
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None
        self.dedup_stats = StepStats("dedup")
        self.write_stats = StepStats("write")
        # pandera's first validation sets up its backends (~0.3 s): do it now, while the
        # workers compute, rather than in finish() where the run waits for it. Once per
        # process: later runs (the Python API, benchmarks) find it done.
        _warm_up()

    def __enter__(self) -> PassageSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_spool()
        self.spool.unlink(missing_ok=True)

    def _close_spool(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._spool_file is not None:
            self._spool_file.close()
            self._spool_file = None

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        batch = []
        for row in rows:
            row = {"passage_id": passage_id(row["work_id"], row["char_start"], row["char_end"]),
                   **row}
            self.keys.append(Key(row["passage_id"], row["text_sha256"], row.pop("_signature")))
            batch.append(row)
        if not batch:
            return
        t0 = time.perf_counter()
        if self._writer is None:
            # An Arrow stream: written and read back at memory speed (no parquet encoding).
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._spool_file = pa.OSFile(str(self.spool), "wb")
            self._writer = pa.ipc.new_stream(self._spool_file, SCHEMA)
        self._writer.write_table(pa.Table.from_pylist(batch, schema=SCHEMA))
        self.write_stats.n_in += len(batch)
        self.write_stats.seconds += time.perf_counter() - t0

    def finish(self) -> int:
        """Link duplicates and write the table; returns the number of duplicates linked."""
        t0 = time.perf_counter()
        self.dedup_stats.n_in = self.dedup_stats.n_out = len(self.keys)
        links = duplicate_links(self.keys)
        self.dedup_stats.add("duplicates", len(links))
        self.dedup_stats.seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        self._close_spool()
        with atomic_open(self.target, "wb") as handle, pq.ParquetWriter(handle, SCHEMA) as out:
            if self.spool.exists():
                with pa.memory_map(str(self.spool)) as source:
                    for table in _row_groups(pa.ipc.open_stream(source), _BATCH_ROWS):
                        out.write_table(_linked(table, links))
        self.write_stats.n_out = len(self.keys)
        self.write_stats.seconds += time.perf_counter() - t0
        return len(links)


def _row_groups(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """The rows of ``batches`` regrouped into tables of ``size`` rows (the last one shorter)."""
    pending: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        pending.append(batch)
        n += batch.num_rows
        while n >= size:
            table = pa.Table.from_batches(pending, schema=SCHEMA)
            yield table.slice(0, size)
            rest = table.slice(size)
            pending, n = rest.to_batches(), rest.num_rows
    if n:
        yield pa.Table.from_batches(pending, schema=SCHEMA)


def _linked(table: pa.Table, links: dict[str, str]) -> pa.Table:
    ids = table.column("passage_id").to_pylist()
    dup = pa.array([links.get(i) for i in ids], type=pa.string())
    table = table.set_column(table.schema.get_field_index("duplicate_of"), "duplicate_of", dup)
    frame = table.to_pandas()
    PassageSchema.validate(frame, lazy=True)  # a bug here must not reach annotators
    return table


@functools.cache
def _warm_up() -> None:
    PassageSchema.validate(empty_frame(), lazy=True)


def empty_frame() -> pd.DataFrame:
    return SCHEMA.empty_table().to_pandas()
