"""Link exact and near-duplicate passages (the same story printed in two collections).

Exact copies share ``text_sha256``. Near copies are found with MinHash over word 5-shingles and
locality-sensitive hashing by bands (the scheme of datasketch and datatrove's MinhashDedup,
written here in a few lines of numpy to avoid a dependency): passages that share a band are
compared by their estimated Jaccard similarity. Every member of a group points at the group's
first passage in (work_id, char_start) order, which itself keeps ``duplicate_of`` = None.

The hashes are deterministic (polynomial hashing, fixed seeds), so the links are the same in
every process and on every executor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.5 Jaccard become candidates
SHINGLE = 5
THRESHOLD = 0.7
_rng = np.random.RandomState(1)  # fixed: signatures must match across runs and processes
_A = _rng.randint(0, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.randint(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_SEPARATORS = re.compile(r"[\W_]+")  # what lies between words (words are runs of [^\W_])
# For ASCII text the words are runs of [a-z0-9] once lowered: the rest becomes a space.
_ASCII_SEPARATORS = bytes(
    c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256)
)


def _words(text: str) -> bytes:
    """The lowered words of ``text`` joined by single spaces, as UTF-8."""
    if text.isascii():  # bytes methods do it in C, ~3x faster than the regex
        return b" ".join(text.encode().lower().translate(_ASCII_SEPARATORS).split())
    return _SEPARATORS.sub(" ", text.lower()).strip(" ").encode()


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64 (numpy integer arithmetic wraps); cached, grown by
    doubling, so a signature costs no cumprod."""
    cached = _POWERS.get(base)
    if cached is None or len(cached) < n:
        size = max(n, 2 * len(cached) if cached is not None else 4096)
        out = np.full(size, base, dtype=np.uint64)
        out[0] = 1
        cached = _POWERS[base] = np.cumprod(out, dtype=np.uint64)
    return cached[:n]


_BASE = 1099511628211  # odd, so it has an inverse modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)


def signature(text: str) -> np.ndarray:
    """MinHash signature (uint32, NUM_PERM values) of the word 5-shingles of ``text``.

    Every shingle is hashed as a polynomial over its bytes in O(1) from prefix sums, so the
    whole signature is a handful of numpy operations, with no Python loop over words.
    """
    data = np.frombuffer(_words(text), dtype=np.uint8).astype(np.uint64)
    n = len(data)
    if n == 0:
        data, n = np.zeros(1, dtype=np.uint64), 1
    # prefix[i] = sum_{j<i} c_j * B^-j; hash(a, b) = (prefix[b] - prefix[a]) * B^(b-1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(data * _powers(_BASE_INV, n), dtype=np.uint64, out=prefix[1:])
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [n]))
    k = min(SHINGLE, len(starts))
    a, b = starts[: len(starts) - k + 1], ends[k - 1:]
    shingles = (prefix[b] - prefix[a]) * _powers(_BASE, n)[b - 1]
    shingles = np.unique(shingles)
    # Multiply-shift hashing (odd multipliers, wrapping arithmetic): no slow modulo.
    permuted = np.multiply.outer(shingles, _A)
    permuted += _B
    # The shift is monotonic, so it is taken once, after the minimum.
    return (permuted.min(axis=0) >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class Key:
    """What dedup needs to know of a passage (the text itself stays on disk)."""

    passage_id: str
    text_sha256: str
    signature: bytes


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash values."""
    return float(np.mean(a == b))


def duplicate_links(keys: Iterable[Key], threshold: float = THRESHOLD) -> dict[str, str]:
    """``{passage_id: passage_id of the kept copy}`` for every duplicate, in input order."""
    items = list(keys)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:  # the earlier passage stays the representative
            parent[max(a, b)] = min(a, b)

    first_by_sha: dict[str, int] = {}
    for i, item in enumerate(items):
        union(i, first_by_sha.setdefault(item.text_sha256, i))
    if items:
        sigs = np.stack([np.frombuffer(k.signature, dtype=np.uint32) for k in items])
        rows = NUM_PERM // BANDS
        for band in range(BANDS):
            buckets: dict[bytes, int] = {}
            chunk = sigs[:, band * rows:(band + 1) * rows]
            for i in range(len(items)):
                key = chunk[i].tobytes()
                j = buckets.setdefault(key, i)
                if j != i and root(i) != root(j) and _similarity(sigs[i], sigs[j]) >= threshold:
                    union(i, j)
    links: dict[str, str] = {}
    for i, item in enumerate(items):
        r = root(i)
        if r != i:
            links[item.passage_id] = items[r].passage_id
    return links

