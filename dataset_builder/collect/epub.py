"""Plain text and metadata from an EPUB with the standard library only (zipfile, ElementTree,
html.parser): the chapters in spine order, one paragraph per block element."""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

from dataset_builder.errors import UserError

_MAX_UNCOMPRESSED = 500 * 1024 * 1024  # refuse zip bombs
_MAX_RATIO = 100  # unpacked bytes per byte of the file, at most
_MIN_BUDGET = 32 * 1024 * 1024  # a small EPUB may still unpack to this much
_BLOCKS = frozenset({
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre",
    "section", "article", "header", "footer", "hr", "table", "ul", "ol", "dd", "dt", "title",
})
_SKIP = frozenset({"script", "style", "head", "svg", "math"})
_SPACES_RE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}


@dataclass
class EpubBook:
    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None


class _TextExtractor(HTMLParser):
    """Collect text; a block element ends a paragraph; whitespace inside a paragraph collapses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        paragraph = _SPACES_RE.sub(" ", "".join(self._current)).strip()
        if paragraph:
            self.paragraphs.append(paragraph)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def text(self) -> str:
        self._flush()
        return "\n\n".join(self.paragraphs)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return parser.text()


def read_epub(data: bytes, where: str) -> EpubBook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UserError(f"{where}: not a valid EPUB (zip) file ({exc}); re-export it.") from exc
    # The sizes a zip declares can lie: what is actually unpacked is counted too. A book's
    # text compresses 3-5 times; a zip bomb (858 KB -> 200 MB) hundreds of times.
    budget = [min(_MAX_UNCOMPRESSED, max(_MIN_BUDGET, _MAX_RATIO * len(data)))]

    def read(name: str) -> bytes:
        with archive.open(name) as member:
            out = member.read(budget[0] + 1)
        if len(out) > budget[0]:
            raise UserError(f"{where}: EPUB unpacks to more than {_MAX_RATIO} times its size "
                            "(a zip bomb?); refusing it.")
        budget[0] -= len(out)
        return out

    with archive:
        if sum(info.file_size for info in archive.infolist()) > _MAX_UNCOMPRESSED:
            raise UserError(f"{where}: EPUB unpacks to more than 500 MB; refusing it.")
        try:
            container = ET.fromstring(read("META-INF/container.xml"))
            rootfile = container.find(".//c:rootfile", _NS)
            if rootfile is None or not rootfile.get("full-path"):
                raise KeyError("rootfile")
            opf_path = rootfile.get("full-path", "")
            opf = ET.fromstring(read(opf_path))
        except (KeyError, ET.ParseError) as exc:
            raise UserError(
                f"{where}: EPUB has no readable META-INF/container.xml or package file ({exc}); "
                "re-export it."
            ) from exc
        base = posixpath.dirname(opf_path)
        manifest = {
            item.get("id"): item.get("href", "")
            for item in opf.findall("opf:manifest/opf:item", _NS)
        }
        chapters = []
        for ref in opf.findall("opf:spine/opf:itemref", _NS):
            href = manifest.get(ref.get("idref"))
            if not href:
                continue
            name = posixpath.normpath(posixpath.join(base, unquote(href)))
            try:
                raw = read(name)
            except KeyError as exc:
                raise UserError(f"{where}: spine item {name} is missing from the EPUB.") from exc
            chapters.append(html_to_text(raw.decode("utf-8", errors="replace")))
        meta = opf.find("opf:metadata", _NS)
    book = EpubBook(text="\n\n".join(c for c in chapters if c))
    if meta is not None:
        title = meta.findtext("dc:title", default="", namespaces=_NS).strip()
        book.title = title or None
        book.authors = [a.text.strip() for a in meta.findall("dc:creator", _NS) if a.text]
        language = meta.findtext("dc:language", default="", namespaces=_NS).strip()
        book.language = language.lower() or None
    return book
