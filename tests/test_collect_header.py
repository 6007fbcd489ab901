"""The Gutenberg header of a text: the last fallback for title, authors, language, date."""

from __future__ import annotations

from dataset_builder.collect.header import parse_header, release_date
from tests.collect_fixtures import header_text


def test_modern_header_fields() -> None:
    record = parse_header(header_text("full_modern.txt").decode("utf-8-sig"))
    assert record.fields() == {"title": "The Lamplighter of Quay Street",
                               "authors": ["Ada Fixture"], "language": "en",
                               "released": "2031-05-01"}


def test_old_header_month_only_and_no_language() -> None:
    record = parse_header(header_text("nospace.txt").decode("utf-8"))
    assert (record.title, record.authors, record.language, record.released) == (
        "The Weathervane", ["Cal Fixture"], None, "2005-03")


def test_wrapped_title_several_authors_and_unknown_language() -> None:
    head = ("Title: The Long Title\n  Which Wraps\n\nAuthor: Ann One and Bob Two\n\n"
            "Language: Klingon\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n"
            "Title: not a header field\n")
    record = parse_header(head)
    assert record.title == "The Long Title\nWhich Wraps"
    assert record.authors == ["Ann One", "Bob Two"]
    assert record.language is None  # not guessed: the build reports no Language instead


def test_text_without_header_gives_nothing() -> None:
    assert parse_header(header_text("no_markers.txt").decode("utf-8")).fields() == {
        "title": None, "authors": [], "language": None, "released": None}
    assert release_date("sometime in 1999") is None
    assert release_date("February 30, 2004 [EBook #1]") == "2004-02"
