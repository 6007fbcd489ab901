"""Decoding, newline normalisation and Gutenberg header/footer stripping."""
from __future__ import annotations

import codecs
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dataset_builder.collect.clean import clean_bytes, clean_str, decode, strip_boilerplate
from dataset_builder.errors import UserError
from tests.collect_fixtures import HEADERS_DIR, header_cases

CASES = header_cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_header_variant_is_stripped_exactly(name: str) -> None:
    case = CASES[name]
    data = (HEADERS_DIR / name).read_bytes()
    cleaned = clean_bytes(data, tuple(case["charsets"]), name)  # type: ignore[arg-type]
    assert cleaned.text == case["body"]
    assert (cleaned.encoding, cleaned.header, cleaned.footer) == (
        case["encoding"], case["header"], case["footer"],
    )
    assert "\r" not in cleaned.text
    assert "gutenberg" not in cleaned.text.lower()


def test_fixtures_really_have_the_shapes_they_claim() -> None:
    # Guard against a fixture silently losing the variant it is meant to test.
    raw = {n: (HEADERS_DIR / n).read_bytes() for n in CASES}
    assert raw["full_modern.txt"].startswith(b"\xef\xbb\xbf") and b"\r\n" in raw["full_modern.txt"]
    assert b"***START OF THE PROJECT" in raw["nospace.txt"]
    assert b"*END*THE SMALL PRINT!" in raw["small_print.txt"]
    assert b"*END THE SMALL PRINT!" in raw["small_print_2002_latin1.txt"]
    assert b"\nProduced by" in raw["this_2010.txt"].replace(b"\r", b"")
    assert b"\r" in raw["old_cr_only.txt"] and b"\n" not in raw["old_cr_only.txt"]
    assert b"\x93" in raw["cp1252_quotes.txt"]
    assert b"\xfc" in raw["small_print_2002_latin1.txt"]  # a Latin-1 ü


def test_credits_after_start_are_cut_but_body_paragraph_starting_alike_is_kept() -> None:
    text = (
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\nProduced by Someone\n\n\n"
        "TITLE\n\nProduced by the town for the fair, the robot walked.\n\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK X ***\n"
    )
    body, _, _ = strip_boilerplate(text)
    assert body == "TITLE\n\nProduced by the town for the fair, the robot walked."


def test_decode_prefers_valid_utf8_over_a_latin1_declaration() -> None:
    data = "naïve café".encode()
    assert decode(data, ("iso-8859-1",)) == ("naïve café", "utf-8")
    assert decode("naïve café".encode("latin-1"), ("iso-8859-1",))[0] == "naïve café"


def test_decode_utf16_with_bom() -> None:
    data = "\ufeffA robot spoke.".encode("utf-16-le")
    assert decode(data)[0] == "A robot spoke."


def test_truncated_utf16_is_rejected_clearly() -> None:
    # A BOM, then half a character: cut short in transfer.
    with pytest.raises(UserError, match=r"book\.txt: starts with a UTF-16 byte-order mark but "
                       r"is not valid UTF-16 \(byte 16: truncated data\).*fetch it again"):
        clean_bytes(codecs.BOM_UTF16_LE + "A story".encode("utf-16-le") + b"\r",
                    where="book.txt")


def test_binary_file_is_rejected_clearly() -> None:
    with pytest.raises(UserError, match=r"book\.txt: contains NUL bytes.*binary"):
        clean_bytes(b"GIF89a\x00\x01\x02 some text", (), "book.txt")


def test_unknown_encoding_is_rejected_clearly() -> None:
    noise = bytes(range(0x80, 0x100)) * 64  # no NUL, not UTF-8, no charset declared
    with pytest.raises(UserError, match=r"noise\.txt: unknown text encoding"):
        clean_bytes(noise, (), "noise.txt")


@pytest.mark.parametrize("data", [b"", b"  \r\n\r\n", b"*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n"])  # noqa: E501
def test_empty_book_is_rejected(data: bytes) -> None:
    with pytest.raises(UserError, match=r"empty"):
        clean_bytes(data, (), "e.txt")


def test_html_instead_of_text_is_rejected() -> None:
    with pytest.raises(UserError, match=r"HTML page, not plain text"):
        clean_bytes(b"\n<!DOCTYPE html>\n<html><body>503</body></html>", (), "x.txt")


def test_fifty_megabytes_without_a_newline_is_processed_fast() -> None:
    data = b"robot " * (50 * 1024 * 1024 // 6)
    started = time.perf_counter()
    cleaned = clean_bytes(data, (), "huge.txt")
    elapsed = time.perf_counter() - started
    assert len(cleaned.text) == len(data) - 1  # only the trailing space is trimmed
    assert elapsed < 5, f"cleaning 50 MB took {elapsed:.1f} s"


_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60
).filter(lambda s: "gutenberg" not in s.lower() and "small print" not in s.lower())


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(_line, min_size=1, max_size=30),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    header=st.sampled_from([
        "*** START OF THE PROJECT GUTENBERG EBOOK T ***",
        "***START OF THE PROJECT GUTENBERG EBOOK T***",
        "*** START OF THIS PROJECT GUTENBERG EBOOK T ***",
        "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
    ]),
    footer=st.sampled_from([
        "*** END OF THE PROJECT GUTENBERG EBOOK T ***",
        "End of the Project Gutenberg EBook of T",
        "End of Project Gutenberg's T, by A",
    ]),
)
def test_wrapped_body_comes_back_unchanged(
    lines: list[str], newline: str, header: str, footer: str
) -> None:
    assume(lines[0].strip() and lines[-1].strip())
    body = "\n".join(lines)
    raw = newline.join(["Title block", "", header, "", *lines, "", footer, "licence"])
    assert clean_str(raw, "h").text == body.rstrip()


def _general_path(data: bytes, charsets: tuple[str, ...]) -> object:
    """What clean_bytes gave before its UTF-8 fast path: decode, then clean_str."""
    try:
        if not data or data.isspace():
            return clean_bytes(data, charsets, "t")  # raises the empty-file error
        text, encoding = decode(data, charsets, "t")
        return clean_str(text, "t", encoding)
    except (UserError, UnicodeDecodeError) as exc:  # a truncated UTF-16 file: the latter
        return repr(exc)


_NEWLINE_PIECES = [
    b"\r\n", b"\r", b"\n", b"\n\n", b"\r\n\r\n", b"\xef\xbb\xbf", b"\x00", b"\xe9", b"\xc3\xa9",
    b"\xe2\x80\x9c", b"\xff\xfe", b"word", b" ", b"The robot said.",
    b"*** START OF THE PROJECT GUTENBERG EBOOK X ***", b"*** END OF THE PROJECT GUTENBERG EBOOK",
    b"<html>",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NEWLINE_PIECES), max_size=30).map(b"".join),
       st.sampled_from([(), ("latin-1",), ("utf-16",)]))
def test_utf8_fast_path_gives_what_the_general_path_gives(data: bytes,
                                                          charsets: tuple[str, ...]) -> None:
    """Newlines normalised on the bytes before decoding (UTF-8 only) give the same text,
    codec, header and footer, or the same error, as decoding first."""
    try:
        fast: object = clean_bytes(data, charsets, "t")
    except (UserError, UnicodeDecodeError) as exc:
        fast = repr(exc)
    assert fast == _general_path(data, charsets)


def test_utf8_fast_path_keeps_lone_carriage_returns_as_newlines() -> None:
    assert clean_bytes(b"a\r\nb\rc\r\n\r\nd\r").text == "a\nb\nc\n\nd"
    assert clean_bytes("\ufeffé\r\nx".encode()).text == "é\nx"
