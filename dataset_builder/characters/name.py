"""A catalogue name as the extractor searches for it.

It lives with the catalogue, not in ``extract``, so the dependency runs one way: the
extractor reads the catalogue, the catalogue knows nothing of the extractor. The module is
tiny and imports nothing heavy because extract's worker processes import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    """A catalogue surface to search for; ``work_id`` None means every work."""

    surface: str
    character_id: str
    work_id: str | None
