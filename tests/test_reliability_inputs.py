"""Hostile or odd inputs that were accepted silently (issue 17, "should fix"): a link out of a
collected folder, an EPUB zip bomb, a formula in a Wikidata label, credentials in a URL,
--ratios nan, a Retry-After wait of minutes without a word, owner-only release folders."""

from __future__ import annotations

import json
import os
import socket
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.collect.http import PoliteFetcher
from dataset_builder.errors import UserError
from dataset_builder.split.assign import parse_ratios
from tests import collect_fixtures as cf

WIKIDATA = Path(__file__).parent / "fixtures" / "wikidata" / "robots.json"
STORY = "The robot Jerry spoke softly to the engineer about the storm.\n"


def test_a_link_out_of_a_collected_folder_is_not_followed(tmp_path: Path) -> None:
    folder, secret = tmp_path / "stories", tmp_path / "elsewhere" / "secret.txt"
    folder.mkdir()
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:the password file\n", "utf-8")
    (folder / "jerry.txt").write_text(STORY, "utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    w = tmp_path / "w"
    result = CliRunner().invoke(main, ["collect", "files", str(folder), "--licence", "cc0-1.0",
                                       "-w", str(w)])
    # Before: /etc/passwd (here: secret.txt) was collected as the work local:passwd.
    assert result.exit_code == 1 and "outside the folder" in result.output, result.output
    assert pd.read_parquet(w / "works.parquet")["work_id"].tolist() == ["local:jerry"]
    assert not any("password" in p.read_text("utf-8") for p in (w / "texts").iterdir())
    # Named on the command line, a link is the user's explicit choice.
    result = CliRunner().invoke(main, ["collect", "files", str(folder / "passwd.txt"),
                                       "--licence", "cc0-1.0", "-w", str(w)])
    assert result.exit_code == 0, result.output


def test_an_epub_zip_bomb_is_refused(tmp_path: Path) -> None:
    good = cf.make_epub(tmp_path / "good.epub", "Jerry", "A. Author", "en", [f"<p>{STORY}</p>"])
    bomb = tmp_path / "bomb.epub"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w") as out:
        chapter = "OEBPS/text/ch0.xhtml"
        for info in source.infolist():
            if info.filename != chapter:
                out.writestr(info, source.read(info.filename))
        # A story padded with 40 MB of spaces packs into ~40 KB: a thousand times its size,
        # below the old 500 MB cap on the declared sizes (so it was read whole).
        body = source.read(chapter).replace(b"</p>", b" " * (40 << 20) + b"</p>")
        out.writestr(chapter, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    assert bomb.stat().st_size < 200_000
    result = CliRunner().invoke(main, ["collect", "files", str(bomb), "--licence", "cc0-1.0",
                                       "-w", str(tmp_path / "w")])
    assert result.exit_code == 1 and "zip bomb" in result.output, result.output
    result = CliRunner().invoke(main, ["collect", "files", str(good), "--licence", "cc0-1.0",
                                       "-w", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output


def test_a_formula_from_wikidata_is_never_written_to_the_catalogue(tmp_path: Path) -> None:
    results = json.loads(WIKIDATA.read_text("utf-8"))
    first = results["results"]["bindings"][0]
    formula = '=HYPERLINK("http://evil.invalid","HAL")'
    qid = first["item"]["value"]
    for binding in results["results"]["bindings"]:
        if binding["item"]["value"] == qid:
            binding["itemLabel"]["value"] = formula
    hostile = tmp_path / "results.json"
    hostile.write_text(json.dumps(results), "utf-8")
    catalogue = tmp_path / "characters.csv"
    catalogue.write_text("character_id,name,aliases,work_title,work_id,year,medium,creator,"
                         "embodiment,wikidata_qid,source_note\n", "utf-8")
    result = CliRunner().invoke(main, ["characters", "import-wikidata", str(hostile), "--catalogue",
                                       str(catalogue)])
    assert result.exit_code == 0, result.output
    assert f"skipped: {qid.rsplit('/', 1)[1]}" in result.output and "formula" in result.output
    text = catalogue.read_text("utf-8")
    assert "HYPERLINK" not in text and "\n=" not in text and ",=" not in text
    assert "added:" in result.output  # the other characters still come in


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_credentials_in_a_label_studio_url_are_never_printed(tmp_path: Path) -> None:
    url = f"http://alice:s3cret-pw@127.0.0.1:{_closed_port()}"
    result = CliRunner(env={"LABEL_STUDIO_API_KEY": "x" * 40}).invoke(
        main, ["annotate", "pull", "-w", str(tmp_path), "--url", url, "--project", "P"])
    assert result.exit_code == 1 and "cannot reach Label Studio" in result.output, result.output
    assert "s3cret-pw" not in result.output and "alice" not in result.output
    assert "http://***@127.0.0.1" in result.output


@pytest.mark.parametrize("ratios", ["nan/1/1", "inf/1/1", "1/nan/1"])
def test_ratios_that_are_not_finite_numbers_are_refused(ratios: str, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="expected three numbers"):
        parse_ratios(ratios)
    result = CliRunner().invoke(main, ["split", "-w", str(tmp_path), "--splits",
                                       str(tmp_path / "s.csv"), "--ratios", ratios])
    assert result.exit_code == 1 and "--ratios" in result.output
    assert not (tmp_path / "s.csv").exists()


def test_a_retry_after_wait_says_how_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    (tmp_path / "book.txt").write_text(STORY, "utf-8")
    with cf.serve(tmp_path) as server, PoliteFetcher(delay=0, retries=2) as fetcher:
        server.fail("book.txt", "429:1")
        fetcher.fetch(server.url + "book.txt", tmp_path / "got.txt")
    assert (tmp_path / "got.txt").read_text("utf-8") == STORY
    err = capsys.readouterr().err
    assert "book.txt: HTTP 429; waiting 1 s before attempt 2 of 3" in err


def test_release_folders_get_the_permissions_of_a_normal_folder(tmp_path: Path) -> None:
    from tests import release_fixtures as rf

    out = rf.write_release(tmp_path, n_works=4)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # was 0700: others could not read it
