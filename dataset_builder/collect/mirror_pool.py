"""Collect the books of a local Gutenberg mirror in worker processes: each worker reads a
book's RDF record and text, cleans the text into the text cache and sends back only the
metadata, so the driver's memory does not grow with the books and cleaning uses every core.
(An HTTP mirror is fetched one request at a time, politely, by ``collect_book``.)"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from dataset_builder.collect.catalogue import CatalogueEntry
from dataset_builder.collect.gutenberg import read_book
from dataset_builder.collect.mirror import LocalMirror
from dataset_builder.collect.texts import StoredText, store_text
from dataset_builder.errors import UserError
from dataset_builder.processes import OrderedMap

_MAX_CHUNK = 8  # books per task at most


@dataclass(frozen=True)
class LocalBook:
    """One book's result: its metadata and stored text, or the error that stopped it."""

    n: int
    meta: dict[str, Any] | None
    stored: StoredText | None
    warnings: tuple[str, ...]
    error: UserError | None


def _one(item: tuple[int, CatalogueEntry | None], root: Path, workdir: Path) -> LocalBook:
    n, entry = item
    warnings: list[str] = []
    try:
        meta, text = read_book(n, entry, LocalMirror(root), warnings.append)
        stored = store_text(workdir, text)
    except UserError as exc:
        return LocalBook(n, None, None, tuple(warnings), exc)
    return LocalBook(n, meta, stored, tuple(warnings), None)


def _chunk(items: list[tuple[int, CatalogueEntry | None]], root: Path,
           workdir: Path) -> list[LocalBook]:
    return [_one(item, root, workdir) for item in items]


def collect_local(root: Path, items: Sequence[tuple[int, CatalogueEntry | None]],
                  workdir: Path, workers: int = 1) -> Iterator[LocalBook]:
    """Each book's LocalBook, in the order of ``items``."""
    if workers <= 1 or len(items) <= 1:
        yield from (_one(item, root, workdir) for item in items)
        return
    workers = min(workers, len(items))
    size = max(1, min(_MAX_CHUNK, len(items) // (4 * workers)))
    chunks = (list(items[i:i + size]) for i in range(0, len(items), size))
    with OrderedMap(partial(_chunk, root=root, workdir=workdir), chunks, workers,
                    ahead=4 * workers) as results:
        for chunk in results:
            yield from chunk
