"""Find mentions of artificial minds in a text with one Aho-Corasick automaton.

The automaton holds every lexicon term and catalogue name in the few case variants books use
("robot", "Robot", "ROBOT"), so the text is scanned as it is, without lowering it first
(lowering alone would cost as much as the scan). It runs over the UTF-8 bytes of the text
(ahocorasick-rs, a DFA: ~10x faster than pyahocorasick over ``str``); byte offsets are turned
into character offsets only for the matches. Each raw match is then checked for word
boundaries and given context flags from the few hundred characters around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick_rs
import numpy as np

from dataset_builder.extract import lexicon as lx

# Evidence kinds written to passages.evidence.
LEXICON = "lexicon"
CHARACTER = "character"
INTRODUCED = "introduced_name"

# Flags that mark a hit as probably not an artificial mind.
NEGATIVE_FLAGS = frozenset(
    {"metaphor", "mechanism", "human_computer", "tool", "nickname", "heading"}
)

_CONTEXT = 240  # characters looked at on each side of a hit for cues
_CATALOGUE_WEIGHT = 0.6
_INTRODUCED_WEIGHT = 0.5
MAX_WEIGHT = max(*lx.LEXICON.values(), _CATALOGUE_WEIGHT, _INTRODUCED_WEIGHT)


@dataclass(frozen=True)
class Name:
    """A catalogue surface to search for; ``work_id`` None means every work."""

    surface: str
    character_id: str
    work_id: str | None


@dataclass(frozen=True)
class _Entry:
    kind: str
    term: str
    weight: float
    character_id: str | None = None
    work_id: str | None = None


@dataclass
class Hit:
    start: int
    end: int
    term: str  # the text as it appears in the book
    kind: str
    weight: float
    character_id: str | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def negative(self) -> bool:
        return bool(self.flags & NEGATIVE_FLAGS)


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
        """Every hit in ``text`` of a lexicon term or a catalogue name scoped to ``work_id``.

        ``raw`` is ``text`` encoded as UTF-8 when the caller has it (read from disk), which
        saves encoding the text again.
        """
        offsets = _Offsets(text.encode() if raw is None else raw)
        hits: list[Hit] = []
        for index, start in _bounded_matches(self._automaton, self._keys, text, offsets):
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
            names = find_names(text, introduced, offsets)
            flag_context(text, names)
            hits = _drop_nested(hits + names)
        return hits


class _Offsets:
    """Character offsets of byte offsets in a UTF-8 text (a char starts at every byte that is
    not a continuation byte 10xxxxxx); the continuation bytes are located once per text."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self._continuations: np.ndarray | None = None

    def chars(self, positions: list[int]) -> list[int]:
        if not positions or self.raw.isascii():
            return positions
        if self._continuations is None:
            data = np.frombuffer(self.raw, dtype=np.uint8)
            self._continuations = np.flatnonzero((data & 0xC0) == 0x80)
        at = np.asarray(positions, dtype=np.int64)
        return (at - np.searchsorted(self._continuations, at)).tolist()


def _build(entries: dict[str, list[_Entry]]) -> ahocorasick_rs.BytesAhoCorasick:
    # Catalogue names first: "the robot" scoped to a work is more specific than "robot".
    for items in entries.values():
        items.sort(key=lambda e: (e.kind != CHARACTER, e.work_id is None))
    # The DFA is the fastest of the crate's automata (~350 MB/s here against ~85 MB/s for the
    # default NFA) at a memory cost that is small for a few thousand patterns.
    return ahocorasick_rs.BytesAhoCorasick(
        [key.encode() for key in entries], implementation=ahocorasick_rs.Implementation.DFA
    )


def _bounded_matches(automaton: ahocorasick_rs.BytesAhoCorasick, keys: list[str], text: str,
                     offsets: _Offsets) -> Iterator[tuple[int, int]]:
    """(key index, character start) of every match of ``automaton`` over the text's bytes
    that stands as a whole word."""
    matches = automaton.find_matches_as_indexes(offsets.raw, overlapping=True)
    starts = offsets.chars([m[1] for m in matches])
    for (index, _, _), start in zip(matches, starts, strict=True):
        if _word_bounded(text, start, start + len(keys[index])):
            yield index, start


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


def introduced_names(text: str, hits: list[Hit]) -> dict[str, str]:
    """Names the book attaches to a lexicon term: "the robot, Jerry," / "Jerry, the robot"."""
    names: dict[str, str] = {}
    for hit in hits:
        term = hit.term.lower()
        if hit.kind != LEXICON or term in lx.PLURAL_TERMS:
            continue
        found = []
        after = lx.INTRO_AFTER.match(text, hit.end, min(len(text), hit.end + 60))
        if after is not None:
            found.append(after.group(1) or after.group(2))
        if lx.INTRO_BEFORE_CLOSE.match(text, hit.end):
            before = lx.INTRO_BEFORE.search(text, max(0, hit.start - 60), hit.start)
            if before is not None:
                found.append(before.group(1))
        for name in found:
            if _plausible_name(name):
                names.setdefault(name, term)
    return names


def _plausible_name(name: str) -> bool:
    first = name.split()[0].split("-")[0]
    if first in lx.NOT_NAMES or name.lower() in lx.LEXICON or len(name) < 2:
        return False
    # All-caps words are headings or shouting, unless code-like ("HAL 9000", "B-12").
    return not name.isupper() or any(c.isdigit() for c in name)


def find_names(text: str, names: dict[str, str], offsets: _Offsets | None = None) -> list[Hit]:
    """Occurrences of the introduced names (a small second automaton, built per work)."""
    offsets = offsets or _Offsets(text.encode())
    keys = sorted({variant for name in names for variant in (name, name.upper())})
    automaton = ahocorasick_rs.BytesAhoCorasick([key.encode() for key in keys])
    return [Hit(start, start + len(keys[index]), keys[index], INTRODUCED, _INTRODUCED_WEIGHT)
            for index, start in _bounded_matches(automaton, keys, text, offsets)]


# Cheap tests that rule out most hits before the slower cue regexes run. Each may say "maybe"
# wrongly but never "no" when the regex would match (tests/test_extract_prefilters.py), so the
# flags are exactly the regexes'. In ASCII windows IGNORECASE is plain lowering; other windows
# (long s, Kelvin sign...) always go to the regex.
_METAPHOR_TOKENS = frozenset({"a", "an", "some", "mere"})
_AGENCY_VERB_SET = frozenset(lx.AGENCY_VERBS.split("|"))
_WORDS = re.compile(r"\w+")


def maybe_metaphor(window: str) -> bool:
    """METAPHOR_BEFORE ends with "a|an|some" or "mere", then at most one more word."""
    if not window.isascii():
        return True
    return not _METAPHOR_TOKENS.isdisjoint(window.lower().split()[-2:])


def maybe_agency_before(window: str) -> bool:
    """AGENCY_BEFORE ends with a verb, then at most an article and one more word."""
    if not window.isascii():
        return True
    # After the verb come only whitespace and at most two more words (an article, a word).
    return not _AGENCY_VERB_SET.isdisjoint(_WORDS.findall(window.lower())[-3:])


# The keys of the context cues, each found with one scan of the context (not one per key).
_MECHANISM_KEYS = ahocorasick_rs.AhoCorasick(list(lx.MECHANISM_KEYS))
_NICKNAME_KEYS = ahocorasick_rs.AhoCorasick(list(lx.NICKNAME_KEYS))


def maybe_mechanism(context: str) -> bool:
    """MECHANISM_CUES (searched in a lowered context) contains one of its keys."""
    return bool(_MECHANISM_KEYS.find_matches_as_indexes(context))


def maybe_nickname(context: str) -> bool:
    """NICKNAME_CUES (searched in a lowered context) contains one of its keys."""
    return bool(_NICKNAME_KEYS.find_matches_as_indexes(context))


def _is_metaphor(text: str, hit: Hit) -> bool:
    window = text[max(0, hit.start - 40):hit.start]
    return maybe_metaphor(window) and bool(lx.METAPHOR_BEFORE.search(window))


def acts(text: str, hit: Hit) -> bool:
    """Whether the hit speaks, thinks or decides ("the robot said", "asked Tik-Tok").

    Asked by the scorer only for clean hits, and only until one in a window acts: most hits
    never need it."""
    if lx.AGENCY_AFTER.match(text, hit.end, hit.end + 40):
        return True
    lo = max(0, hit.start - 30)
    return maybe_agency_before(text[lo:hit.start]) and bool(
        lx.AGENCY_BEFORE.search(text, lo, hit.start)
    )


_SENTENCE_END = re.compile(r"[.!?:;\"“”'‘’_(\[-]\s*$")
_ARTICLE_BEFORE = re.compile(r"\b[Tt]he\s+$")


def _titled_midsentence(text: str, hit: Hit) -> bool:
    """ "The Thinking Machine" written as a proper name, not at the start of a sentence."""
    words = hit.term.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return False
    before = _ARTICLE_BEFORE.sub("", text[max(0, hit.start - 12):hit.start])
    return before.strip() != "" and not _SENTENCE_END.search(before)


def _in_heading(text: str, hit: Hit) -> bool:
    """A title line standing alone ("THE MISERLY ROBOT", "Ely's Automatic Housemaid.")."""
    start = text.rfind("\n", 0, hit.start) + 1
    # Most hits sit in running text: a line that does not follow a blank line is no heading.
    if start >= 2 and text[start - 2:start] != "\n\n":
        return False
    end = text.find("\n", hit.end)
    end = len(text) if end < 0 else end
    line = text[start:end].strip()
    if len(line) > 60 or text[end:end + 2] not in ("\n\n", ""):
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line) if len(w) > 3]
    return line.isupper() or (bool(words) and all(w[0].isupper() for w in words))


def flag_context(text: str, hits: list[Hit]) -> None:
    """Mark each hit with the negative cues around it (metaphor, mechanism, heading...)."""
    contexts: dict[int, str] = {}

    def context(hit: Hit) -> str:
        if hit.start not in contexts:
            lo, hi = max(0, hit.start - _CONTEXT), min(len(text), hit.end + _CONTEXT)
            contexts[hit.start] = text[lo:hi].lower()
        return contexts[hit.start]

    nicknames: set[str] = set()
    for hit in hits:
        if (hit.kind == LEXICON and hit.term.lower() not in nicknames
                and _titled_midsentence(text, hit) and maybe_nickname(ctx := context(hit))
                and lx.NICKNAME_CUES.search(ctx)):
            nicknames.add(hit.term.lower())
    for hit in hits:
        if hit.kind == LEXICON:
            if _is_metaphor(text, hit):
                hit.flags.add("metaphor")
            ctx = context(hit)
            if maybe_mechanism(ctx) and lx.MECHANISM_CUES.search(ctx):
                hit.flags.add("mechanism")
            if hit.term[:1] in "cC" and hit.term.lower().startswith("computer") and (
                lx.HUMAN_COMPUTER_CUES.search(ctx)
            ):
                hit.flags.add("human_computer")
            if hit.term.lower() in nicknames and any(c.isupper() for c in hit.term):
                hit.flags.add("nickname")
            if hit.term[:1] in "cC" and hit.term.lower().startswith("computer") and (
                lx.TOOL_COMPUTER_BEFORE.search(text, max(0, hit.start - 20), hit.start)
                or lx.TOOL_COMPUTER_AFTER.match(text, hit.end, hit.end + 20)
            ):
                hit.flags.add("tool")
        if _in_heading(text, hit):
            hit.flags.add("heading")
