"""Fixtures of the collect tests: header-variant texts, a tiny Gutenberg-layout mirror written
on the fly, a real HTTP server on 127.0.0.1 with per-path fault injection, and an EPUB maker."""

from __future__ import annotations

import csv
import io
import json
import socket
import struct
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse
from xml.sax.saxutils import escape

from tests.threaded_server import running

HEADERS_DIR = Path(__file__).parent / "fixtures" / "collect" / "headers"


def header_cases() -> dict[str, dict[str, object]]:
    """File name -> expected body, encoding, header kind, footer kind, charsets to pass."""
    cases: dict[str, dict[str, object]] = json.loads(
        (HEADERS_DIR / "EXPECTED.json").read_text(encoding="utf-8")
    )
    return cases


@dataclass
class Book:
    """One book of a fixture mirror; ``text=None`` leaves out the .txt, ``rdf=False`` the RDF."""

    id: int
    title: str
    authors: str = "Fixture, Ada, 1890-1960"
    text: bytes | None = None
    language: str = "en"
    subjects: tuple[str, ...] = ("Robots -- Fiction", "Short stories")
    bookshelves: tuple[str, ...] = ("Science Fiction",)
    rights: str = "Public domain in the USA."
    charset: str = "utf-8"
    first_published: int | None = None
    type: str = "Text"
    rdf: bool = True
    rdf_title: str | None = None  # defaults to the catalogue title
    in_catalogue: bool = True
    catalogue_overrides: dict[str, str] = field(default_factory=dict)


def header_text(name: str) -> bytes:
    return (HEADERS_DIR / name).read_bytes()


def default_books() -> list[Book]:
    return [
        Book(880001, "The Lamplighter of Quay Street", text=header_text("full_modern.txt"),
             first_published=1931),
        Book(880002, "The Bell at Morrow Farm", "Fixture, Ben; Drawer, Dan [Illustrator]",
             text=header_text("this_2010.txt"), subjects=("Farm life -- Fiction",),
             bookshelves=("Browsing: Fiction",), charset="us-ascii"),
        Book(880004, "The Weathervane", "Fixture, Cal (Calvin), 1870-1944",
             text=header_text("nospace.txt"), subjects=("Robots -- Drama",)),
        Book(880005, "The Ferryman's Ledger", text=header_text("small_print.txt"),
             subjects=("Rivers -- Fiction",), bookshelves=("Browsing: Fiction",)),
        Book(880006, "Der Uhrmacher", "Fixture, Emil, 1850-1920",
             text=header_text("small_print_2002_latin1.txt"), language="de",
             subjects=("Clocks and watches -- Fiction",), bookshelves=(), charset="iso-8859-1"),
        Book(880009, "The Night Train to Ostend\nA Story", text=header_text("copyrighted.txt"),
             rights="Copyrighted. Read the copyright notice inside this book for details.",
             subjects=("Railroad travel -- Fiction",), bookshelves=()),
    ]


_RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xml:base="http://www.gutenberg.org/"
  xmlns:pgterms="http://www.gutenberg.org/2009/pgterms/"
  xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dcam="http://purl.org/dc/dcam/">
  <pgterms:ebook rdf:about="ebooks/{id}">
    <dcterms:title>{title}</dcterms:title>
    {creators}
    <dcterms:rights>{rights}</dcterms:rights>
    <dcterms:issued rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2031-05-01</dcterms:issued>
    {description}
    <dcterms:language><rdf:Description><rdf:value>{language}</rdf:value></rdf:Description></dcterms:language>
    <dcterms:type><rdf:Description><rdf:value>{type}</rdf:value></rdf:Description></dcterms:type>
    {subjects}
    <dcterms:subject><rdf:Description><dcam:memberOf rdf:resource="http://purl.org/dc/terms/LCC"/><rdf:value>PZ</rdf:value></rdf:Description></dcterms:subject>
    {shelves}
    <dcterms:hasFormat><pgterms:file rdf:about="https://www.gutenberg.org/cache/epub/{id}/pg{id}.txt">
      <dcterms:format><rdf:Description>
        <rdf:value>text/plain; charset={charset}</rdf:value>
      </rdf:Description></dcterms:format>
    </pgterms:file></dcterms:hasFormat>
    <dcterms:hasFormat><pgterms:file rdf:about="https://www.gutenberg.org/ebooks/{id}.html.images">
      <dcterms:format><rdf:Description>
        <rdf:value>text/html; charset=utf-8</rdf:value>
      </rdf:Description></dcterms:format>
    </pgterms:file></dcterms:hasFormat>
  </pgterms:ebook>
  <rdf:Description rdf:about="http://en.wikipedia.org/wiki/Nobody">
    <dcterms:description>Wikipedia: First published: 1066</dcterms:description>
  </rdf:Description>
</rdf:RDF>
"""


def _rdf(book: Book) -> bytes:
    names = [a.split(" [")[0] for a in book.authors.split("; ") if "[" not in a]
    creators = "".join(
        "<dcterms:creator><pgterms:agent><pgterms:name>"
        + escape(",".join(name.split(",")[:2]))
        + "</pgterms:name></pgterms:agent></dcterms:creator>"
        for name in names
    )
    subjects = "".join(
        '<dcterms:subject><rdf:Description><dcam:memberOf rdf:resource="http://purl.org/dc/terms/'
        f'LCSH"/><rdf:value>{escape(s)}</rdf:value></rdf:Description></dcterms:subject>'
        for s in book.subjects
    )
    shelves = "".join(
        f"<pgterms:bookshelf><rdf:Description><rdf:value>{escape(s)}</rdf:value>"
        "</rdf:Description></pgterms:bookshelf>"
        for s in book.bookshelves
    )
    description = (
        f"<dcterms:description>First published: {book.first_published}</dcterms:description>"
        if book.first_published else ""
    )
    return _RDF.format(
        id=book.id, title=escape(book.rdf_title or book.title), creators=creators,
        rights=escape(book.rights), description=description, language=book.language,
        type=book.type, subjects=subjects, shelves=shelves, charset=book.charset,
    ).encode("utf-8")


def write_mirror(root: Path, books: list[Book], extra_rows: str = "") -> Path:
    """Lay ``books`` out in Gutenberg's layout under ``root``; return ``root``."""
    feeds = root / "cache" / "epub" / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["Text#", "Type", "Issued", "Title", "Language", "Authors", "Subjects", "LoCC",
         "Bookshelves"]
    )
    for book in books:
        folder = root / "cache" / "epub" / str(book.id)
        folder.mkdir(parents=True, exist_ok=True)
        if book.text is not None:
            (folder / f"pg{book.id}.txt").write_bytes(book.text)
        if book.rdf:
            (folder / f"pg{book.id}.rdf").write_bytes(_rdf(book))
        if book.in_catalogue:
            row = {
                "Text#": str(book.id), "Type": book.type, "Issued": "2031-05-01",
                "Title": book.title, "Language": book.language, "Authors": book.authors,
                "Subjects": "; ".join(book.subjects), "LoCC": "PZ",
                "Bookshelves": "; ".join(book.bookshelves),
            }
            row.update(book.catalogue_overrides)
            writer.writerow(list(row.values()))
    (feeds / "pg_catalog.csv").write_text(out.getvalue() + extra_rows, encoding="utf-8")
    return root


# --- a real HTTP server with fault injection --------------------------------------------------


class FaultServer:
    """State shared with the handler: the served folder, queued faults, request log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.faults: dict[str, list[str]] = {}
        self.counts: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.lock = threading.Lock()
        self.url = ""

    def fail(self, path: str, *faults: str) -> None:
        """Queue faults for ``path`` (served in order, then the real file): '404', '500',
        '503', '429:<retry-after>', 'truncate', 'reset', 'html', 'stall:<seconds>'."""
        self.faults.setdefault(path, []).extend(faults)

    def total(self) -> int:
        return sum(self.counts.values())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              length: int | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        state = self.server.state
        path = urlparse(self.path).path.lstrip("/")
        with state.lock:
            state.counts[path] += 1
            state.user_agents.append(self.headers.get("User-Agent", ""))
            queue = state.faults.get(path)
            fault = queue.pop(0) if queue else ""
        file = state.root / path
        body = file.read_bytes() if file.is_file() else b""
        kind, _, arg = fault.partition(":")
        if kind == "stall":
            time.sleep(float(arg))
        if kind == "404" or not file.is_file():
            self._send(404, b"not found")
        elif kind in ("429", "503"):
            self._send(int(kind), b"slow down", {"Retry-After": arg} if arg else None)
        elif kind == "500":
            self._send(500, b"boom")
        elif kind == "html":
            self._send(200, b"<!DOCTYPE html>\n<html><body>Mirror maintenance</body></html>",
                       {"Content-Type": "text/html"})
        elif kind == "truncate":
            # Promise the whole file, send half of it, close: a truncated download.
            self._send(200, body[: len(body) // 2], length=len(body))
            self.close_connection = True
        elif kind == "reset":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN, mid-body.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
            self.close_connection = True
        else:
            self._send(200, body, {"Content-Type": "text/plain; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets are on purpose


@contextmanager
def serve(root: Path) -> Iterator[FaultServer]:
    """Serve ``root`` over HTTP on 127.0.0.1 (a free port) for the duration of the block."""
    state = FaultServer(root)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = state
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    with running(server):
        yield state


# --- EPUB ------------------------------------------------------------------------------------


def make_epub(path: Path, title: str, author: str, language: str, chapters: list[str]) -> Path:
    """A minimal valid EPUB 3 with ``chapters`` (XHTML body markup) in spine order."""
    items = "".join(
        f'<item id="c{i}" href="text/ch{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">fixture</dc:identifier><dc:title>{escape(title)}</dc:title>'
        f"<dc:creator>{escape(author)}</dc:creator><dc:language>{language}</dc:language>"
        f"</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/content.opf", opf)
        for i, body in enumerate(chapters):
            archive.writestr(
                f"OEBPS/text/ch{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>ch{i}</title><style>p {{}}</style></head><body>{body}</body></html>",
            )
    return path
