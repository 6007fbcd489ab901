"""Collect Project Gutenberg books from a mirror (a local folder or an HTTP(S) URL) in
Gutenberg's own layout: ``cache/epub/<N>/pg<N>.txt``, ``cache/epub/<N>/pg<N>.rdf`` and
``cache/epub/feeds/pg_catalog.csv``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from dataset_builder import console
from dataset_builder.collect.catalogue import (
    CatalogueEntry,
    RdfRecord,
    charset_hints,
    licence_from_rights,
    parse_catalogue,
    parse_rdf,
    select,
)
from dataset_builder.collect.clean import clean_bytes
from dataset_builder.collect.header import HEAD_BYTES, HeaderRecord, parse_header
from dataset_builder.collect.mirror import Mirror, open_mirror
from dataset_builder.collect.works import CollectReport, WorkStore
from dataset_builder.constants import DEFAULT_DELAY, DEFAULT_MIRROR
from dataset_builder.errors import UserError
from dataset_builder.lock import writes

CATALOGUE_PATH = "cache/epub/feeds/pg_catalog.csv"
LANDING_URL = "https://www.gutenberg.org/ebooks/{n}"


class NotInMirror(UserError):
    """The mirror has no plain text of the book (a partial mirror, or no .txt edition)."""


def mirror_text_path(n: int) -> str:
    """Where book ``n``'s plain text is in the mirror (the works table's ``text_path`` is
    where a cleaned text is in the work dir's cache: ``collect.texts.text_path``)."""
    return f"cache/epub/{n}/pg{n}.txt"


def rdf_path(n: int) -> str:
    return f"cache/epub/{n}/pg{n}.rdf"


@writes("collect gutenberg", "workdir")
def collect_gutenberg(
    mirror: str | Path = DEFAULT_MIRROR,
    workdir: str | Path = ".",
    ids: Iterable[int] | None = None,
    subjects: Iterable[str] = (),
    bookshelves: Iterable[str] = (),
    language: str | None = None,
    delay: float = DEFAULT_DELAY,
    *,
    all_books: bool = False,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    refresh_catalogue: bool = False,
) -> CollectReport:
    """Collect the selected books into ``workdir``/works.parquet and ``workdir``/texts/.

    Selection: the explicit ``ids`` plus every Text row of the catalogue that matches the
    filters (any of ``subjects`` -- 'Robots' also matches 'Robots -- Fiction' --, any of
    ``bookshelves``, ``language``). With no ids and no subject/bookshelf filter, every Text
    row is taken; over HTTP that needs ``all_books=True`` (a full harvest).
    A bad book is reported and skipped; the others are collected. Rerunning downloads only
    what is missing or damaged and rewrites only rows that changed.
    """
    ids = sorted(set(ids or ()))
    subjects, bookshelves = list(subjects), list(bookshelves)
    filtered = bool(subjects or bookshelves)
    report = CollectReport()
    store = WorkStore(workdir)
    source = open_mirror(
        mirror, workdir, delay=delay, retries=retries, backoff=backoff, timeout=timeout
    )
    if source.remote and not ids and not filtered and not all_books:
        source.close()
        raise UserError(
            f"{mirror}: no selection; pass --ids, --subject or --bookshelf "
            "(or --all to harvest the whole catalogue politely, which takes days)."
        )
    from_catalogue = filtered or not ids
    try:
        catalogue = _load_catalogue(source, need=from_catalogue, refresh=refresh_catalogue,
                                report=report)
        chosen = set(ids)
        if from_catalogue:
            chosen |= set(select(catalogue, subjects, bookshelves, language))
        if not chosen:
            report.warn("no book matches the selection; nothing to collect.")
        for n in console.track(sorted(chosen), "collect gutenberg", total=len(chosen)):
            work_id = f"gutenberg:{n}"
            book = partial(collect_book, n, catalogue.get(n), source, store, report)
            report.attempt(work_id, book)
    finally:
        # Finished works are kept even if the run is interrupted; the manifest too.
        store.save()
        source.close()
    console.info(f"collect gutenberg: {report.summary()}")
    return report


def clean_mirror_book(mirror: str | Path, n: int) -> str:
    """The cleaned text of book ``n`` of a local mirror, exactly as collect_gutenberg stores it
    (same charset hints from the RDF), e.g. to rehydrate withheld texts from a user's copy."""
    source = open_mirror(mirror, ".", delay=0)
    try:
        rdf_bytes = source.read(rdf_path(n))
        try:
            rdf = parse_rdf(rdf_bytes, source.describe(rdf_path(n))) if rdf_bytes else None
        except UserError:
            rdf = None
        data = source.read(mirror_text_path(n))
        if data is None:
            raise UserError(f"{source.describe(mirror_text_path(n))}: not found in the mirror.")
        return clean_bytes(data, charset_hints(rdf, n), source.describe(mirror_text_path(n))).text
    finally:
        source.close()


def _load_catalogue(
    source: Mirror, need: bool, refresh: bool, report: CollectReport
) -> dict[int, CatalogueEntry]:
    data = source.read(CATALOGUE_PATH, refresh=refresh)
    if data is None:
        if need:
            raise UserError(
                f"{source.describe(CATALOGUE_PATH)}: catalogue not found; selecting by subject, "
                "bookshelf or language needs it — check --mirror, or select books with --ids."
            )
        report.warn(f"{source.describe(CATALOGUE_PATH)}: not found; using the RDF records only.")
        return {}
    entries, warnings = parse_catalogue(data, source.describe(CATALOGUE_PATH))
    for warning in warnings:
        report.warn(warning)
    return entries


def _read_rdf(n: int, source: Mirror, warn: Callable[[str], None]) -> RdfRecord | None:
    where = source.describe(rdf_path(n))
    data = source.read(rdf_path(n))
    if data is None:
        warn(
            f"gutenberg:{n}: no RDF record at {where}; using the catalogue metadata "
            "(licence 'unknown' until the RDF is available)."
        )
        return None
    try:
        return parse_rdf(data, where)
    except UserError as exc:
        source.forget(rdf_path(n))
        warn(f"gutenberg:{n}: {exc} Using the catalogue metadata.")
        return None


def read_book(
    n: int, entry: CatalogueEntry | None, source: Mirror, warn: Callable[[str], None]
) -> tuple[dict[str, Any], str]:
    """Book ``n``'s metadata (catalogue row, RDF record, text header) and cleaned text."""
    # The text first: a book the mirror lacks costs one request and no warning about its RDF.
    data = source.read(mirror_text_path(n))
    if data is None:
        raise NotInMirror(
            f"{source.describe(mirror_text_path(n))}: not found on the mirror; check the id "
            "(no plain-text edition?) or the mirror."
        )
    if entry is None:
        warn(f"gutenberg:{n}: not in the catalogue; using its RDF record only.")
    rdf = _read_rdf(n, source, warn)
    kind = (entry.type if entry and entry.type else None) or (rdf.type if rdf else None)
    if kind and kind.lower() != "text":
        raise UserError(f"is a {kind} item, not a Text; drop it from --ids.")
    try:
        cleaned = clean_bytes(data, charset_hints(rdf, n), source.describe(mirror_text_path(n)))
    except UserError:
        source.forget(mirror_text_path(n))  # e.g. an HTML error page served as the text
        raise
    header = parse_header(data[:HEAD_BYTES].decode(cleaned.encoding, errors="replace"))
    return _metadata(n, entry, rdf, header), cleaned.text


def collect_book(
    n: int,
    entry: CatalogueEntry | None,
    source: Mirror,
    store: WorkStore,
    report: CollectReport,
) -> bool:
    """Read book ``n`` and store it; True if its row or text changed."""
    meta, text = read_book(n, entry, source, report.warn)
    return store.put(meta, text)


_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _metadata(n: int, entry: CatalogueEntry | None, rdf: RdfRecord | None,
              header: HeaderRecord | None = None) -> dict[str, Any]:
    """Each field from the catalogue row first, then the RDF record, then the text's own
    header; ``metadata_from`` records which one gave it. RDF alone for rights and year."""
    sources: list[str] = []

    def pick(name: str, *candidates: tuple[str, Any]) -> Any:
        for source, value in candidates:
            if value:
                sources.append(f"{name}:{source}")
                return value
        return None

    head = header or HeaderRecord()
    title = pick("title", ("catalogue", entry.title if entry else ""),
                 ("rdf", rdf.title if rdf else None), ("header", head.title))
    title = "\n".join(line.strip() for line in (title or "").splitlines() if line.strip())
    if not title:
        where = f"pg_catalog.csv line {entry.line}" if entry else "the catalogue (no row)"
        raise UserError(f"no Title in {where}, in the RDF record nor in the text's header; "
                        "fix the catalogue row.")
    authors = pick("authors", ("catalogue", list(entry.authors) if entry else []),
                   ("rdf", rdf.authors if rdf else []), ("header", head.authors)) or []
    languages = pick("language", ("catalogue", list(entry.languages) if entry else []),
                     ("rdf", rdf.languages if rdf else []),
                     ("header", [head.language] if head.language else []))
    if not languages:
        where = f"pg_catalog.csv line {entry.line}" if entry else "the catalogue (no row)"
        raise UserError(f"no Language in {where}, in the RDF record nor in the text's header; "
                        "fix the catalogue row.")
    issued = entry.issued if entry and _ISO_DATE_RE.match(entry.issued) else None
    rdf_issued = rdf.issued if rdf and rdf.issued and _ISO_DATE_RE.match(rdf.issued) else None
    released = pick("released", ("catalogue", issued), ("rdf", rdf_issued),
                    ("header", head.released))
    subjects = pick("subjects", ("catalogue", list(entry.subjects) if entry else []),
                    ("rdf", rdf.subjects if rdf else [])) or []
    return {
        "work_id": f"gutenberg:{n}",
        "source": "gutenberg",
        "title": title,
        "authors": list(authors),
        "year": rdf.year if rdf else None,
        "language": languages[0].lower(),
        "subjects": list(subjects),
        "source_url": LANDING_URL.format(n=n),
        "licence": licence_from_rights(rdf.rights if rdf else None),
        "released": released,
        "metadata_from": sources,
    }
