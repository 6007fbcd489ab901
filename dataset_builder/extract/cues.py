"""The context cues of a hit: what the few hundred characters around a mention say of it.

:func:`flag_context` sets the negative cues as flags right after matching (a metaphor, a
mindless mechanism, a human computer, a tool, a nickname, a simile, a list, a device, a heading
or table-of-contents line); the scorer asks the positive ones, :func:`acts` and
:func:`performs`, later. The cue regexes are in :mod:`.lexicon`; the cheap prefilters here rule
out most hits before they run. They are kept out of :mod:`.detect`, which finds the hits,
since each reads only the text around one hit.
"""

from __future__ import annotations

import re

import ahocorasick_rs

from dataset_builder.extract import lexicon as lx
from dataset_builder.extract.hit import LEXICON, Hit

_CONTEXT = 240  # characters looked at on each side of a hit for cues


# Cheap tests that rule out most hits before the slower cue regexes run. Each may say "maybe"
# wrongly but never "no" when the regex would match (tests/test_extract_prefilters.py), so the
# flags are exactly the regexes'. In ASCII windows IGNORECASE is plain lowering; other windows
# (long s, Kelvin sign...) always go to the regex.
_METAPHOR_TOKENS = frozenset({"a", "an", "some", "mere"})
_AGENCY_VERB_KEYS = ahocorasick_rs.AhoCorasick(lx.AGENCY_VERBS.split("|"))


def maybe_metaphor(window: str) -> bool:
    """METAPHOR_BEFORE ends with "a|an|some" or "mere", then at most one more word."""
    if not window.isascii():
        return True
    return not _METAPHOR_TOKENS.isdisjoint(window.lower().split()[-2:])


def maybe_agency_before(window: str) -> bool:
    """AGENCY_BEFORE holds a verb: a window without one as a substring cannot match (one
    automaton call; splitting the window into words cost three times as much)."""
    if not window.isascii():
        return True
    return bool(_AGENCY_VERB_KEYS.find_matches_as_indexes(window.lower()))


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


def is_computer(hit: Hit) -> bool:
    """The hit's term begins with "computer", in any case."""
    return hit.term[:1] in "cC" and hit.term.lower().startswith("computer")


def _is_simile(text: str, hit: Hit) -> bool:
    window = text[max(0, hit.start - 50):hit.start]
    lowered = window.lower()
    return any(k in lowered for k in lx.SIMILE_KEYS) and bool(lx.SIMILE_BEFORE.search(window))


def _in_list(text: str, hit: Hit) -> bool:
    if hit.term.lower() not in lx.PLURAL_TERMS or text.rfind(",", hit.start - 4, hit.start) < 0:
        return False  # every list form below has a comma just before the term
    lo = max(0, hit.start - 80)
    if lx.LIST_BEFORE.search(text, lo, hit.start):
        return True
    return bool(lx.LIST_AROUND_BEFORE.search(text, lo, hit.start)
                and lx.LIST_AROUND_AFTER.match(text, hit.end, hit.end + 40))


def acts(text: str, hit: Hit) -> bool:
    """Whether the hit speaks, thinks or decides ("the robot said", "asked Tik-Tok"); a
    computer that only "calculated" does not.

    Asked by the scorer only for clean hits, and only until one in a window acts: most hits
    never need it."""
    after = lx.AGENCY_AFTER.match(text, hit.end, hit.end + 40)
    if after is not None and not (is_computer(hit) and lx.TOOL_VERBS.search(after.group())):
        return True
    lo = max(0, hit.start - 30)
    return maybe_agency_before(text[lo:hit.start]) and bool(
        lx.AGENCY_BEFORE.search(text, lo, hit.start)
    )


def performs(text: str, hit: Hit) -> bool:
    """Whether the hit does something on stage right after it is named ("the robot turned
    and seized him", "the robot crashed on"; "The robot stopped. It turned"), its body is there
    ("the robot's voice") or it speaks of itself ("I am a robot"): with :func:`acts`, what
    makes it a character of the passage."""
    if lx.SELF_BEFORE.search(text, max(0, hit.start - 30), hit.start):
        return True
    if hit.kind == LEXICON and hit.term.lower() in lx.PLURAL_TERMS and not lx.GROUP_BEFORE.search(
            text, max(0, hit.start - 30), hit.start):
        return False
    if lx.ACTION_AFTER.match(text, hit.end, hit.end + 40) or lx.BODY_AFTER.match(
            text, hit.end, hit.end + 40):
        return True
    # Any verb in the past tense, here or as the next sentence's "It/He/She", but only after
    # "the robot" or a name: "a robot crashed" is as often a hypothetical or a kind.
    if hit.kind == LEXICON and not lx.DEFINITE_BEFORE.search(
            text, max(0, hit.start - 25), hit.start):
        return False
    return bool(lx.DEED_AFTER.match(text, hit.end, hit.end + 40)
                or lx.PRONOUN_DEED_AFTER.match(text, hit.end, hit.end + 120))


_SENTENCE_END = re.compile(r"[.!?:;\"“”'‘’_(\[-]\s*$")
_ARTICLE_BEFORE = re.compile(r"\b[Tt]he\s+$")


def _titled_midsentence(text: str, hit: Hit) -> bool:
    """ "The Thinking Machine" written as a proper name, not at the start of a sentence."""
    words = hit.term.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return False
    before = _ARTICLE_BEFORE.sub("", text[max(0, hit.start - 12):hit.start])
    return before.strip() != "" and not _SENTENCE_END.search(before)


_HEADING_CHARS = 60  # a title line is short: longer lines are running text
_HEADING_SCAN = 2 * _HEADING_CHARS  # how far around a hit its line ends are looked for


# A numbered line of a table of contents: "   8 - Tik-Tok Tackles a Tough Task", "VIII. The Robot".
_CONTENTS_LINE = re.compile(
    r"[ \t]*(?:\d{1,3}[ \t]*[.:)\-–—]?|[IVXLC]{1,7}[ \t]*[.:)\-–—])[ \t]+[^\n]{1,70}$",
    re.MULTILINE,
)


def _contents_line(text: str, start: int, hit: Hit) -> bool:
    """The hit's line (from ``start``) and the next or previous line are numbered entries."""
    end = text.find("\n", hit.end, hit.end + _HEADING_SCAN)
    if end < 0 or not _CONTENTS_LINE.match(text, start, end):
        return False
    after = text.find("\n", end + 1, end + 1 + _HEADING_SCAN)
    if after > 0 and _CONTENTS_LINE.match(text, end + 1, after):
        return True
    before = text.rfind("\n", max(0, start - 1 - _HEADING_SCAN), start - 1) + 1
    return start > 0 and bool(_CONTENTS_LINE.match(text, before, start - 1))


def _in_heading(text: str, hit: Hit) -> bool:
    """A title line standing alone ("THE MISERLY ROBOT", "Ely's Automatic Housemaid.")."""
    # The line ends are looked for only near the hit: a text without newlines must not make
    # every hit read to the start of the text.
    lo = max(0, hit.start - _HEADING_SCAN)
    start = text.rfind("\n", lo, hit.start) + 1
    if start == 0 and lo > 0:
        return False
    if _contents_line(text, start, hit):
        return True
    # Most hits sit in running text: a line that does not follow a blank line is no heading.
    if start >= 2 and text[start - 2:start] != "\n\n":
        return False
    end = text.find("\n", hit.end, hit.end + _HEADING_SCAN)
    if end < 0:
        if hit.end + _HEADING_SCAN < len(text):
            return False
        end = len(text)
    line = text[start:end].strip()
    if len(line) > _HEADING_CHARS or text[end:end + 2] not in ("\n\n", ""):
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
            if is_computer(hit) and lx.HUMAN_COMPUTER_CUES.search(ctx):
                hit.flags.add("human_computer")
            if hit.term.lower() in nicknames and any(c.isupper() for c in hit.term):
                hit.flags.add("nickname")
            if is_computer(hit) and (
                lx.TOOL_COMPUTER_BEFORE.search(text, max(0, hit.start - 60), hit.start)
                or lx.TOOL_COMPUTER_AFTER.match(text, hit.end, hit.end + 20)
            ):
                hit.flags.add("tool")
            if _is_simile(text, hit):
                hit.flags.add("simile")
            if _in_list(text, hit):
                hit.flags.add("list")
            term = hit.term.lower()
            if (term in lx.DEVICE_TERMS and lx.DEVICE_AFTER.match(text, hit.end, hit.end + 20)
                    or term in lx.WEAPON_TERMS and lx.WEAPON_CUES.search(ctx)):
                hit.flags.add("device")
        if _in_heading(text, hit):
            hit.flags.add("heading")
