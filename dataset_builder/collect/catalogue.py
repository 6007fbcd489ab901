"""Gutenberg metadata: the ``pg_catalog.csv`` feed and the per-book RDF/XML records."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from dataset_builder.errors import UserError

CATALOG_COLUMNS = (
    "Text#", "Type", "Issued", "Title", "Language", "Authors", "Subjects", "LoCC", "Bookshelves",
)
_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcterms": "http://purl.org/dc/terms/",
    "pgterms": "http://www.gutenberg.org/2009/pgterms/",
    "dcam": "http://purl.org/dc/dcam/",
}
_RDF_ABOUT = f"{{{_NS['rdf']}}}about"
_RDF_RESOURCE = f"{{{_NS['rdf']}}}resource"
_ROLE_RE = re.compile(r"\s*\[([^\]]*)\]\s*$")
_FULLER_FORM_RE = re.compile(r"\s*\([^)]*\)")
_FIRST_PUBLISHED_RE = re.compile(r"First[ \t]+published(?:[ \t]+in)?[ \t]*:?[ \t]*(\d{4})", re.I)
_YEAR_RE = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_CHARSET_RE = re.compile(r"charset=([A-Za-z0-9_.:-]+)", re.I)


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of pg_catalog.csv, split into lists where the feed joins values with '; '."""

    id: int
    type: str
    issued: str
    title: str
    languages: tuple[str, ...]
    authors: tuple[str, ...]  # display names of the authors (translators etc. left out)
    subjects: tuple[str, ...]
    bookshelves: tuple[str, ...]
    line: int  # line of the row in the file, for messages


@dataclass
class RdfRecord:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    bookshelves: list[str] = field(default_factory=list)
    rights: str | None = None
    year: int | None = None
    type: str | None = None
    issued: str | None = None  # dcterms:issued, the Gutenberg release date (YYYY-MM-DD)
    charsets: dict[str, str] = field(default_factory=dict)  # text/plain file URL -> charset


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(";") if part.strip())


def display_name(raw: str) -> str:
    """'Čapek, Karel, 1890-1938' -> 'Karel Čapek'.

    'Baum, L. Frank (Lyman Frank)' -> 'L. Frank Baum'; a single name stays as it is.
    """
    name = _FULLER_FORM_RE.sub("", _ROLE_RE.sub("", raw)).strip()
    parts = [p.strip() for p in name.split(",") if p.strip()]
    parts = [p for p in parts if not any(ch.isdigit() for ch in p)]  # birth-death dates
    if len(parts) <= 1:
        return parts[0] if parts else name
    surname, given, *suffixes = parts
    return " ".join([given, surname, *suffixes])


def catalogue_authors(raw: str | None) -> tuple[str, ...]:
    """Authors of a catalogue row: entries without a [role] or with [Author]; else everyone."""
    entries = _split(raw)
    authors = []
    for entry in entries:
        role = _ROLE_RE.search(entry)
        if role is None or role.group(1).strip().lower() == "author":
            authors.append(display_name(entry))
    return tuple(authors) if authors else tuple(display_name(e) for e in entries)


def parse_catalogue(
    data: bytes, where: str = "pg_catalog.csv"
) -> tuple[dict[int, CatalogueEntry], list[str]]:
    """Parse the catalogue feed; return (entries by id, one warning per unusable row)."""
    entries: dict[int, CatalogueEntry] = {}
    warnings: list[str] = []
    for item in iter_catalogue(data, where):
        if isinstance(item, str):
            warnings.append(item)
        else:
            entries[item.id] = item
    return entries, warnings


def iter_catalogue(
    data: bytes, where: str = "pg_catalog.csv",
    keep: Callable[[dict[str, str]], bool] | None = None,
) -> Iterator[CatalogueEntry | str]:
    """The rows of the catalogue feed one by one, or a warning for a row without a number;
    a caller that keeps only the rows it selects holds one row at a time. ``keep`` is a cheap
    test on the raw row: the rows it rejects are skipped before they are parsed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{where}: not UTF-8 (byte {exc.start}); fetch the catalogue again."
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CATALOG_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError(
            f"{where}: missing column(s) {', '.join(missing)}; expected the header "
            f"{','.join(CATALOG_COLUMNS)} of Gutenberg's pg_catalog.csv."
        )
    del text  # the reader holds its own reference; nothing else keeps the decoded copy
    end_of_previous = reader.line_num  # the header's last line
    for row in reader:
        line, end_of_previous = end_of_previous + 1, reader.line_num  # first line of the row
        if keep is not None and not keep(row):
            continue
        raw_id = (row.get("Text#") or "").strip()
        if not raw_id.isdigit():
            yield f"{where} line {line}: Text# {raw_id!r} is not a number; row ignored."
            continue
        yield CatalogueEntry(
            id=int(raw_id),
            type=(row.get("Type") or "").strip(),
            issued=(row.get("Issued") or "").strip(),
            title=(row.get("Title") or "").strip(),
            languages=_split(row.get("Language")),
            authors=catalogue_authors(row.get("Authors")),
            subjects=_split(row.get("Subjects")),
            bookshelves=_split(row.get("Bookshelves")),
            line=line,
        )


def subject_matches(wanted: str, heading: str) -> bool:
    """'Robots' matches 'Robots' and 'Robots -- Fiction'; comparison ignores case."""
    wanted, heading = wanted.strip().lower(), heading.strip().lower()
    return heading == wanted or heading.startswith(wanted + " -- ")


def select(
    entries: dict[int, CatalogueEntry],
    subjects: Iterable[str] = (),
    bookshelves: Iterable[str] = (),
    language: str | None = None,
) -> list[int]:
    """Ids of Text rows that match any of ``subjects`` AND any of ``bookshelves`` AND ``language``.

    An empty filter does not restrict; with no filter at all every Text row is selected.
    """
    subjects, bookshelves = list(subjects), list(bookshelves)
    shelves = {b.strip().lower() for b in bookshelves}
    chosen = []
    for entry in entries.values():
        if entry.type.lower() != "text":
            continue
        if language and language.lower() not in {lang.lower() for lang in entry.languages}:
            continue
        if subjects and not any(subject_matches(w, h) for w in subjects for h in entry.subjects):
            continue
        if shelves and not shelves & {b.lower() for b in entry.bookshelves}:
            continue
        chosen.append(entry.id)
    return sorted(chosen)


def licence_from_rights(rights: str | None) -> str:
    if rights is None:
        return "unknown"
    text = rights.strip().lower()
    if text.startswith("public domain in the usa"):
        return "public-domain-us"
    if text.startswith("copyrighted"):
        return "copyrighted"
    return "unknown"


def _values(node: ET.Element, path: str) -> list[str]:
    return [v.text.strip() for v in node.findall(path, _NS) if v.text and v.text.strip()]


def parse_rdf(data: bytes, where: str = "RDF") -> RdfRecord:
    """Read the fields the works table needs from one Gutenberg RDF/XML record."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UserError(f"{where}: not valid RDF/XML ({exc}); fetch it again.") from exc
    ebook = root.find("pgterms:ebook", _NS)
    if ebook is None:
        raise UserError(f"{where}: no pgterms:ebook element; this is not a Gutenberg RDF record.")
    record = RdfRecord()
    title = ebook.findtext("dcterms:title", default="", namespaces=_NS).strip()
    record.title = title or None
    names = _values(ebook, "dcterms:creator/pgterms:agent/pgterms:name")
    record.authors = [display_name(n) for n in names]
    record.languages = _values(ebook, "dcterms:language/rdf:Description/rdf:value")
    for desc in ebook.findall("dcterms:subject/rdf:Description", _NS):
        member = desc.find("dcam:memberOf", _NS)
        value = desc.findtext("rdf:value", default="", namespaces=_NS).strip()
        if member is not None and member.get(_RDF_RESOURCE, "").endswith("LCSH") and value:
            record.subjects.append(value)
    record.bookshelves = _values(ebook, "pgterms:bookshelf/rdf:Description/rdf:value")
    rights = ebook.findtext("dcterms:rights", namespaces=_NS)
    record.rights = rights.strip() if rights else None
    types = _values(ebook, "dcterms:type/rdf:Description/rdf:value")
    record.type = types[0] if types else None
    issued = ebook.findtext("dcterms:issued", namespaces=_NS)
    record.issued = issued.strip() if issued and issued.strip() else None
    record.year = _first_published(
        _values(ebook, "dcterms:description"), _values(ebook, "pgterms:marc906")
    )
    for item in ebook.findall("dcterms:hasFormat/pgterms:file", _NS):
        for fmt in _values(item, "dcterms:format/rdf:Description/rdf:value"):
            charset = _CHARSET_RE.search(fmt)
            if fmt.startswith("text/plain") and charset:
                record.charsets[item.get(_RDF_ABOUT, "")] = charset.group(1).lower()
    return record


def _first_published(descriptions: list[str], marc906: list[str]) -> int | None:
    """A first-publication year ('First published: 1894', MARC 906); never the PG release date."""
    for text in descriptions:
        if match := _FIRST_PUBLISHED_RE.search(text):
            return int(match.group(1))
    for text in marc906:
        if match := _YEAR_RE.search(text):
            return int(match.group(1))
    return None


def charset_hints(record: RdfRecord | None, book_id: int) -> tuple[str, ...]:
    """Declared charsets, the one of the mirror's own file ``pg<N>.txt`` first."""
    if record is None:
        return ()
    own = [cs for url, cs in record.charsets.items() if url.endswith(f"/pg{book_id}.txt")]
    others = sorted(set(record.charsets.values()) - set(own))
    return tuple(dict.fromkeys(own + others))
