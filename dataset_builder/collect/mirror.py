"""Where raw Gutenberg files come from: a local folder, or an HTTP(S) mirror whose downloads
are cached under ``<workdir>/raw/`` with a manifest (sha256 + size) so that reruns resume."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from dataset_builder.collect.http import NotFound, PoliteFetcher
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_json, read_input, sha256_file

MANIFEST = "manifest.json"
_SAVE_EVERY = 25  # downloads between manifest saves; a lost entry only costs a re-download


class Mirror(Protocol):
    remote: bool

    def read(self, rel: str, refresh: bool = False) -> bytes | None:
        """The file's bytes, or None if the mirror does not have it."""
        ...

    def forget(self, rel: str) -> None:
        """Drop a cached copy that turned out unusable, so that a rerun fetches it again."""
        ...

    def describe(self, rel: str) -> str: ...

    def close(self) -> None: ...


class LocalMirror:
    remote = False

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UserError(
                f"{root}: mirror folder not found; pass a folder with Gutenberg's cache/epub/ "
                "layout or an http(s):// mirror URL."
            )
        self.root = root

    def read(self, rel: str, refresh: bool = False) -> bytes | None:
        path = self.root / rel
        return read_input(path, "the mirror file") if path.is_file() else None

    def forget(self, rel: str) -> None:
        pass

    def describe(self, rel: str) -> str:
        return str(self.root / rel)

    def close(self) -> None:
        pass


class RawCache:
    """Downloaded files under ``raw/`` and a manifest of their sha256 and size."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST
        self.entries: dict[str, dict[str, Any]] = {}
        self._unsaved = 0
        if self.path.exists():
            import json

            try:
                self.entries = json.loads(self.path.read_text(encoding="utf-8"))["files"]
            except (ValueError, KeyError, TypeError):
                self.entries = {}  # a damaged manifest only means re-downloading

    def valid(self, rel: str) -> bool:
        entry = self.entries.get(rel)
        path = self.root / rel
        if entry is None or not path.is_file() or path.stat().st_size != entry.get("size"):
            return False
        return sha256_file(path) == entry.get("sha256")

    def record(self, rel: str, url: str, sha256: str, size: int) -> None:
        fetched = datetime.now(UTC).isoformat(timespec="seconds")
        self.entries[rel] = {"url": url, "sha256": sha256, "size": size, "fetched": fetched}
        self._unsaved += 1
        if self._unsaved >= _SAVE_EVERY:
            self.save()

    def forget(self, rel: str) -> None:
        if self.entries.pop(rel, None) is not None:
            self._unsaved += 1
        (self.root / rel).unlink(missing_ok=True)

    def save(self) -> None:
        if self._unsaved:
            atomic_write_json(self.path, {"files": self.entries})
            self._unsaved = 0


class RemoteMirror:
    remote = True

    def __init__(self, base_url: str, workdir: Path, fetcher: PoliteFetcher) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.fetcher = fetcher
        self.cache = RawCache(workdir / "raw")

    def url(self, rel: str) -> str:
        return self.base_url + rel

    def read(self, rel: str, refresh: bool = False) -> bytes | None:
        dest = self.cache.root / rel
        if refresh or not self.cache.valid(rel):
            try:
                got = self.fetcher.fetch(self.url(rel), dest)
            except NotFound:
                return None
            self.cache.record(rel, self.url(rel), got.sha256, got.size)
        return dest.read_bytes()

    def forget(self, rel: str) -> None:
        self.cache.forget(rel)

    def describe(self, rel: str) -> str:
        return self.url(rel)

    def close(self) -> None:
        self.cache.save()
        self.fetcher.close()


def open_mirror(
    mirror: str | Path,
    workdir: str | Path,
    delay: float,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
) -> Mirror:
    text = str(mirror)
    if text.startswith(("http://", "https://")):
        fetcher = PoliteFetcher(delay=delay, retries=retries, backoff=backoff, timeout=timeout)
        return RemoteMirror(text, Path(workdir), fetcher)
    return LocalMirror(Path(text))
