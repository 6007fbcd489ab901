"""Find mentions of artificial minds in a text with one Aho-Corasick automaton.

The automaton holds every lexicon term and catalogue name in the few case variants books use
("robot", "Robot", "ROBOT"), so the text is scanned as it is, without lowering it first
(lowering alone would cost as much as the scan). It runs over the UTF-8 bytes of the text
(ahocorasick-rs, a DFA: ~10x faster than pyahocorasick over ``str``); byte offsets are turned
into character offsets only for the matches. Each raw match is then checked for word
boundaries and given context flags from the few hundred characters around it
(:mod:`.cues`); names the book introduces (:mod:`.names`) are searched with a second, small
automaton. The hit record is in :mod:`.hit`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

import ahocorasick_rs
import numpy as np

from dataset_builder.characters.name import Name
from dataset_builder.extract import lexicon as lx
from dataset_builder.extract.cues import flag_context
from dataset_builder.extract.hit import CHARACTER, INTRODUCED, LEXICON, Hit
from dataset_builder.extract.names import introduced_names, scope_names

_CATALOGUE_WEIGHT = 0.6
_INTRODUCED_WEIGHT = 0.5
MAX_WEIGHT = max(*lx.LEXICON.values(), _CATALOGUE_WEIGHT, _INTRODUCED_WEIGHT)


@dataclass(frozen=True)
class _Entry:
    kind: str
    term: str
    weight: float
    character_id: str | None = None
    work_id: str | None = None


def case_variants(surface: str) -> set[str]:
    """The spellings a book uses for a term: as given, lower, Capitalised, Title Case, UPPER."""
    if surface[:1].isupper():  # a proper name keeps its own case
        return {surface, surface.upper()}
    return {surface, surface[:1].upper() + surface[1:], surface.title(), surface.upper()}


class Matcher:
    """The lexicon plus catalogue names, compiled once and used for every work."""

    def __init__(self, names: Iterable[Name] = (), lexicon: dict[str, float] | None = None):
        entries: dict[str, list[_Entry]] = {}
        for term, weight in (lexicon or lx.LEXICON).items():
            for variant in case_variants(term):
                entries.setdefault(variant, []).append(_Entry(LEXICON, term, weight))
        for name in names:
            entry = _Entry(CHARACTER, name.surface, _CATALOGUE_WEIGHT, name.character_id,
                           name.work_id)
            for variant in case_variants(name.surface):
                entries.setdefault(variant, []).append(entry)
        entries.pop("", None)  # an empty surface matches nothing (and the automaton refuses it)
        self._keys = list(entries)
        self._entries = [tuple(entries[key]) for key in self._keys]
        self._automaton = _build(entries)

    def find(self, text: str, work_id: str, raw: bytes | None = None) -> list[Hit]:
        """Every hit in ``text`` of a lexicon term or a catalogue name scoped to ``work_id``
        (within the default :class:`Limits`; :meth:`scan` also says what they left out).

        ``raw`` is ``text`` encoded as UTF-8 when the caller has it (read from disk), which
        saves encoding the text again.
        """
        return self.scan(text, work_id, raw).hits

    def scan(self, text: str, work_id: str, raw: bytes | None = None,
             limits: Limits | None = None) -> Detection:
        """The hits of :meth:`find`, and the paragraphs where the limits stopped the scan."""
        raw = text.encode() if raw is None else raw
        limits = limits or Limits()
        detection = Detection()
        hits: list[Hit] = []
        for index, start in _bounded_matches(self._automaton, self._keys, text, raw, limits,
                                             detection):
            key, entries = self._keys[index], self._entries[index]
            end = start + len(key)
            for entry in entries:
                if entry.work_id is not None and entry.work_id != work_id:
                    continue  # a name scoped to another work (common-word aliases stay home)
                hits.append(Hit(start, end, key, entry.kind, entry.weight, entry.character_id))
                break
        hits = _drop_nested(hits)
        flag_context(text, hits)
        # Names are taken only from clean hits: "Hatch, the Thinking Machine" names no robot.
        introduced = introduced_names(text, [h for h in hits if not h.negative])
        if introduced:
            names = find_names(text, introduced, raw, limits, detection)
            flag_context(text, names)
            hits = _drop_nested(hits + names)
        scope_names(hits)
        detection.hits = hits
        return detection


@dataclass(frozen=True)
class Limits:
    """Bounds on the work spent on one text, so that a degenerate input (one line repeated
    for megabytes, a table of terms) costs time in proportion to its size and little memory.

    The longest paragraph of the real shelf has ~2,700 words and the densest of its 224
    books ~500 hits, so the defaults never bind on prose.
    """

    per_paragraph: int = 1_000  # hits kept in one paragraph; the rest of it is skipped
    per_work: int = 50_000  # hits kept in one work (100x the densest book); the rest unread


@dataclass
class Detection:
    hits: list[Hit] = field(default_factory=list)
    # (character offset, length in bytes) of paragraphs cut short by Limits.per_paragraph
    capped_paragraphs: list[tuple[int, int]] = field(default_factory=list)
    work_capped_at: int | None = None  # character offset where Limits.per_work stopped it

    def limits_note(self, work_id: str, limits: Limits | None = None) -> str | None:
        """One line for the user when the limits left part of the text unscanned."""
        limits = limits or Limits()
        parts = []
        if self.capped_paragraphs:
            at, size = self.capped_paragraphs[0]
            parts.append(
                f"{len(self.capped_paragraphs)} paragraph(s) hold more than "
                f"{limits.per_paragraph:,} AI terms (the first at character {at:,}, "
                f"{size / 1e6:.1f} MB long): only the first {limits.per_paragraph:,} of each "
                "were used"
            )
        if self.work_capped_at is not None:
            parts.append(f"the text after character {self.work_capped_at:,} was not scanned "
                         f"(more than {limits.per_work:,} AI terms)")
        if not parts:
            return None
        return (f"work {work_id}: " + "; ".join(parts) + " (a list, a table, one line "
                "repeated?). Check its text in the work directory.")


def _build(entries: dict[str, list[_Entry]]) -> ahocorasick_rs.BytesAhoCorasick:
    # Catalogue names first: "the robot" scoped to a work is more specific than "robot".
    for items in entries.values():
        items.sort(key=lambda e: (e.kind != CHARACTER, e.work_id is None))
    # The DFA is the fastest of the crate's automata (~350 MB/s here against ~85 MB/s for the
    # default NFA) at a memory cost that is small for a few thousand patterns.
    return ahocorasick_rs.BytesAhoCorasick(
        [key.encode() for key in entries], implementation=ahocorasick_rs.Implementation.DFA
    )


_CHUNK_BYTES = 1 << 20  # scanned at once: the matches of one chunk are one Python list
_START = itemgetter(1)  # of a match (pattern index, start, end)
_PARAGRAPH_BREAK = re.compile(rb"\n[ \t]*\n")  # where segment.paragraphs cuts, in bytes


def _continuations(data: memoryview) -> np.ndarray:
    """Positions of UTF-8 continuation bytes (10xxxxxx): every other byte starts a character."""
    return np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) == 0x80)


def _n_chars(raw: bytes, start: int, end: int) -> int:
    """Characters in ``raw[start:end]`` (both at character starts), counted chunk by chunk."""
    if raw.isascii():
        return end - start
    n = 0
    for at in range(start, end, _CHUNK_BYTES):
        part = memoryview(raw)[at:min(end, at + _CHUNK_BYTES)]
        n += len(part) - len(_continuations(part))
    return n


class _Paragraphs:
    """The byte span of the paragraph holding a position, for positions given in order.

    Paragraphs end at the breaks ``_PARAGRAPH_BREAK.finditer`` finds. A book has thousands of
    paragraphs and a few hundred hits, so breaks are looked for only from the hits: the break
    closing the paragraph of a position ``p`` is the first break found searching from ``p``
    (no break found from the last known one starts before ``p``, and a break is made of
    ``\\n``, spaces and tabs, so one cannot begin before a position that is none of those and
    end after it). The paragraph's ``start`` is wanted only when a paragraph is capped: it is
    found then, by going through the breaks between the last one known and ``p``.
    """

    def __init__(self, raw: bytes):
        self._raw = raw
        self._size = len(raw)
        self._known = 0  # where finditer would resume: 0 or the end of a break it finds
        self._start: int | None = 0
        self.end, self.next = 0, 0
        self._close_at(0)

    def _close_at(self, position: int) -> None:
        """Make ``end`` and ``next`` the span of the first break found from ``position``."""
        brk = _PARAGRAPH_BREAK.search(self._raw, position)
        self.end, self.next = (brk.start(), brk.end()) if brk else (self._size, self._size)

    @property
    def start(self) -> int:
        if self._start is None:  # the end of the last break before ``end``
            self._start = self._known
            for brk in _PARAGRAPH_BREAK.finditer(self._raw, self._known, self.end):
                self._start = brk.end()
        return self._start

    def move_to(self, position: int) -> bool:
        """Make the paragraph the one holding ``position``; True if it changed."""
        if position < self.end or self.next >= self._size:
            return False
        if self._raw[position] in b"\n \t":  # maybe inside a break: step break by break
            while position >= self.end and self.next < self._size:
                self._known = self._start = self.next
                self._close_at(self.next)
            return True
        self._known, self._start = self.next, None
        self._close_at(position)
        return True


def _bounded_matches(automaton: ahocorasick_rs.BytesAhoCorasick, keys: list[str], text: str,
                     raw: bytes, limits: Limits, detection: Detection,
                     ) -> Iterator[tuple[int, int]]:
    """(key index, character start) of every match of ``automaton`` over the text's bytes
    that stands as a whole word, in text order, within ``limits``.

    The bytes are scanned a chunk at a time, so memory holds one chunk's matches; a paragraph
    that reaches ``limits.per_paragraph`` is skipped to its end without being scanned, so the
    work per paragraph is bounded and the whole scan is linear in the text.
    """
    ascii_text = raw.isascii()
    overlap = max((len(key.encode()) for key in keys), default=1) - 1
    para = _Paragraphs(raw)
    in_paragraph = total = 0
    pos, chars_before = 0, 0  # byte offset of the chunk and the characters before it
    while pos < len(raw):
        end = min(len(raw), pos + _CHUNK_BYTES)
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # chunks end between characters
            end -= 1
        view = memoryview(raw)[pos:min(len(raw), end + overlap)]
        # Overlapping matches come in order of their ends; the ones starting past the chunk
        # are found again with the next chunk.
        matches = automaton.find_matches_as_indexes(view, overlapping=True)
        if end < len(raw):
            matches = [m for m in matches if m[1] < end - pos]
        matches.sort(key=_START)
        # A paragraph can reach the cap only if the text has that many matches: a text
        # scanned in one chunk (nearly every book) with fewer needs no paragraphs at all.
        track = pos > 0 or end < len(raw) or len(matches) >= limits.per_paragraph
        continuations = None if ascii_text else _continuations(view)
        if continuations is None:
            starts = [chars_before + m[1] for m in matches]
        else:
            at = np.asarray([m[1] for m in matches], dtype=np.int64)
            starts = (chars_before + at - np.searchsorted(continuations, at)).tolist()
        resume = end
        for (index, byte_start, _), start in zip(matches, starts, strict=True):
            if track and para.move_to(pos + byte_start):
                in_paragraph = 0
            if not _word_bounded(text, start, start + len(keys[index])):
                continue
            if total >= limits.per_work:
                detection.work_capped_at = start
                return
            if in_paragraph >= limits.per_paragraph:
                detection.capped_paragraphs.append(
                    (start - _n_chars(raw, para.start, pos + byte_start), para.end - para.start))
                resume = max(para.next, pos + byte_start + 1)
                break
            in_paragraph += 1
            total += 1
            yield index, start
        if continuations is not None and resume == end:  # counted already: no second pass
            chars_before += end - pos - int(np.searchsorted(continuations, end - pos))
        else:
            chars_before += _n_chars(raw, pos, resume)
        pos = resume


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Keep the longest of overlapping hits ("thinking machine" over a nested "machine")."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


def find_names(text: str, names: dict[str, str], raw: bytes | None = None,
               limits: Limits | None = None, detection: Detection | None = None) -> list[Hit]:
    """Occurrences of the introduced names (a small second automaton, built per work)."""
    raw = text.encode() if raw is None else raw
    keys = sorted({variant for name in names for variant in (name, name.upper())})
    automaton = ahocorasick_rs.BytesAhoCorasick([key.encode() for key in keys])
    return [Hit(start, start + len(keys[index]), keys[index], INTRODUCED, _INTRODUCED_WEIGHT)
            for index, start in _bounded_matches(automaton, keys, text, raw,
                                                 limits or Limits(), detection or Detection())]
