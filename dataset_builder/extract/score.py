"""Score a window in [0, 1]: how likely an artificial mind appears in it.

A transparent sum of a few features rather than a trained model, so that an annotator can see
why a passage was proposed: the strongest clean hit, how many clean hits there are, whether an
AI term or name acts (speaks, thinks, decides), whether the window has dialogue, and whether
the work's subjects say it is about robots. Hits inside a metaphor, next to a mindless
mechanism, meaning a human calculator, or used as a person's nickname count only a tenth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dataset_builder.extract.cues import acts, is_computer, performs
from dataset_builder.extract.hit import LEXICON, Hit
from dataset_builder.extract.lexicon import (
    AI_SUBJECT_CUES,
    MIND_CUES,
    MIND_DENIED,
    MIND_REACH,
    RECOUNTED_AFTER,
)

_PER_EXTRA_HIT = 0.06
_MAX_EXTRA_HITS = 4
_AGENCY = 0.15
_DIALOGUE = 0.05
_PRIOR = 0.15
_NEGATED = 0.1  # weight factor of a hit with a negative cue
_QUOTES = ('"', "“", "”")


def max_negated_score() -> float:
    """The best score a window can get from negated hits alone (metaphors, toys, nicknames)."""
    from dataset_builder.extract.detect import MAX_WEIGHT

    return round(MAX_WEIGHT * _NEGATED, 4)


def subject_prior(subjects: Sequence[str]) -> bool:
    text = " ".join(subjects).lower()
    return any(cue in text for cue in AI_SUBJECT_CUES)


def agency_memo(text: str) -> Callable[[Hit], bool]:
    """:func:`acts` for the hits of one text, each answered once: the scorer asks it of a
    window's clean hits, and the role prediction asks it again of the same hits."""
    known: dict[int, bool] = {}  # by hit start: hits of one text do not overlap

    def acts_here(hit: Hit) -> bool:
        if hit.start not in known:
            known[hit.start] = acts(text, hit)
        return known[hit.start]

    return acts_here


def predict_role(clean: Sequence[Hit], text: str, start: int, end: int,
                 acts_here: Callable[[Hit], bool] | None = None) -> str:
    """The extractor's guess of ``ai_role`` for a kept window from its clean hits.

    The codebook's test: an AI that acts here (speaks, thinks, decides: :func:`acts`; or does
    something on stage, goes on as the next sentence's subject or speaks of itself:
    :func:`performs`) is a ``character``; otherwise it is
    ``discussed``. Mentions alone, even many, do not make a character: on the development
    labels of benchmarks/shelf_labels.tsv, passages that name one AI again and again without
    its acting are as often talk about it. ``background`` is rare there and not predicted.
    """
    acts_here = acts_here or agency_memo(text)
    if any((acts_here(h) and not _recounted(text, h)) or performs(text, h) for h in clean):
        return "character"
    return "discussed"


def _recounted(text: str, hit: Hit) -> bool:
    """ "The robot had said ...": speech or thought told of afterwards, not done here."""
    return RECOUNTED_AFTER.match(text, hit.end, hit.end + 40) is not None


def _mindless_computers(clean: Sequence[Hit], text: str) -> bool:
    """Only computers, none credited with a mind or judgment nearby (see MIND_CUES)."""
    if not all(h.kind == LEXICON and is_computer(h) for h in clean):
        return False
    for h in clean:
        for cue in MIND_CUES.finditer(text, max(0, h.start - MIND_REACH), h.end + MIND_REACH):
            if not MIND_DENIED.search(text, max(0, cue.start() - 20), cue.start()):
                return False
    return True


def score_window(hits: Sequence[Hit], text: str, start: int, end: int, prior: bool,
                 acts_here: Callable[[Hit], bool] | None = None) -> float:
    """The score of the window ``text[start:end]`` holding ``hits`` (``acts_here``: a shared
    :func:`agency_memo` of the text)."""
    clean = [h for h in hits if not h.negative]
    if not clean:
        best = max((h.weight for h in hits), default=0.0)
        return round(best * _NEGATED, 4)
    acts_here = acts_here or agency_memo(text)
    acting = any(acts_here(h) for h in clean)
    if not acting and _mindless_computers(clean, text):
        return round(max(h.weight for h in clean) * _NEGATED, 4)
    score = max(h.weight for h in clean)
    score += _PER_EXTRA_HIT * min(_MAX_EXTRA_HITS, len(clean) - 1)
    if acting:
        score += _AGENCY
    if any(text.find(q, start, end) >= 0 for q in _QUOTES):
        score += _DIALOGUE
    if prior:
        score += _PRIOR
    # Negated hits among clean ones (a metaphor beside a real robot) cost a little; a title
    # line above the story costs nothing.
    negated = sum(1 for h in hits if h.negative and h.flags != {"heading"})
    score -= 0.1 * negated / len(hits)
    return round(min(1.0, max(0.0, score)), 4)
