"""Metadata from a Gutenberg text's own header, the last fallback when neither the catalogue
row nor the RDF record gives a field (a mirror folder with bare texts).

The header is the block of ``Field: value`` lines before the ``*** START OF`` marker::

    Title: The Machine Stops
    Author: E. M. Forster
    Release Date: January 5, 2008 [EBook #2846]
    Language: English
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

HEAD_BYTES = 20_000  # headers end within ~3 kB; the 1990s "small print" ones within ~15 kB
_FIELD_RE = re.compile(r"^[ \t]*(Title|Author|Authors|Release Date|Language)[ \t]*:[ \t]*(.*)$",
                       re.IGNORECASE | re.MULTILINE)
_CONTINUATION_RE = re.compile(r"[ \t]+(\S.*)")
_START_RE = re.compile(r"^\*{3}[ \t]*START[ \t]+OF", re.IGNORECASE | re.MULTILINE)
_DATE_RE = re.compile(r"([A-Z][a-z]+)\.?[ \t]*(?:(\d{1,2})[ \t]*)?,?[ \t]*(\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
# The languages of Gutenberg's catalogue by the names its headers spell out, as ISO 639-1.
LANGUAGES = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "finnish": "fi", "swedish": "sv", "danish": "da",
    "norwegian": "no", "latin": "la", "greek": "el", "russian": "ru", "polish": "pl",
    "hungarian": "hu", "czech": "cs", "chinese": "zh", "japanese": "ja", "esperanto": "eo",
    "catalan": "ca", "welsh": "cy", "irish": "ga", "icelandic": "is", "hebrew": "he",
}


@dataclass
class HeaderRecord:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None  # ISO 639 code
    released: str | None = None  # YYYY-MM-DD (or YYYY-MM) of the Gutenberg release

    def fields(self) -> dict[str, object]:
        return {"title": self.title, "authors": self.authors, "language": self.language,
                "released": self.released}


def release_date(value: str) -> str | None:
    """'January 5, 2008 [EBook #2846]' -> '2008-01-05'; 'March, 2004' -> '2004-03'."""
    match = _DATE_RE.search(value)
    if match is None or match.group(1).lower() not in _MONTHS:
        return None
    month, year = _MONTHS[match.group(1).lower()], int(match.group(3))
    if match.group(2) is None:
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, int(match.group(2))).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def parse_header(head: str) -> HeaderRecord:
    """The fields of the header in ``head`` (the first ``HEAD_BYTES`` of the decoded text)."""
    start = _START_RE.search(head)
    block = head[: start.start()] if start else head
    block = block.replace("\r\n", "\n")
    record = HeaderRecord()
    for match in _FIELD_RE.finditer(block):
        name, value = match.group(1).lower(), match.group(2).strip()
        if name == "title":
            # A long title wraps onto indented lines.
            lines = [value]
            for line in block[match.end() + 1:].split("\n"):
                more = _CONTINUATION_RE.fullmatch(line)
                if more is None:
                    break
                lines.append(more.group(1).strip())
            value = "\n".join(v for v in lines if v)
            record.title = record.title or value or None
        elif name in ("author", "authors") and value and not record.authors:
            record.authors = [a.strip() for a in re.split(r"\s+and\s+|;", value) if a.strip()]
        elif name == "language" and value and record.language is None:
            first = re.split(r"[,;/]| and ", value)[0].strip().lower()
            record.language = LANGUAGES.get(first)
        elif name == "release date" and record.released is None:
            record.released = release_date(value)
    return record
