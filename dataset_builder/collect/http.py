"""A polite HTTP fetcher for mirrors: one request at a time, a delay between requests,
retries with exponential backoff that honour Retry-After, and downloads that are written
atomically only after the body is complete (Content-Length checked)."""

from __future__ import annotations

import email.utils
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from dataset_builder import __version__, console
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_open

PROJECT_URL = "https://github.com/fictional-ai-personas/fictional-ai-personas"
USER_AGENT = f"fictional-ai-personas-builder/{__version__} (+{PROJECT_URL}; polite robot)"
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_CHUNK = 1 << 16
ANNOUNCE_WAIT = 1.0  # seconds: a retry wait at least this long is announced


class FetchError(UserError):
    """A download failed for good (after retries, or a status that retrying cannot fix)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(FetchError):
    pass


@dataclass(frozen=True)
class Download:
    path: Path
    sha256: str
    size: int


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Truncated(Exception):
    pass


class PoliteFetcher:
    """Fetch URLs to files, one at a time, at most one request per ``delay`` seconds."""

    def __init__(
        self,
        delay: float = 2.0,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: float = 30.0,
        max_wait: float = 300.0,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.delay, self.retries, self.backoff, self.max_wait = delay, retries, backoff, max_wait
        self.requests = 0
        self._last = float("-inf")
        # identity encoding: Content-Length then counts the very bytes we store.
        headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
        self._client = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout), follow_redirects=True
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self, at_least: float = 0.0) -> None:
        pause = max(self._last + self.delay - time.monotonic(), at_least)
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()

    def fetch(self, url: str, dest: Path) -> Download:
        """Download ``url`` to ``dest``; nothing is written unless the whole body arrived."""
        wait = 0.0
        problem = ""
        for attempt in range(self.retries + 1):
            self._wait_turn(wait)
            self.requests += 1
            try:
                return self._fetch_once(url, dest)
            except FetchError:
                raise
            except _Retry as exc:
                problem = exc.problem
                wait = exc.wait if exc.wait is not None else self.backoff * 2**attempt
            except Truncated as exc:
                problem = str(exc)
                wait = self.backoff * 2**attempt
            except httpx.RemoteProtocolError as exc:  # the body ended before Content-Length
                problem = f"truncated download ({exc})"
                wait = self.backoff * 2**attempt
            except httpx.TransportError as exc:  # reset, refused, timeout
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                wait = self.backoff * 2**attempt
            wait = min(wait, self.max_wait)
            if wait >= ANNOUNCE_WAIT and attempt < self.retries:
                # A Retry-After of minutes would otherwise look like a hang.
                console.info(f"{url}: {problem}; waiting {wait:.0f} s before attempt "
                             f"{attempt + 2} of {self.retries + 1}")
        raise FetchError(
            f"{url}: {problem} (gave up after {self.retries + 1} attempts); "
            "check the mirror, or rerun later — finished downloads are kept."
        )

    def _fetch_once(self, url: str, dest: Path) -> Download:
        with self._client.stream("GET", url) as response:
            status = response.status_code
            if status in (404, 410):
                raise NotFound(f"{url}: not found on the mirror (HTTP {status})", status)
            if status in _RETRY_STATUS:
                wait = _retry_after(response.headers.get("Retry-After"))
                raise _Retry(f"HTTP {status}", wait)
            if status != 200:
                raise FetchError(
                    f"{url}: HTTP {status} {response.reason_phrase}; check the mirror URL.", status
                )
            expected = response.headers.get("Content-Length")
            digest = hashlib.sha256()
            size = 0
            with atomic_open(dest, "wb") as handle:
                for chunk in response.iter_bytes(_CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                if expected is not None and expected.isdigit() and int(expected) != size:
                    # raising inside atomic_open discards the partial temp file
                    raise Truncated(f"truncated body: {size} of {expected} bytes")
        return Download(dest, digest.hexdigest(), size)


class _Retry(Exception):
    def __init__(self, problem: str, wait: float | None) -> None:
        super().__init__(problem)
        self.problem, self.wait = problem, wait
