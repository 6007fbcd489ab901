"""Names the book gives its machines ("the robot, Jerry,"), and where each starts to count.

:func:`introduced_names` reads them next to clean lexicon hits, :func:`.detect.find_names`
finds their occurrences with a second, small automaton, and :func:`scope_names` flags the
occurrences before the book first presents the name as an AI. Nothing here scans the whole
text, so :mod:`.detect` imports this module and not the reverse.
"""

from __future__ import annotations

import bisect

from dataset_builder.extract import lexicon as lx
from dataset_builder.extract.hit import INTRODUCED, LEXICON, Hit

_NAME_SCOPE = 400  # a name this close to an AI term is presented as an AI there


def scope_names(hits: list[Hit], reach: int = _NAME_SCOPE) -> None:
    """Flag an introduced name's occurrences before the book first presents it as an AI.

    A name the book introduces ("the robot, Jerry,") counts from its first occurrence within
    ``reach`` characters of an AI term that is not itself negated; earlier the reader has not
    been told it is a machine (a man of that name may be human until his mind is moved into a
    robot), so those occurrences are ``unintroduced``. Catalogue names are left alone: the
    catalogue decides who is an AI (the codebook's reading of single passages differs for
    stories that reveal a machine only at the end, and benchmarks/README.md says what that
    costs). ``hits`` are in text order.
    """
    terms = [h.start for h in hits if h.kind == LEXICON and not h.negative]
    first: dict[str, int] = {}
    for hit in hits:
        if hit.kind != INTRODUCED or hit.negative or hit.term.lower() in first:
            continue
        i = bisect.bisect_left(terms, hit.start)
        if (i > 0 and hit.start - terms[i - 1] <= reach) or (
                i < len(terms) and terms[i] - hit.start <= reach):
            first[hit.term.lower()] = hit.start
    for hit in hits:
        if hit.kind == INTRODUCED and hit.start < first.get(hit.term.lower(), -1):
            hit.flags.add("unintroduced")


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
