"""The text cache of a work directory: ``texts/<sha256 of the text>.txt``, written atomically.

Content addressing makes a rerun (or a second worker with the same text) a no-op, and lets
workers store texts without asking the driver. Every reader checks a text against its name
(collect compares the bytes before reusing a file, extract checks the sha256), so the files
are not synced to disk one by one: after a power cut a damaged text is found and collected
again. This module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataset_builder.io import atomic_write_bytes, sha256_bytes


@dataclass(frozen=True)
class StoredText:
    sha256: str
    n_chars: int
    existed: bool  # the cache already held this text: nothing was written


def text_path(digest: str) -> str:
    """Where a text lives, relative to the work directory (the works table's text_path)."""
    return f"texts/{digest}.txt"


def store_text(workdir: str | Path, text: str) -> StoredText:
    """Write ``text`` into the cache unless an intact copy is already there."""
    return store_bytes(workdir, text.encode("utf-8"), len(text))


def store_bytes(
    workdir: str | Path, data: bytes, n_chars: int, digest: str | None = None
) -> StoredText:
    """``store_text`` for a text already encoded as UTF-8 (``digest``: its sha256, if known)."""
    digest = digest or sha256_bytes(data)
    target = Path(workdir) / text_path(digest)
    # Comparing bytes is ~10x faster than hashing the file again, and as strict.
    existed = target.is_file() and target.stat().st_size == len(data) and (
        target.read_bytes() == data
    )
    if not existed:
        atomic_write_bytes(target, data, durable=False)  # verified on every read instead
    return StoredText(digest, n_chars, existed)
