"""collect_files: .txt, .md and .epub from disk; bad files reported one line each."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.collect import collect_files
from dataset_builder.collect.epub import html_to_text
from dataset_builder.collect.files import slug
from dataset_builder.errors import UserError
from dataset_builder.schemas.works import WorkSchema
from tests.collect_fixtures import HEADERS_DIR, header_cases, make_epub


def _works(workdir: Path) -> pd.DataFrame:
    frame = pd.read_parquet(workdir / "works.parquet")
    WorkSchema.validate(frame, lazy=True)
    return frame.set_index("work_id", drop=False)


def test_txt_md_and_epub(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "The Clockwork Man (1923).txt").write_bytes((HEADERS_DIR / "this_2010.txt").read_bytes())
    (src / "notes.md").write_text("\n# A Robot's Diary\n\nDay one. I woke.\n", encoding="utf-8")
    make_epub(
        src / "ship_mind.epub", "The Ship Mind", "Ida Fixture", "en-GB",
        ["<h1>I</h1><p>The ship\n  thought about   the crew.</p><script>x()</script>",
         "<p>It said nothing.<br/>Then it said: &ldquo;Home.&rdquo;</p>"],
    )
    report = collect_files([src], tmp_path / "w", licence="cc-by-4.0")
    assert report.ok
    table = _works(tmp_path / "w")
    assert sorted(table.index) == [
        "local:notes", "local:ship_mind", "local:the-clockwork-man-1923",
    ]
    assert set(table["licence"]) == {"cc-by-4.0"} and set(table["source"]) == {"local"}
    assert set(table["source_url"]) == {""}  # no local paths leak into the table
    clock = table.loc["local:the-clockwork-man-1923"]
    text = (tmp_path / "w" / clock["text_path"]).read_text("utf-8")
    assert text == header_cases()["this_2010.txt"]["body"]  # Gutenberg boilerplate stripped
    assert table.loc["local:notes", "title"] == "A Robot's Diary"
    ship = table.loc["local:ship_mind"]
    assert (ship["title"], list(ship["authors"]), ship["language"]) == (
        "The Ship Mind", ["Ida Fixture"], "en",
    )
    assert (tmp_path / "w" / ship["text_path"]).read_text("utf-8") == (
        "I\n\nThe ship thought about the crew.\n\nIt said nothing.\n\nThen it said: “Home.”"
    )


def test_html_to_text_blocks_and_entities() -> None:
    markup = "<div>A<b>b</b> c</div><ul><li>one</li><li>two &amp; three</li></ul><style>p{}</style>"
    assert html_to_text(markup) == "Ab c\n\none\n\ntwo & three"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_files_each_fail_with_one_line_and_the_rest_is_collected(
    tmp_path: Path, workers: str
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("A robot walked into town.\n", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    (src / "empty.md").write_bytes(b"\n\n")
    (src / "page.txt").write_text("<html><body>Oops</body></html>", encoding="utf-8")
    (src / "broken.epub").write_bytes(b"PK\x03\x04 not really a zip")
    (src / "good.md").write_text("Same slug as good.txt\n", encoding="utf-8")
    (src / "book.pdf").write_bytes(b"%PDF-1.4")
    args = ["collect", "files", str(src / "good.txt"), str(src / "binary.txt"),
            str(src / "empty.md"), str(src / "page.txt"), str(src / "broken.epub"),
            str(src / "good.md"), str(src / "book.pdf"), str(src / "missing.txt"),
            "--licence", "public-domain-us", "--workers", workers, "-w", str(tmp_path / "w")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: local:")]
    joined = "\n".join(errors)
    assert len(errors) == 7, joined
    for needle in ("NUL bytes", "empty", "HTML page", "not a valid EPUB", "same id as",
                   "unsupported file type .pdf", "missing.txt: file not found"):
        assert needle in joined
    assert "7 work(s) failed" in result.stderr
    assert list(_works(tmp_path / "w").index) == ["local:good"]


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs Linux's /proc")
@pytest.mark.parametrize("workers", [1, 2])
def test_an_unreadable_file_fails_alone(tmp_path: Path, workers: int) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("A robot walked into town.\n", encoding="utf-8")
    (src / "other.txt").write_text("The android waited.\n", encoding="utf-8")
    (src / "unreadable.txt").symlink_to("/proc/self/mem")  # exists, but reading it fails
    # Named one by one: a folder's links to outside it are refused before any read.
    report = collect_files(sorted(src.iterdir()), tmp_path / "w", licence="cc0-1.0",
                           workers=workers)
    assert [w for w, _ in report.failed] == ["local:unreadable"]
    assert "unreadable.txt: cannot read the file (Input/output error)" in report.failed[0][1]
    assert sorted(report.collected) == ["local:good", "local:other"]


def test_worker_processes_collect_exactly_what_one_process_does(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name, case in header_cases().items():
        (src / name).write_bytes((HEADERS_DIR / name).read_bytes())
        assert case["body"]  # every header variant has a body to compare
    (src / "notes.md").write_text("# A Robot's Diary\n\nDay one.\n", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x00\x01")
    make_epub(src / "mind.epub", "The Mind", "Ida Fixture", "de-AT", ["<p>Es denkt.</p>"])
    one = collect_files([src], tmp_path / "one", licence="cc-by-4.0", workers=1)
    two = collect_files([src], tmp_path / "two", licence="cc-by-4.0", workers=2)
    assert one.collected == two.collected and len(one.collected) >= 5
    assert [w for w, _ in one.failed] == [w for w, _ in two.failed] == ["local:binary"]
    assert _works(tmp_path / "one").equals(_works(tmp_path / "two"))
    texts = {p.name: p.read_bytes() for p in (tmp_path / "one" / "texts").iterdir()}
    assert texts == {p.name: p.read_bytes() for p in (tmp_path / "two" / "texts").iterdir()}
    # A rerun in parallel finds every text in place and writes nothing.
    again = collect_files([src], tmp_path / "two", licence="cc-by-4.0", workers=2)
    assert again.collected == [] and sorted(again.skipped) == sorted(two.collected)


@pytest.mark.parametrize("damage", [b"", b"X"])
def test_a_damaged_cached_text_is_written_again(tmp_path: Path, damage: bytes) -> None:
    (tmp_path / "robot.txt").write_text("The robot spoke.\n", encoding="utf-8")
    collect_files([tmp_path / "robot.txt"], tmp_path / "w", licence="cc-by-4.0")
    cached = tmp_path / "w" / _works(tmp_path / "w").loc["local:robot", "text_path"]
    good = cached.read_bytes()
    # Same length with one byte changed, or truncated: both must be caught.
    cached.write_bytes(good[:-1] + damage)
    report = collect_files([tmp_path / "robot.txt"], tmp_path / "w", licence="cc-by-4.0")
    assert report.collected == ["local:robot"] and cached.read_bytes() == good


def test_unknown_licence_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not one of"):
        collect_files([tmp_path], tmp_path / "w", licence="mit")
    result = CliRunner().invoke(main, ["collect", "files", str(tmp_path), "--licence", "mit"])
    assert result.exit_code == 2 and "mit" in result.stderr


@pytest.mark.parametrize(
    ("stem", "expected"),
    [("The Clockwork Man (1923)", "the-clockwork-man-1923"), ("R.U.R.", "r.u.r"),
     ("  ", "untitled"), ("Čapek_RUR", "apek_rur")],
)
def test_slug(stem: str, expected: str) -> None:
    assert slug(stem) == expected


def test_fifty_megabytes_without_newline_does_not_blow_memory(tmp_path: Path) -> None:
    big = tmp_path / "one-line.txt"
    with big.open("wb") as handle:
        chunk = b"the automaton turned its head " * 35_000
        written = 0
        while written < 50 * 1024 * 1024:
            handle.write(chunk)
            written += len(chunk)
    tracemalloc.start()
    started = time.perf_counter()
    report = collect_files([big], tmp_path / "w", licence="unknown")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.ok
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert peak < 8 * written, f"peak {peak / 1e6:.0f} MB for a {written / 1e6:.0f} MB file"
    row = _works(tmp_path / "w").loc["local:one-line"]
    assert row["n_chars"] == written - 1  # the final space is trimmed


def test_a_workdir_the_system_refuses_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A robot walked into town.\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    workdir = tmp_path / "a-file" / "w"  # below a file: no folder can be made there
    result = CliRunner().invoke(main, ["collect", "files", str(tmp_path / "good.txt"),
                                       "--licence", "cc0-1.0", "-w", str(workdir)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error: {tmp_path / 'a-file'}" in result.stderr
    assert "Traceback" not in result.output
