"""collect_gutenberg on the embedded sample, on fixture mirrors, and over real HTTP with faults."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder import __version__, paths
from dataset_builder.cli import main
from dataset_builder.collect import collect_gutenberg
from dataset_builder.errors import UserError
from dataset_builder.io import sha256_file
from dataset_builder.schemas.works import WorkSchema
from tests.collect_fixtures import Book, default_books, header_text, serve, write_mirror

FAST = {"delay": 0.0, "backoff": 0.01, "timeout": 5.0}


def works(workdir: Path) -> pd.DataFrame:
    frame = pd.read_parquet(workdir / "works.parquet")
    WorkSchema.validate(frame, lazy=True)
    return frame.set_index("work_id", drop=False)


def text_of(workdir: Path, row: pd.Series) -> str:
    return (workdir / row["text_path"]).read_text(encoding="utf-8")


# --- the embedded sample corpus --------------------------------------------------------------


def test_sample_corpus_is_cleaned_as_expected(tmp_path: Path) -> None:
    expected = json.loads((paths.SAMPLE_MIRROR / "EXPECTED.json").read_text("utf-8"))["books"]
    report = collect_gutenberg(str(paths.SAMPLE_MIRROR), tmp_path, delay=0)
    assert report.ok and not report.warnings
    assert sorted(report.collected) == sorted(f"gutenberg:{n}" for n in expected)
    table = works(tmp_path)
    for n, book in expected.items():
        row = table.loc[f"gutenberg:{n}"]
        text = text_of(tmp_path, row)
        assert text.startswith(book["first_body_line"] + "\n"), n
        assert text.endswith(book["last_body_line"]), n
        assert text.count("\n") + 1 == book["body_line_count"], n
        assert "gutenberg" not in text.lower(), n
        assert row["licence"] == book["licence"], n
        assert row["year"] == book["first_published"], n
        assert row["title"] == book["title"], n
        assert row["n_chars"] == len(text)
        assert row["source_url"] == f"https://www.gutenberg.org/ebooks/{n}"
        assert row["text_path"] == f"texts/{row['sha256']}.txt"
        assert sha256_file(tmp_path / row["text_path"]) == row["sha256"]
    assert list(table.loc["gutenberg:990001", "authors"]) == ["Harriet Lowe Sample"]


# --- a fixture mirror on disk ------------------------------------------------------------------


def test_selection_metadata_and_merge_by_work_id(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books())
    work = tmp_path / "work"
    first = collect_gutenberg(mirror, work, subjects=["Robots"], delay=0)
    assert first.collected == ["gutenberg:880001", "gutenberg:880004"]
    second = collect_gutenberg(mirror, work, ids=[880009, 880006], delay=0)
    assert second.collected == ["gutenberg:880006", "gutenberg:880009"]
    table = works(work)
    assert sorted(table.index) == [
        "gutenberg:880001", "gutenberg:880004", "gutenberg:880006", "gutenberg:880009",
    ]
    lamp = table.loc["gutenberg:880001"]
    assert (lamp["title"], list(lamp["authors"]), lamp["year"], lamp["language"]) == (
        "The Lamplighter of Quay Street", ["Ada Fixture"], 1931, "en",
    )
    assert list(lamp["subjects"]) == ["Robots -- Fiction", "Short stories"]
    assert lamp["licence"] == "public-domain-us"
    assert list(table.loc["gutenberg:880004", "authors"]) == ["Cal Fixture"]
    assert pd.isna(table.loc["gutenberg:880004", "year"])
    night = table.loc["gutenberg:880009"]
    assert night["licence"] == "copyrighted"
    assert night["title"] == "The Night Train to Ostend\nA Story"
    uhr = table.loc["gutenberg:880006"]
    assert uhr["language"] == "de"
    assert text_of(work, uhr).startswith("DER UHRMACHER\n\nDer Uhrmacher von Lübeck")


def test_rerun_skips_unchanged_and_updates_changed(tmp_path: Path) -> None:
    books = default_books()
    mirror = write_mirror(tmp_path / "mirror", books)
    work = tmp_path / "work"
    assert len(collect_gutenberg(mirror, work, delay=0).collected) == len(books)
    before = (work / "works.parquet").stat().st_mtime_ns
    again = collect_gutenberg(mirror, work, delay=0)
    assert (again.collected, len(again.skipped)) == ([], len(books))
    assert (work / "works.parquet").stat().st_mtime_ns == before  # not rewritten
    book = mirror / "cache/epub/880002/pg880002.txt"
    book.write_bytes(book.read_bytes().replace(b"nobody remembered", b"all forgot"))
    third = collect_gutenberg(mirror, work, delay=0)
    assert third.collected == ["gutenberg:880002"]
    row = works(work).loc["gutenberg:880002"]
    assert "all forgot who" in text_of(work, row)


def _bad_books() -> list[Book]:
    good = header_text("full_modern.txt")
    return [
        Book(880001, "Good Book", text=good),
        Book(881001, "Binary", text=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        Book(881002, "Html", text=b"<!DOCTYPE html><html><body>Not found</body></html>"),
        Book(881003, "Empty", text=b""),
        Book(881004, "No Rdf", text=good, rdf=False),
        Book(881005, "No Text", text=None),
        # No title or language anywhere: the text has no Gutenberg header either.
        Book(881006, "", text=header_text("no_markers.txt"), rdf=False,
             catalogue_overrides={"Language": ""}),
        Book(881007, "Rdf Only", text=good, in_catalogue=False),
        # The catalogue row is empty and there is no RDF: the text's own header tells.
        Book(881009, "", text=good, rdf=False,
             catalogue_overrides={"Language": "", "Authors": "", "Issued": ""}),
        Book(881008, "An Audio Book", text=good, type="Sound"),
    ]


def _subtitle_with_cr(mirror: Path) -> None:
    rdf = mirror / "cache/epub/881007/pg881007.rdf"  # real RDF titles carry CR as &#13;
    rdf.write_bytes(rdf.read_bytes().replace(b"Rdf Only<", b"Rdf Only&#13;\nA Subtitle<"))


def test_bad_inputs_each_get_one_line_and_a_rerun_completes_them(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", _bad_books())
    _subtitle_with_cr(mirror)
    work = tmp_path / "work"
    ids = "880001,881001,881002,881003,881004,881005,881006,881007,881009,881008"
    args = ["collect", "gutenberg", "--mirror", str(mirror), "-w", str(work), "--ids", ids,
            "--delay", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    by_id = {line.split()[1].rstrip(":"): line for line in errors if "gutenberg:" in line}
    assert "NUL bytes" in by_id["gutenberg:881001"]
    assert "HTML page" in by_id["gutenberg:881002"]
    assert "empty" in by_id["gutenberg:881003"]
    assert "pg881005.txt: not found" in by_id["gutenberg:881005"]
    assert "no Title in pg_catalog.csv line" in by_id["gutenberg:881006"]
    assert "Sound item" in by_id["gutenberg:881008"]
    assert len(by_id) == 6
    assert "6 work(s) failed" in result.stderr
    assert "gutenberg:881004: no RDF record" in result.stderr  # a warning, not a failure
    table = works(work)
    assert sorted(table.index) == ["gutenberg:880001", "gutenberg:881004", "gutenberg:881007",
                                   "gutenberg:881009"]
    assert table.loc["gutenberg:881004", "licence"] == "unknown"
    from_header = table.loc["gutenberg:881009"]
    assert (from_header["title"], list(from_header["authors"]), from_header["language"],
            from_header["released"]) == ("The Lamplighter of Quay Street", ["Ada Fixture"],
                                         "en", "2031-05-01")
    assert list(from_header["metadata_from"]) == [
        "title:header", "authors:header", "language:header", "released:header",
        "subjects:catalogue"]
    # the catalogue first, where it has the field
    assert list(table.loc["gutenberg:880001", "metadata_from"])[:3] == [
        "title:catalogue", "authors:catalogue", "language:catalogue"]
    assert table.loc["gutenberg:881007", "title"] == "Rdf Only\nA Subtitle"
    # nothing partial: every text file belongs to a row, no temp files anywhere
    assert {p.name for p in (work / "texts").iterdir()} == {
        Path(p).name for p in table["text_path"]
    }
    assert not list(work.rglob("*.tmp"))
    # fix the inputs; the rerun collects what failed and leaves the rest alone
    fixed = header_text("nospace.txt")
    books = _bad_books()
    books[6] = Book(881006, "Fixed", text=fixed, rdf=False)
    write_mirror(mirror, books[:-1])
    _subtitle_with_cr(mirror)
    for n in (881001, 881002, 881003, 881005):
        (mirror / f"cache/epub/{n}/pg{n}.txt").write_bytes(fixed)
    rerun = collect_gutenberg(mirror, work, ids=[int(i) for i in ids.split(",")[:-1]], delay=0)
    assert rerun.ok, rerun.failed
    assert sorted(rerun.collected) == [
        "gutenberg:881001", "gutenberg:881002", "gutenberg:881003", "gutenberg:881005",
        "gutenberg:881006",
    ]
    assert sorted(rerun.skipped) == ["gutenberg:880001", "gutenberg:881004", "gutenberg:881007",
                                     "gutenberg:881009"]


UNREADABLE = Path("/proc/self/mem")  # a file that exists but whose read fails (EIO)


@pytest.mark.skipif(not UNREADABLE.is_file(), reason="needs Linux's /proc/self/mem")
def test_an_unreadable_mirror_file_fails_its_work_only(tmp_path: Path) -> None:
    books = default_books()
    mirror = write_mirror(tmp_path / "mirror", books)
    bad = mirror / f"cache/epub/{books[0].id}/pg{books[0].id}.txt"
    bad.unlink()
    bad.symlink_to(UNREADABLE)
    report = collect_gutenberg(mirror, tmp_path / "work", ids=[b.id for b in books],
                               delay=0)
    assert [w for w, _ in report.failed] == [f"gutenberg:{books[0].id}"]
    assert "cannot read the mirror file (Input/output error)" in report.failed[0][1]
    assert len(report.collected) == len(books) - 1


def test_missing_catalogue_with_ids_warns_and_uses_rdf(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "m", default_books()[:1])
    (mirror / "cache/epub/feeds/pg_catalog.csv").unlink()
    report = collect_gutenberg(mirror, tmp_path / "w", ids=[880001], delay=0)
    assert report.collected == ["gutenberg:880001"]
    assert any("not found; using the RDF records only" in w for w in report.warnings)
    with pytest.raises(UserError, match="catalogue not found"):
        collect_gutenberg(mirror, tmp_path / "w", subjects=["Robots"], delay=0)


def test_missing_mirror_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="mirror folder not found"):
        collect_gutenberg(tmp_path / "nowhere", tmp_path / "w", delay=0)


# --- over HTTP ------------------------------------------------------------------------------


def test_http_mirror_gives_the_same_works_and_resumes_without_requests(tmp_path: Path) -> None:
    local = tmp_path / "local"
    collect_gutenberg(str(paths.SAMPLE_MIRROR), local, delay=0)
    work = tmp_path / "remote"
    with serve(paths.SAMPLE_MIRROR) as server:
        report = collect_gutenberg(server.url, work, subjects=["Sample texts"], **FAST)
        assert report.ok and len(report.collected) == 12
        assert server.total() == 1 + 12 * 2  # catalogue + one .rdf and one .txt per book
        assert all(f"fictional-ai-personas-builder/{__version__}" in ua
                   for ua in server.user_agents)
        again = collect_gutenberg(server.url, work, subjects=["Sample texts"], **FAST)
        assert len(again.skipped) == 12
        assert server.total() == 25  # resumed entirely from raw/, no new request
    pd.testing.assert_frame_equal(works(local), works(work))
    manifest = json.loads((work / "raw/manifest.json").read_text())["files"]
    assert len(manifest) == 25
    rel = "cache/epub/990001/pg990001.txt"
    assert manifest[rel]["sha256"] == sha256_file(paths.SAMPLE_MIRROR / rel)
    assert manifest[rel]["size"] == (paths.SAMPLE_MIRROR / rel).stat().st_size


def test_http_transient_faults_are_retried(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books())
    with serve(mirror) as server:
        server.fail("cache/epub/880001/pg880001.txt", "500")
        server.fail("cache/epub/880002/pg880002.txt", "429:0")
        server.fail("cache/epub/880004/pg880004.txt", "truncate")
        server.fail("cache/epub/880005/pg880005.txt", "reset")
        server.fail("cache/epub/880006/pg880006.rdf", "503")
        server.fail("cache/epub/880009/pg880009.txt", "500", "truncate", "reset")
        report = collect_gutenberg(server.url, tmp_path / "w", ids=[880001, 880002, 880004,
                                   880005, 880006, 880009], **FAST)
        counts = dict(server.counts)
    assert report.ok, report.failed
    assert len(report.collected) == 6
    for n in (880001, 880002, 880004, 880005):
        assert counts[f"cache/epub/{n}/pg{n}.txt"] == 2
    assert counts["cache/epub/880006/pg880006.rdf"] == 2
    assert counts["cache/epub/880009/pg880009.txt"] == 4
    for n in (880004, 880005, 880009):  # the kept download is the whole file, not the part
        rel = f"cache/epub/{n}/pg{n}.txt"
        assert sha256_file(tmp_path / "w/raw" / rel) == sha256_file(mirror / rel)
    assert not list((tmp_path / "w").rglob("*.tmp"))


def test_http_retry_after_is_honoured(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books()[:1])
    with serve(mirror) as server:
        server.fail("cache/epub/880001/pg880001.txt", "429:1")
        started = time.monotonic()
        report = collect_gutenberg(server.url, tmp_path / "w", ids=[880001], **FAST)
        elapsed = time.monotonic() - started
        assert server.counts["cache/epub/880001/pg880001.txt"] == 2
    assert report.ok
    assert elapsed >= 1.0


def test_http_delay_spaces_requests(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books()[:1])
    with serve(mirror) as server:
        started = time.monotonic()
        collect_gutenberg(server.url, tmp_path / "w", ids=[880001], delay=0.3, backoff=0.01)
        elapsed = time.monotonic() - started
        assert server.total() == 3
    assert elapsed >= 0.6  # three requests, two gaps


def test_http_timeout_is_retried(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books()[:1])
    with serve(mirror) as server:
        server.fail("cache/epub/880001/pg880001.txt", "stall:1.5")
        report = collect_gutenberg(server.url, tmp_path / "w", ids=[880001], delay=0,
                                   backoff=0.01, timeout=0.5)
        assert server.counts["cache/epub/880001/pg880001.txt"] == 2
    assert report.ok


def test_http_persistent_faults_fail_cleanly_then_rerun_resumes(tmp_path: Path) -> None:
    books = [*default_books(), Book(880404, "Gone", text=None)]
    mirror = write_mirror(tmp_path / "mirror", books)
    work = tmp_path / "w"
    trunc = "cache/epub/880002/pg880002.txt"
    ids = [880001, 880002, 880004, 880005, 880404]
    with serve(mirror) as server:
        server.fail(trunc, "truncate", "truncate", "truncate")
        server.fail("cache/epub/880004/pg880004.txt", "500", "500", "500")
        server.fail("cache/epub/880005/pg880005.rdf", "404")
        server.fail("cache/epub/880001/pg880001.txt", "html")
        report = collect_gutenberg(server.url, work, ids=ids, retries=2, **FAST)
        failed = dict(report.failed)
        assert sorted(failed) == ["gutenberg:880001", "gutenberg:880002", "gutenberg:880004",
                                  "gutenberg:880404"]
        assert "truncated download" in failed["gutenberg:880002"]
        assert "gave up after 3 attempts" in failed["gutenberg:880002"]
        assert "HTTP 500" in failed["gutenberg:880004"]
        assert "not found" in failed["gutenberg:880404"]
        assert "HTML page" in failed["gutenberg:880001"]
        assert report.collected == ["gutenberg:880005"]
        assert any("880005: no RDF record" in w for w in report.warnings)
        assert not (work / "raw" / trunc).exists()  # a truncated download is never kept
        manifest = json.loads((work / "raw/manifest.json").read_text())["files"]
        assert trunc not in manifest and "cache/epub/880001/pg880001.txt" not in manifest
        before = dict(server.counts)
        rerun = collect_gutenberg(server.url, work, ids=ids, retries=2, **FAST)
        assert [w for w, _ in rerun.failed] == ["gutenberg:880404"]
        assert sorted(rerun.collected) == ["gutenberg:880001", "gutenberg:880002",
                                           "gutenberg:880004", "gutenberg:880005"]
        new = {k: v - before.get(k, 0) for k, v in server.counts.items() if v != before.get(k)}
    # only what was missing is fetched again (the 880005 RDF now exists; 880404 is still gone;
    # the RDF of a book whose text failed to download was never asked for)
    assert new == {
        "cache/epub/880001/pg880001.txt": 1, trunc: 1, "cache/epub/880004/pg880004.txt": 1,
        "cache/epub/880002/pg880002.rdf": 1, "cache/epub/880004/pg880004.rdf": 1,
        "cache/epub/880005/pg880005.rdf": 1, "cache/epub/880404/pg880404.txt": 1,
    }


def test_http_damaged_cache_file_is_fetched_again(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "mirror", default_books())
    work = tmp_path / "w"
    rel = "cache/epub/880001/pg880001.txt"
    with serve(mirror) as server:
        collect_gutenberg(server.url, work, ids=[880001, 880002], **FAST)
        (work / "raw" / rel).write_bytes(b"bit rot")
        before = server.total()
        report = collect_gutenberg(server.url, work, ids=[880001, 880002], **FAST)
        assert server.total() == before + 1 and server.counts[rel] == 2
    assert len(report.skipped) == 2
    assert sha256_file(work / "raw" / rel) == sha256_file(mirror / rel)


def test_http_without_selection_is_refused(tmp_path: Path) -> None:
    with serve(tmp_path) as server, pytest.raises(UserError, match="no selection"):
        collect_gutenberg(server.url, tmp_path / "w", delay=0)


def test_clean_mirror_book_matches_the_collected_text(tmp_path: Path) -> None:
    from dataset_builder.collect.gutenberg import clean_mirror_book

    mirror = write_mirror(tmp_path / "m", default_books())
    collect_gutenberg(mirror, tmp_path / "w", ids=[880006], delay=0)
    row = works(tmp_path / "w").loc["gutenberg:880006"]
    assert clean_mirror_book(mirror, 880006) == text_of(tmp_path / "w", row)
    with pytest.raises(UserError, match="not found"):
        clean_mirror_book(mirror, 123)


def test_cli_rejects_malformed_ids_and_documents_the_mirror() -> None:
    bad = CliRunner().invoke(main, ["collect", "gutenberg", "--ids", "12,abc"])
    assert bad.exit_code == 2 and "expected numbers separated by commas" in bad.stderr
    helptext = CliRunner().invoke(main, ["collect", "gutenberg", "--help"]).output
    assert "aleph.gutenberg.org" in helptext and "--delay" in helptext


def test_failed_run_writes_no_empty_table(tmp_path: Path) -> None:
    mirror = write_mirror(tmp_path / "m", [Book(880001, "Empty", text=b"")])
    report = collect_gutenberg(mirror, tmp_path / "w", delay=0)
    assert [w for w, _ in report.failed] == ["gutenberg:880001"]
    assert not (tmp_path / "w" / "works.parquet").exists()
