"""pg_catalog.csv and RDF parsing, author names, licences, selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_builder.collect.catalogue import (
    catalogue_authors,
    charset_hints,
    display_name,
    licence_from_rights,
    parse_catalogue,
    parse_rdf,
    select,
)
from dataset_builder.errors import UserError
from tests.collect_fixtures import Book, default_books, write_mirror

HEADER = "Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n"


def test_catalogue_with_multiline_title_and_bad_rows(tmp_path: Path) -> None:
    data = (
        HEADER
        + '7,Text,2019-03-22,"Two Lines\nOf Title",en,"Smith, Jo, 1900-1950; Roe, Al [Translator]",'
        'Robots -- Fiction; Drama,PG,Browsing: Fiction\n'
        + "x9,Text,2020-01-01,Bad Id,en,,,,\n"
        + "8,Sound,2020-01-01,An Audio Book,en,,Robots -- Fiction,,\n"
        + "9,Text,2020-01-01,,,,,,\n"  # a row with missing fields is kept; the book fails later
    ).encode()
    entries, warnings = parse_catalogue(data, "cat.csv")
    assert sorted(entries) == [7, 8, 9]
    seven = entries[7]
    assert seven.title == "Two Lines\nOf Title"
    assert seven.authors == ("Jo Smith",)
    assert seven.subjects == ("Robots -- Fiction", "Drama")
    assert seven.bookshelves == ("Browsing: Fiction",)
    assert entries[9].title == "" and entries[9].languages == ()
    assert (seven.line, entries[8].line) == (2, 5)  # a quoted title spans lines 2-3
    assert warnings == ["cat.csv line 4: Text# 'x9' is not a number; row ignored."]


def test_catalogue_missing_columns_is_a_clear_error() -> None:
    with pytest.raises(UserError, match=r"cat\.csv: missing column\(s\) Subjects, LoCC"):
        parse_catalogue(b"Text#,Type,Issued,Title,Language,Authors,Bookshelves\n", "cat.csv")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Čapek, Karel, 1890-1938", "Karel Čapek"),
        ("Baum, L. Frank (Lyman Frank), 1856-1919", "L. Frank Baum"),
        ("King, Martin Luther, Jr., 1929-1968", "Martin Luther King Jr."),
        ("Homer, 751? BCE-651? BCE", "Homer"),
        ("Anonymous", "Anonymous"),
        ("Sample, Ann, 1928-", "Ann Sample"),
    ],
)
def test_display_name(raw: str, expected: str) -> None:
    assert display_name(raw) == expected


def test_catalogue_authors_leave_out_translators_unless_nobody_else() -> None:
    assert catalogue_authors("A, B; C, D [Translator]; E, F [Author]") == ("B A", "F E")
    assert catalogue_authors("Ed, Itor [Editor]") == ("Itor Ed",)
    assert catalogue_authors("") == ()


@pytest.mark.parametrize(
    ("rights", "licence"),
    [
        ("Public domain in the USA.", "public-domain-us"),
        ("Copyrighted. Read the copyright notice inside this book for details.", "copyrighted"),
        ("None", "unknown"),
        (None, "unknown"),
    ],
)
def test_licence_from_rights(rights: str | None, licence: str) -> None:
    assert licence_from_rights(rights) == licence


def test_parse_rdf_fields(tmp_path: Path) -> None:
    root = write_mirror(tmp_path, default_books())
    record = parse_rdf((root / "cache/epub/880001/pg880001.rdf").read_bytes(), "pg880001.rdf")
    assert record.title == "The Lamplighter of Quay Street"
    assert record.authors == ["Ada Fixture"]
    assert record.languages == ["en"]
    assert record.subjects == ["Robots -- Fiction", "Short stories"]  # LCC 'PZ' left out
    assert record.bookshelves == ["Science Fiction"]
    assert record.rights == "Public domain in the USA."
    assert record.year == 1931  # not the 2031 release date, not the Wikipedia note's 1066
    assert record.type == "Text"
    assert charset_hints(record, 880001) == ("utf-8",)
    latin = parse_rdf((root / "cache/epub/880006/pg880006.rdf").read_bytes())
    assert latin.year is None
    assert charset_hints(latin, 880006) == ("iso-8859-1",)


def test_parse_rdf_errors() -> None:
    with pytest.raises(UserError, match=r"r\.rdf: not valid RDF/XML"):
        parse_rdf(b"<rdf:RDF><unclosed>", "r.rdf")
    with pytest.raises(UserError, match=r"no pgterms:ebook"):
        parse_rdf(b"<root/>", "r.rdf")


def test_select_semantics(tmp_path: Path) -> None:
    books = [*default_books(), Book(880100, "Audio", type="Sound")]
    root = write_mirror(tmp_path, books)
    entries, _ = parse_catalogue((root / "cache/epub/feeds/pg_catalog.csv").read_bytes())
    every_text = sorted(b.id for b in books if b.type == "Text")
    assert select(entries) == every_text
    # 'Robots' matches 'Robots -- Fiction' and 'Robots -- Drama', case-insensitively
    assert select(entries, subjects=["robots"]) == [880001, 880004]
    assert select(entries, subjects=["Robots -- Fiction"]) == [880001]
    assert select(entries, bookshelves=["browsing: fiction"]) == [880002, 880005]
    assert select(entries, subjects=["Robots"], bookshelves=["Browsing: Fiction"]) == []
    assert select(entries, language="de") == [880006]
