"""A hit: one mention of an artificial mind in a text, with its kind, weight and cue flags.

The record :mod:`.detect` makes for each match, :mod:`.cues` and :mod:`.names` flag, and the
segmenter and scorer read. It has a module of its own, with the kinds of evidence and the flags
that negate a hit, so that each of those modules imports it without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Evidence kinds written to passages.evidence.
LEXICON = "lexicon"
CHARACTER = "character"
INTRODUCED = "introduced_name"

# Flags that mark a hit as probably not an artificial mind.
NEGATIVE_FLAGS = frozenset(
    {"metaphor", "mechanism", "human_computer", "tool", "nickname", "heading", "unintroduced",
     "simile", "list", "device"}
)


@dataclass(slots=True)
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
