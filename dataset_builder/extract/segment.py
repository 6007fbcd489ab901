"""Cut paragraph-aligned windows around the hits of one work.

A window is a run of whole paragraphs: it starts at the paragraph of a hit, takes in the
paragraphs of the following hits while it stays within ``max_words``, then grows with
neighbouring paragraphs until it reaches ``min_words``. Windows never overlap (hits close
together share one window), so merging happens as they are built. A paragraph longer than
``max_words`` is cut at sentence ends (and, failing those, between words).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]_]*\s+")
_WORD = re.compile(r"\S+")
_start = itemgetter(0)  # of a (start, end) span: the key for bisecting span lists


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    n_words: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank paragraph, without its surrounding whitespace."""
    return [_stripped(text, a, b) for a, b in _raw_paragraphs(text) if text[a:b].strip()]


def _raw_paragraphs(text: str, until: int | None = None,
                    then: int = 0) -> list[tuple[int, int]]:
    """Spans between blank lines. Only the first and last can be blank or carry surrounding
    whitespace besides trailing spaces, so windows strip just their own two ends.

    With ``until``, the paragraphs stop ``then`` paragraphs after the one holding ``until``,
    and the rest of the text is one last span: windows never reach it, and a text of a
    million short lines after its last hit costs nothing more.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    after = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, brk.start()))
        pos = brk.end()
        if until is not None and pos > until:
            after += 1
            if after > then:
                break
    spans.append((pos, len(text)))
    return spans


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def count_words(text: str, start: int = 0, end: int | None = None) -> int:
    return len(text[start:end].split())


def count_words_upto(text: str, start: int, end: int, limit: int) -> int:
    """``count_words`` of ``text[start:end]``, or ``limit`` if there are at least that many:
    a unit too long for any window costs no more to count than a window."""
    if end - start <= 8 * limit:  # too short to hold more than ~limit words: count them all
        return min(limit, count_words(text, start, end))
    n = 0
    for _ in _WORD.finditer(text, start, end):
        n += 1
        if n >= limit:
            break
    return n


_PAD_CHARS_PER_WORD = 30  # generous: prose averages ~6 characters a word
_SPACE = re.compile(r"\s")


def _split_long(text: str, start: int, end: int, max_words: int,
                hits: list[int]) -> list[tuple[int, int]]:
    """Units of an oversized paragraph: sentences (word chunks for sentences still too long)
    near its hits, and each stretch out of a window's reach of every hit as one unit.

    Only the parts within reach of a window around the hits are cut, so a paragraph of
    megabytes (a text without blank lines) costs no more than the windows cut from it.
    """
    reach = max_words * _PAD_CHARS_PER_WORD
    out: list[tuple[int, int]] = []
    pos = start  # everything before pos is in ``out``
    for lo, hi in _near(text, start, end, sorted(hits), reach):
        if lo > pos:
            out.append((pos, lo))
        out += _sentences(text, lo, hi, max_words)
        pos = hi
    if pos < end:
        out.append((pos, end))
    return [(a, b) for a, b in out if b > a]


def _near(text: str, start: int, end: int, hits: list[int],
          reach: int) -> list[tuple[int, int]]:
    """The merged stretches of ``text[start:end]`` within ``reach`` characters of a hit,
    widened to the next whitespace so that no word is cut."""
    spans: list[tuple[int, int]] = []
    for h in hits:
        lo, hi = max(start, h - reach), min(end, h + reach)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    out = []
    for lo, hi in spans:
        if lo > start:
            space = _SPACE.search(text, lo, end)
            lo = space.start() if space else start
        if hi < end:
            space = _SPACE.search(text, hi, end)
            hi = space.start() if space else end
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _sentences(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at sentence ends, and in word chunks where a sentence is longer
    than ``max_words``."""
    units: list[tuple[int, int]] = []
    pos = start
    for brk in _SENTENCE_END.finditer(text, start, end):
        units.append((pos, brk.start()))
        pos = brk.end()
    if pos < end:
        units.append((pos, end))
    out: list[tuple[int, int]] = []
    for a, b in units:
        if count_words_upto(text, a, b, max_words + 1) <= max_words:
            out.append((a, b))
            continue
        words = [m.span() for m in _WORD.finditer(text, a, b)]
        for i in range(0, len(words), max_words):
            chunk = words[i:i + max_words]
            out.append((chunk[0][0], chunk[-1][1]))
    return out


def units(text: str, hit_starts: list[int], max_words: int) -> list[tuple[int, int]]:
    """The spans windows are made of: every paragraph, with the paragraphs that hold hits and
    are longer than ``max_words`` cut into sentences (see ``_split_long``)."""
    # Padding takes at most max_words paragraphs (each has a word) after the last hit.
    paras = _raw_paragraphs(text, max(hit_starts, default=0), max_words + 1)
    in_para: dict[int, list[int]] = {}
    for h in hit_starts:
        in_para.setdefault(max(0, bisect.bisect_right(paras, h, key=_start) - 1), []).append(h)
    # Only paragraphs with hits are looked at; the others are copied over in slices.
    out: list[tuple[int, int]] = []
    done = 0
    for i in sorted(in_para):
        a, b = paras[i]
        # A word and a separator take two characters: shorter paragraphs need no count.
        if b - a > 2 * max_words and count_words_upto(text, a, b, max_words + 1) > max_words:
            out += paras[done:i]
            out += _split_long(text, a, b, max_words, in_para[i])
            done = i + 1
    out += paras[done:]
    return out


def windows(
    text: str, hit_starts: list[int], min_words: int = 150, max_words: int = 400
) -> list[Window]:
    """Non-overlapping paragraph-aligned windows covering every hit position."""
    if not hit_starts:
        return []
    units_ = units(text, hit_starts, max_words)
    unit_words: dict[int, int] = {}

    def words(i: int) -> int:
        # Capped: a unit longer than max_words never joins a window, so its exact length is
        # never needed (and a paragraph of megabytes is not counted to its end).
        if i not in unit_words:
            unit_words[i] = count_words_upto(text, *units_[i], max_words + 1)
        return unit_words[i]

    targets = sorted({max(0, bisect.bisect_right(units_, h, key=_start) - 1) for h in hit_starts})
    spans: list[tuple[int, int, int]] = []
    k = 0
    while k < len(targets):
        lo = hi = targets[k]
        total = words(lo)
        k += 1
        # Take in the following hits while the window stays within the target length.
        while k < len(targets):
            extra = 0
            for i in range(hi + 1, targets[k] + 1):  # stop counting as soon as it is too long
                extra += words(i)
                if total + extra > max_words:
                    break
            if total + extra > max_words:
                break
            total += extra
            hi = targets[k]
            k += 1
        floor = spans[-1][1] + 1 if spans else 0
        ceiling = targets[k] - 1 if k < len(targets) else len(units_) - 1
        lo, hi, total = _pad(lo, hi, total, floor, ceiling, words, min_words, max_words)
        spans.append((lo, hi, total))
    out = []
    for lo, hi, total in spans:
        start, end = _stripped(text, units_[lo][0], units_[hi][1])
        out.append(Window(start, end, total))
    return out


def _pad(
    lo: int, hi: int, total: int, floor: int, ceiling: int,
    words: Callable[[int], int], min_words: int, max_words: int,
) -> tuple[int, int, int]:
    """Grow [lo, hi] with neighbours, after then before, until min_words (never past max)."""
    grow_after = True
    blocked = {True: False, False: False}
    while total < min_words and not (blocked[True] and blocked[False]):
        nxt = hi + 1 if grow_after else lo - 1
        ok = (nxt <= ceiling) if grow_after else (nxt >= floor)
        if ok and total + words(nxt) <= max_words:
            total += words(nxt)
            if grow_after:
                hi = nxt
            else:
                lo = nxt
        else:
            blocked[grow_after] = True
        if not blocked[not grow_after]:
            grow_after = not grow_after
    return lo, hi, total
