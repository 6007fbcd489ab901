"""The fast paths of the extractor give exactly what the slow, obvious code gives.

The matcher scans UTF-8 bytes and maps byte offsets back to characters; the cue regexes are
guarded by cheap prefilters; dedup builds its word string with bytes methods for ASCII text.
Each is checked here against the plain definition it replaces, on the fixture texts and on
generated text (ASCII and not: curly quotes, accents, long s, the Kelvin sign, emoji).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset_builder.extract import lexicon as lx
from dataset_builder.extract.cues import (
    maybe_agency_before,
    maybe_mechanism,
    maybe_metaphor,
    maybe_nickname,
)
from dataset_builder.extract.dedup import _words, _words_of
from dataset_builder.extract.detect import _PARAGRAPH_BREAK, Matcher, _Paragraphs, case_variants
from tests.extract_fixtures import NAMES, WORKS, fixture_text

# Words and separators that make the cues fire (or nearly) when glued together at random.
PIECES = [
    "robot", "Robot", "ROBOTS", "android", "Tik-Tok", "thinking machine", "said", "SAID",
    "ſaid", "asked", "Knew", "\u212anew", "the", "a", "an", "some", "mere", "like", "as if he were",
    "nothing but", "is but", "music-box", "clockwork toy", "steam engine", "watchmaker",
    "jack-in-the-box", "barrel organ", "mere mechanism", "toy soldier", "wind-up toy",
    "watch-maker", "nicknamed", "catchphrase", "catch-phrase", "known as", "they called her",
    "so-called", "dubbed", "sobriquet", "applied to him", "Thinking Machine", "café", "naïve",
    "İ", "ß", "😀",
    " ", "  ", "\n", "\n\n", ", ", ".", "“", "”", "‘", "’", "—", "–", "…", "_", "-", "x",
    "said the robot",
]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def fixture_texts() -> list[str]:
    return [fixture_text(name) for name, _ in WORKS.values()]


def reference_hits(text: str) -> set[tuple[int, int, str]]:
    """Every case variant of every term, found with str.find over the text itself."""
    keys = {v for term in lx.LEXICON for v in case_variants(term)}
    keys |= {v for name in NAMES for v in case_variants(name.surface)}
    found = set()
    for key in keys:
        at = text.find(key)
        while at >= 0:
            before = text[at - 1] if at else " "
            after = text[at + len(key)] if at + len(key) < len(text) else " "
            if not (before.isalnum() or after.isalnum()):
                found.add((at, at + len(key), key))
            at = text.find(key, at + 1)
    return found


@settings(max_examples=150, deadline=None)
@given(texts)
def test_byte_scan_finds_the_same_spans_as_a_str_search(text: str) -> None:
    hits = Matcher(NAMES).find(text, "local:tiktok")
    for hit in hits:
        assert text[hit.start:hit.end] == hit.term
    lexical = {(h.start, h.end, h.term) for h in hits if h.kind != "introduced_name"}
    # Hits are the longest of overlapping matches; every reference match is covered by one.
    reference = reference_hits(text)
    assert lexical <= reference
    for start, end, _ in reference:
        assert any(h.start <= start and end <= h.end or h.start < end and start < h.end
                   for h in hits)


def test_raw_bytes_and_str_give_the_same_hits() -> None:
    matcher = Matcher(NAMES)
    for text in [*fixture_texts(), "“Robot,” said Tik-Tok — the robot’s friend, Jerry, the robot."]:
        plain = matcher.find(text, "local:tiktok")
        given_raw = matcher.find(text, "local:tiktok", text.encode())
        assert [(h.start, h.end, h.term, h.flags) for h in plain] == [
            (h.start, h.end, h.term, h.flags) for h in given_raw
        ]


def _windows(text: str, width: int) -> list[str]:
    return [text[max(0, i - width):i] for i in range(len(text) + 1)]


@settings(max_examples=150, deadline=None)
@given(texts)
def test_prefilters_never_reject_a_match(text: str) -> None:
    for window in _windows(text, 40):
        if lx.METAPHOR_BEFORE.search(window):
            assert maybe_metaphor(window), window
        if lx.AGENCY_BEFORE.search(window):
            assert maybe_agency_before(window), window
        if lx.MECHANISM_CUES.search(window.lower()):
            assert maybe_mechanism(window.lower()), window
        if lx.NICKNAME_CUES.search(window.lower()):
            assert maybe_nickname(window.lower()), window


def test_prefilters_never_reject_a_match_in_the_fixture_texts() -> None:
    checked = 0
    for text in fixture_texts():
        for window in _windows(text, 40):
            if lx.METAPHOR_BEFORE.search(window):
                assert maybe_metaphor(window), window
                checked += 1
            if lx.AGENCY_BEFORE.search(window):
                assert maybe_agency_before(window), window
                checked += 1
    assert checked > 10


def test_prefilters_reject_ordinary_text() -> None:
    assert not maybe_metaphor("He walked slowly to the door and saw the ")
    assert not maybe_agency_before("walked slowly to the door and the ")
    assert not maybe_mechanism("the robot stood by the window in the rain")
    assert not maybe_mechanism("they watched the machine destroy the toys of the player")
    assert not maybe_nickname("the thinking machine stood by the window in the rain")
    assert maybe_metaphor("worked like a ") and maybe_agency_before("said the old ")


def _top_level_alternatives(pattern: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in pattern:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _literally_in(key: str, alternative: str) -> bool:
    """``key`` is plain text of the regex alternative (no metacharacter, not followed by a
    quantifier), so every string the alternative matches contains it."""
    at = alternative.find(key)
    while at >= 0:
        after = alternative[at + len(key):at + len(key) + 1]
        if not any(c in key for c in "\\[](){}|.?*+^$") and after not in ("?", "*", "+", "{"):
            return True
        at = alternative.find(key, at + 1)
    return False


@pytest.mark.parametrize(("cues", "keys"), [
    (lx.MECHANISM_CUES, lx.MECHANISM_KEYS), (lx.NICKNAME_CUES, lx.NICKNAME_KEYS),
])
def test_every_cue_alternative_contains_a_key(cues: re.Pattern[str],
                                              keys: tuple[str, ...]) -> None:
    body = re.fullmatch(r"\\b\(\?:(.*)\)\\b", cues.pattern, re.DOTALL)
    assert body is not None
    alternatives = _top_level_alternatives(body.group(1))
    assert len(alternatives) >= 8
    for alternative in alternatives:
        assert any(_literally_in(key, alternative) for key in keys), alternative
    assert not _literally_in("nicknamed", "nicknamed?")  # the rule itself bites


@settings(max_examples=150, deadline=None)
@given(st.one_of(texts, st.text(max_size=200)))
def test_dedup_words_match_the_regex_definition(text: str) -> None:
    expected = " ".join(re.findall(r"[^\W_]+", text.lower())).encode()
    assert _words(text) == expected


def test_an_empty_catalogue_surface_matches_nothing() -> None:
    from dataset_builder.characters.name import Name

    hits = Matcher([Name("", "nobody", None)]).find("The robot said nothing.", "local:x")
    assert [(h.term, h.kind) for h in hits] == [("robot", "lexicon")]


class _EveryParagraph:
    """The plain definition ``detect._Paragraphs`` replaces: walk every break in order."""

    def __init__(self, raw: bytes):
        self._breaks = _PARAGRAPH_BREAK.finditer(raw)
        self._size = len(raw)
        self.start, self.end, self.next = 0, 0, 0
        self._advance()

    def _advance(self) -> None:
        self.start = self.next
        brk = next(self._breaks, None)
        self.end, self.next = (brk.start(), brk.end()) if brk else (self._size, self._size)

    def move_to(self, position: int) -> bool:
        moved = False
        while position >= self.end and self.next < self._size:
            self._advance()
            moved = True
        return moved


_BREAKY = ["robot", "x", " ", "\t", "\n", "\n\n", "\n \n", " \n\t\n ", "\n\n\n", "é", "\r"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_BREAKY), min_size=1, max_size=40).map("".join).map(str.encode),
       st.lists(st.floats(0, 1), max_size=12))
def test_paragraphs_found_from_the_hits_are_those_of_every_break(raw: bytes,
                                                                 at: list[float]) -> None:
    """The paragraph of each position (positions in order, some on break bytes), and its
    start, asked for only sometimes as the scan does, are those of the walk over every break."""
    fast, slow = _Paragraphs(raw), _EveryParagraph(raw)
    for i, position in enumerate(sorted(int(f * (len(raw) - 1)) for f in at)):
        assert fast.move_to(position) == slow.move_to(position)
        assert (fast.end, fast.next) == (slow.end, slow.next)
        if i % 2:
            assert fast.start == slow.start
    assert fast.start == slow.start


def test_the_agency_memo_answers_as_acts() -> None:
    from dataset_builder.extract.cues import acts
    from dataset_builder.extract.score import agency_memo

    for text in fixture_texts():
        hits = Matcher(NAMES).find(text, "local:tiktok")
        acts_here = agency_memo(text)
        for hit in [*hits, *hits]:  # asked twice: the second answer is the remembered one
            assert acts_here(hit) == acts(text, hit)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, st.text(max_size=60), st.sampled_from(["", " ", "  a  ", "_"])),
                max_size=8))
def test_dedup_words_of_many_texts_are_each_texts_words(many: list[str]) -> None:
    assert _words_of(many) == [_words(text) for text in many]
