"""Turn the raw bytes of a book into the cleaned text that every offset refers to.

Decoding: UTF-8 (with or without BOM) first, because valid non-ASCII UTF-8 is practically
never a legacy encoding; then the charsets the catalogue declares (Latin-1 for old Gutenberg
files); then charset-normalizer. Line endings become ``\\n``. Gutenberg's header and footer
are cut in all the variants seen on the real mirror (see ``strip_boilerplate``).

Everything runs on whole strings with ``str`` and ``bytes`` methods and bounded regex windows,
never a Python loop over lines: a 50 MB UTF-8 book costs a ``translate`` of its CRs and a
decode (see ``_decode_utf8_lf``), other books a decode and two replaces.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dataset_builder.errors import UserError

# Marker searches only look at the head and the tail of a book: headers (even the long 1990s
# "small print") end within ~30 kB and footers (full licence, 2002 small print) start within
# ~25 kB of the end; the windows leave twice that.
_HEAD_WINDOW = 64_000
_TAIL_WINDOW = 64_000
_SNIFF_BYTES = 4096

# Markers are found by scanning for a few literals with ``str.find`` (GB/s) and then testing
# only the lines that contain one; a MULTILINE ``^`` regex over the text is ~10x slower.
_LITERALS = ("utenberg", "UTENBERG", "MALL PRINT", "mall Print", "FULL LICENSE")
_PG = r"PROJECT[ \t]+GUTENBERG"
# `*** START OF THE PROJECT GUTENBERG EBOOK X ***`, `*** START OF THIS ...`, `***START OF...`,
# `*** START OF THE COPYRIGHTED PROJECT GUTENBERG ...`,
# `*** START OF THE PROJECT GUTENBERG EBOOK, X`.
_START_RE = re.compile(
    rf"[ \t]*\*{{3}}[ \t]*START[ \t]+OF[ \t]+(?:TH(?:E|IS)[ \t]+)?(?:COPYRIGHTED[ \t]+)?{_PG}",
    re.IGNORECASE,
)
# The 1990s/2002 header ends with `*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*`
# (later files: `*END THE SMALL PRINT! ...`); the book follows it.
_SMALL_PRINT_END_RE = re.compile(r"[ \t]*\*END\*?[ \t]*THE[ \t]+SMALL[ \t]+PRINT", re.IGNORECASE)
_END_RES = (
    # `*** END OF THE/THIS PROJECT GUTENBERG EBOOK X ***`, `***END OF ...***`
    ("end-marker", re.compile(
        rf"[ \t]*\*{{3}}[ \t]*END[ \t]+OF[ \t]+(?:TH(?:E|IS)[ \t]+)?(?:COPYRIGHTED[ \t]+)?{_PG}",
        re.IGNORECASE,
    )),
    # `End of the Project Gutenberg EBook of X`, `End of Project Gutenberg's X`,
    # `End of this Project Gutenberg Etext`, `END OF PROJECT GUTENBERG ...`, German variant.
    ("end-of-line", re.compile(rf"[ \t]*End[ \t]+of[ \t]+(?:th(?:e|is)[ \t]+)?{_PG}", re.I)),
    ("end-of-line", re.compile(r"[ \t]*Ende[ \t]+dieses[ \t]+Proje[ck]ts?[ \t]+Gutenberg", re.I)),
    # Licence blocks that sometimes follow the text without an END line.
    ("licence", re.compile(r"[ \t]*\*{3}[ \t]*START:[ \t]*FULL[ \t]+LICENSE", re.I)),
    ("licence", re.compile(r"[ \t]*\*{3}[ \t]*START\*+THE[ \t]+SMALL[ \t]+PRINT", re.I)),
)
# Credit paragraphs that Gutenberg puts right after the START line; they are not the book.
_CREDITS_RE = re.compile(
    r"(?:Produced[ \t]+by|E-?text[ \t]+prepared[ \t]+by|This[ \t]+e-?(?:text|book)[ \t]+was[ \t]+"
    r"(?:produced|prepared)[ \t]+by|Transcribed[ \t]+from[ \t]+the[^\n]*edition"
    r"|This[ \t]+(?:e-?)?text[ \t]+has[ \t]+been[ \t]+derived[ \t]+from)",
    re.IGNORECASE,
)
_MAX_CREDITS_CHARS = 1500
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")
_BLANK_LINES_RE = re.compile(r"(?:[ \t]*\n)+")  # use with .match(text, pos)
_HEADER_CHARSET_RE = re.compile(rb"^Character set encoding:[ \t]*([A-Za-z0-9_.:-]+)", re.M | re.I)
_HTML_RE = re.compile(
    r"\A\s*(?:<!DOCTYPE[ \t]+html|<html[\s>]|<\?xml[^>]*>\s*<!DOCTYPE html)", re.I
)


@dataclass(frozen=True)
class CleanText:
    text: str
    encoding: str
    header: str  # which header variant was cut: start-marker, small-print or none
    footer: str  # which footer marker was found: end-marker, end-of-line, licence or none


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode(data: bytes, charsets: tuple[str, ...] = (), where: str = "text") -> tuple[str, str]:
    """Decode ``data``; return (text, codec name). Raise UserError for binary or unknown bytes."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return str(memoryview(data)[3:], "utf-8"), "utf-8-sig"  # no copy of the bytes
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{where}: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte {exc.start + 3}); the file is damaged, fetch it again."
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{where}: starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                f"(byte {exc.start}: {exc.reason}); the file is damaged or cut short, "
                "fetch it again."
            ) from exc
    if b"\x00" in data:
        raise UserError(
            f"{where}: contains NUL bytes, so it is a binary file, not plain text; "
            "supply the .txt edition of the book."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = list(charsets)
    if match := _HEADER_CHARSET_RE.search(data[:_SNIFF_BYTES * 4]):
        declared.append(match.group(1).decode("ascii"))
    for name in declared:
        codec = _codec(name)
        if codec is None or codec == "utf-8":
            continue
        # Gutenberg's "iso-8859-1" files often carry Windows-1252 quotes in 0x80-0x9f; cp1252
        # equals Latin-1 everywhere else, and fails only on its five undefined bytes.
        candidates = ("cp1252", codec) if codec == "iso8859-1" else (codec,)
        for candidate in candidates:
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
    from charset_normalizer import from_bytes  # imported late: only undeclared legacy files need it

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UserError(
            f"{where}: unknown text encoding (not UTF-8, no charset declared, and detection "
            "failed); convert the file to UTF-8 or declare its charset."
        )
    return data.decode(best.encoding, errors="strict"), best.encoding


def normalise_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return text.replace("\r", "\n") if "\r" in text else text


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _marker_lines(text: str, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every line overlapping [lo, hi) that contains one of ``_LITERALS``, in
    text order, found lazily: the footer search stops at its first marker instead of visiting
    every "Gutenberg" of the licence that follows it."""
    nexts = [text.find(literal, lo, hi) for literal in _LITERALS]
    while True:
        found = [at for at in nexts if at >= 0]
        if not found:
            return
        at = min(found)
        start = text.rfind("\n", 0, at) + 1
        end = _line_end(text, at)
        yield start, end
        for i, literal in enumerate(_LITERALS):
            if 0 <= nexts[i] < end:  # this line is done: look after it
                nexts[i] = text.find(literal, end, hi)


def _start_marker_end(text: str, line_end: int) -> int:
    """End of a START line; a long title can wrap, with the closing `***` on the next line."""
    if text[max(0, line_end - 256) : line_end].rstrip().endswith("***") or line_end >= len(text):
        return line_end
    nxt_end = text.find("\n", line_end + 1)
    nxt_end = len(text) if nxt_end < 0 else nxt_end
    nxt = text[line_end + 1 : nxt_end]
    if nxt.strip() and len(nxt) < 200 and nxt.rstrip().endswith("***"):
        return nxt_end
    return line_end


def _header_ends(text: str) -> list[tuple[int, int, str]]:
    """(marker start, header end, kind) of every header-closing marker in the head window."""
    found = []
    for start, end in _marker_lines(text, 0, _HEAD_WINDOW):
        if _START_RE.match(text, start, end):
            found.append((start, _start_marker_end(text, end), "start-marker"))
        elif _SMALL_PRINT_END_RE.match(text, start, end):
            found.append((start, end, "small-print"))
    return found


def _footer_start(text: str, after: int) -> tuple[int, str]:
    """Start and kind of the first footer marker after ``after`` (in the tail window)."""
    for start, end in _marker_lines(text, max(after, len(text) - _TAIL_WINDOW), len(text)):
        if start < after:
            continue
        for kind, regex in _END_RES:
            if regex.match(text, start, end):
                return start, kind
    return len(text), "none"


def _skip_credits(text: str, pos: int) -> int:
    """Skip up to two 'Produced by ...' paragraphs that directly follow the START line."""
    for _ in range(2):
        lead = _BLANK_LINES_RE.match(text, pos)
        start = lead.end() if lead else pos
        if not _CREDITS_RE.match(text, start):
            break
        brk = _PARAGRAPH_BREAK_RE.search(text, start, start + _MAX_CREDITS_CHARS)
        if brk is None:
            break
        pos = brk.start() + 1
    return pos


def strip_boilerplate(text: str) -> tuple[str, str, str]:
    """Cut Gutenberg's header and footer; return (body, header kind, footer kind).

    Handles: full title block + START/END + licence; START/END sentinels only; no-space
    ``***START OF``; ``START OF THIS PROJECT GUTENBERG``; a START title wrapped over two lines;
    the 1990s/2002 small-print header ending ``*END*THE SMALL PRINT!``; footers that begin with
    ``End of (the) Project Gutenberg ...`` (checked before the END line); credit lines
    ("Produced by ...") right after START. Text without markers is returned as is.
    """
    headers = _header_ends(text)
    first_end = headers[0][1] if headers else 0
    footer_at, footer = _footer_start(text, first_end)
    header_end, header = 0, "none"
    # The last header marker before the footer closes the header (some 2002 files have the
    # small print at the top and a START line after it; others have it after the END line).
    for start, end, kind in headers:
        if start < footer_at:
            header_end, header = end, kind
    if header != "none":
        header_end = _skip_credits(text, header_end)
    # Trim blank lines at both ends by moving indices, so the book is copied only once.
    lead = _BLANK_LINES_RE.match(text, header_end, footer_at)
    start = lead.end() if lead else header_end
    tail_from = max(start, footer_at - 4096)
    end = tail_from + len(text[tail_from:footer_at].rstrip())
    while end == tail_from and end > start:  # a tail of 4 kB of whitespace: rare, keep looking
        tail_from = max(start, tail_from - 4096)
        end = tail_from + len(text[tail_from:footer_at].rstrip())
    return text[start:end], header, footer


def looks_like_html(text: str) -> bool:
    return _HTML_RE.match(text[:_SNIFF_BYTES]) is not None


def clean_bytes(data: bytes, charsets: tuple[str, ...] = (), where: str = "text") -> CleanText:
    """Decode, normalise and strip one book; raise UserError if nothing usable remains."""
    if not data or data.isspace():
        raise UserError(
            f"{where}: the file is empty; fetch it again or drop it from the selection."
        )
    utf8 = _decode_utf8_lf(data)
    if utf8 is not None:  # the common case, ~2x faster: see _decode_utf8_lf
        text, encoding = utf8
        return _clean_lf(text.removeprefix("\ufeff"), where, encoding)
    text, encoding = decode(data, charsets, where)
    return clean_str(text, where, encoding)


def _decode_utf8_lf(data: bytes) -> tuple[str, str] | None:
    """``decode`` and ``normalise_newlines`` at once for UTF-8 bytes (with or without BOM):
    (text, codec), or None for anything else, which then takes the general path.

    The newlines are normalised on the bytes, before decoding: CR and LF are single bytes that
    never occur inside a multi-byte UTF-8 character, so the text is the same, and a book
    whose every CR ends a CRLF (nearly all of them) needs only one ``translate`` to drop
    the CRs, where ``str.replace`` of CRLF costs three times as much.
    """
    if b"\x00" in data:
        return None  # decode refuses NUL bytes (or decodes them after a BOM): let it say which
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = str(memoryview(_lf_bytes(data))[3 if bom else 0:], "utf-8")
    except UnicodeDecodeError:
        return None  # not UTF-8: another codec, or decode's error message
    return text, "utf-8-sig" if bom else "utf-8"


def _lf_bytes(data: bytes) -> bytes:
    """``normalise_newlines`` on bytes of an ASCII-compatible encoding."""
    if b"\r" not in data:
        return data
    import numpy as np  # imported here: collect's workers have it already (see processes.py)

    at = np.frombuffer(data, dtype=np.uint8)
    cr = np.flatnonzero(at == 13)
    if cr[-1] + 1 < len(at) and bool((at[cr + 1] == 10).all()):  # no lone CR
        return data.translate(None, b"\r")
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def clean_str(text: str, where: str = "text", encoding: str = "utf-8") -> CleanText:
    return _clean_lf(normalise_newlines(text.removeprefix("\ufeff")), where, encoding)


def _clean_lf(text: str, where: str, encoding: str) -> CleanText:
    """``clean_str`` for a text whose newlines are already normalised."""
    if looks_like_html(text):
        raise UserError(
            f"{where}: is an HTML page, not plain text (a mirror error page or the HTML "
            "edition); point at the .txt file."
        )
    body, header, footer = strip_boilerplate(text)
    if not body.strip():
        raise UserError(
            f"{where}: no text left after removing the Gutenberg header and footer; "
            "the book is empty — drop it from the selection."
        )
    return CleanText(body, encoding, header, footer)
