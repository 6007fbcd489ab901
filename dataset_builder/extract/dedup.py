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
from collections.abc import Iterable, Iterator
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


# Typographic punctuation that makes most book text non-ASCII; none of it is part of a word.
_MARKS = tuple(mark.encode() for mark in "“”‘’—–…")


def _words(text: str) -> bytes:
    """The lowered words of ``text`` joined by single spaces, as UTF-8."""
    if text.isascii():  # bytes methods do it in C, ~3x faster than the regex
        return b" ".join(text.encode().lower().translate(_ASCII_SEPARATORS).split())
    # Curly quotes and dashes become spaces; if that leaves ASCII, the bytes methods apply.
    lowered = text.lower().encode()
    for mark in _MARKS:
        if mark in lowered:
            lowered = lowered.replace(mark, b" ")
    if lowered.isascii():
        return b" ".join(lowered.translate(_ASCII_SEPARATORS).split())
    return _SEPARATORS.sub(" ", text.lower()).strip(" ").encode()


def _words_of(texts: list[str]) -> list[bytes]:
    """``[_words(text) for text in texts]``, with the runs of separators of the ASCII texts
    collapsed in one numpy pass over all of them (``split`` + ``join`` text by text cost
    three times as much)."""
    if not texts:
        return []
    # An ASCII text's words are separated by runs of spaces once translated; other texts get
    # _words itself, whose output has single spaces already. No part holds a newline.
    parts = [text.encode().lower().translate(_ASCII_SEPARATORS) if text.isascii()
             else _words(text) for text in texts]
    data = np.frombuffer(b"\n".join(parts), dtype=np.uint8)
    space = data == 32
    word = ~space & (data != 10)
    # A space right after a word byte starts a run between words or at a text's end: keep it
    # alone; then drop the ones that end a text.
    keep = ~space
    keep[1:] |= word[:-1]
    data = data[keep]
    trailing = data == 32
    trailing[:-1] &= data[1:] == 10
    return data[~trailing].tobytes().split(b"\n")


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
    """MinHash signature (uint32, NUM_PERM values) of the word 5-shingles of ``text``."""
    return signatures([text])[0]


_EMPTY = (_B >> np.uint64(32)).astype(np.uint32)  # the signature of a text without words
_CHUNK_SHINGLES = 8192  # shingles hashed at once: the (NUM_PERM x shingles) array stays in cache


def signatures(texts: list[str]) -> np.ndarray:
    """MinHash signatures of many texts at once, one row each (``len(texts)`` x NUM_PERM).

    Every shingle is hashed as a polynomial over its bytes in O(1) from prefix sums over all
    the texts' words laid end to end, and each text's minimum is one ``minimum.reduceat``: a
    work's passages cost a handful of numpy calls together rather than each.
    """
    out = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
    words = _words_of(texts)
    chunk: list[int] = []
    size = 0
    for i, w in enumerate(words):
        if not w:
            out[i] = _EMPTY
            continue
        chunk.append(i)
        size += len(w) // 2 + 1
        if size >= _CHUNK_SHINGLES:
            out[chunk] = _signatures([words[j] for j in chunk])
            chunk, size = [], 0
    if chunk:
        out[chunk] = _signatures([words[j] for j in chunk])
    return out


def _signatures(words: list[bytes]) -> np.ndarray:
    """Signatures of non-empty word strings (see ``_words``)."""
    data = np.frombuffer(b" ".join(words), dtype=np.uint8).astype(np.uint64)
    n = len(data)
    # prefix[i] = sum_{j<i} c_j * B^-j; hash(a, b) = (prefix[b] - prefix[a]) * B^(b-1) does not
    # depend on where the shingle lies, so the texts can share one array.
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(data * _powers(_BASE_INV, n), dtype=np.uint64, out=prefix[1:])
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [n]))
    n_words = np.array([w.count(b" ") + 1 for w in words], dtype=np.int64)
    first_word = np.concatenate(([0], np.cumsum(n_words)[:-1]))
    k = np.minimum(SHINGLE, n_words)  # a text shorter than a shingle is one shingle
    n_shingles = n_words - k + 1
    first_shingle = np.concatenate(([0], np.cumsum(n_shingles)[:-1]))
    # Word index of every shingle's first word, text by text.
    at = np.arange(int(n_shingles.sum())) - np.repeat(first_shingle - first_word, n_shingles)
    a, b = starts[at], ends[at + np.repeat(k, n_shingles) - 1]
    shingles = (prefix[b] - prefix[a]) * _powers(_BASE, n)[b - 1]
    # Multiply-shift hashing (odd multipliers, wrapping arithmetic): no slow modulo. One row
    # per permutation, so each minimum runs over contiguous memory (~4x faster than columns).
    permuted = np.multiply.outer(_A, shingles)
    permuted += _B[:, None]
    # The shift is monotonic, so it is taken once, after the minimum.
    minima = np.minimum.reduceat(permuted, first_shingle, axis=1)
    return (minima.T >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class Key:
    """What dedup needs to know of a passage (the text itself stays on disk)."""

    passage_id: str
    text_sha256: str
    signature: bytes


def _first_of_group(columns: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row equal to it (itself if it is the first)."""
    order = np.lexsort(columns.T[::-1])  # stable: equal rows keep their input order
    ordered = columns[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    first = np.empty(len(order), dtype=np.int64)
    first[order] = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return first


def band_candidates(sigs: np.ndarray,
                    same_text: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per LSH band, (passages, the passage each one is compared with).

    Each passage is compared only with the first passage of its band's group, never with
    every member: a work printing the same page a thousand times costs a thousand
    comparisons per band, not half a million.
    """
    n = len(sigs)
    rows = NUM_PERM // BANDS
    for band in range(BANDS):
        first = _first_of_group(sigs[:, band * rows:(band + 1) * rows])
        # A passage whose band-first is its text-first is joined to it already.
        candidate = np.flatnonzero((first != np.arange(n)) & (first != same_text))
        yield candidate, first[candidate]


def duplicate_links(keys: Iterable[Key], threshold: float = THRESHOLD) -> dict[str, str]:
    """``{passage_id: passage_id of the kept copy}`` for every duplicate, in input order.

    A passage is joined to the first passage with the same text, and to the first passage
    that shares one of its LSH bands if their estimated similarity reaches ``threshold``;
    groups are the connected components of those joins. The grouping is done with numpy
    sorts, so linking a million passages takes seconds, not a Python loop per band.
    """
    items = list(keys)
    if not items:
        return {}
    n = len(items)
    sigs = np.frombuffer(b"".join(k.signature for k in items), dtype=np.uint32)
    sigs = sigs.reshape(n, NUM_PERM)
    digests = np.array([k.text_sha256 for k in items])
    _, first_index, inverse = np.unique(digests, return_index=True, return_inverse=True)
    same_text = first_index[inverse]
    sources, targets = [np.arange(n)], [same_text]
    for candidate, first in band_candidates(sigs, same_text):
        similar = (sigs[candidate] == sigs[first]).mean(axis=1) >= threshold
        sources.append(candidate[similar])
        targets.append(first[similar])
    edges = np.unique(np.stack([np.concatenate(sources), np.concatenate(targets)], axis=1),
                      axis=0)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in edges.tolist():
        a, b = root(i), root(j)
        if a != b:  # the earlier passage stays the representative
            parent[max(a, b)] = min(a, b)
    return {item.passage_id: items[root(i)].passage_id
            for i, item in enumerate(items) if root(i) != i}
