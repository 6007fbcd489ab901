"""Atomic file writes and hashing: a crash never leaves a partial file behind."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dataset_builder.errors import UserError

if TYPE_CHECKING:
    import pyarrow as pa

_CHUNK = 1 << 20


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", durable: bool = True
) -> Iterator[IO[Any]]:
    """Open a temp file beside ``path``; rename it over ``path`` only if the block succeeds.

    ``durable`` syncs the file to disk before the rename, so that a power cut cannot leave an
    empty file in its place; caches whose readers verify the content may skip it (it costs
    ~1 ms per file).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        # mkstemp creates owner-only files; give the result the permissions of a normal write.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_dir_temp(prefix: str, parent: Path) -> Path:
    """A new hidden folder in ``parent`` to build a result in before renaming it into place,
    with the permissions of a normal mkdir (``tempfile.mkdtemp`` makes it owner-only, and a
    release folder would keep mode 0700 after the rename)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(folder, 0o777 & ~_umask())
    return folder


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    with atomic_open(path, "wb", durable) as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def atomic_write_parquet(path: str | os.PathLike[str], table: pa.Table, **kwargs: Any) -> None:
    """Write a parquet file atomically; extra keyword arguments go to ``pq.write_table``."""
    import pyarrow.parquet as pq  # here: worker processes use this module without pyarrow

    with atomic_open(path, "wb") as handle:
        pq.write_table(table, handle, **kwargs)


def read_input(path: Path, what: str = "the file") -> bytes:
    """The bytes of an input file; a file that exists but cannot be read is a UserError."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read {what} ({exc.strerror or exc}); check that it is "
                        "readable and rerun.") from exc


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
