"""`faip build`: a corpus definition + a Gutenberg mirror (the embedded sample, copied and
damaged on purpose, on disk and over loopback HTTP) -> a verified release, in one command."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from dataset_builder.cli import main
from dataset_builder.corpus import build_corpus
from dataset_builder.paths import SAMPLE_ANNOTATIONS, SAMPLE_MIRROR
from tests.collect_fixtures import serve

DATE = "2026-12-15"
DEFINITION = """\
version: 0.1.0
languages: [en]
subjects: [Robots, Androids, Artificial intelligence]
bookshelves: []
additions:
  - {id: 990008, reason: "an automaton in Paris"}
  - {id: 990098, reason: "a story only its text describes"}
  - {id: 990099, reason: "not in this mirror"}
exclusions:
  - {id: 990006, reason: "a reviewer's exclusion"}
"""
STORY = (
    "The Project Gutenberg eBook of The Brass Clerk\n\nTitle: The Brass Clerk\n\n"
    "Author: Ada Fixture\n\nRelease Date: May 1, 2031 [eBook #990098]\n\nLanguage: English\n\n"
    "*** START OF THE PROJECT GUTENBERG EBOOK THE BRASS CLERK ***\n\n"
    + "\n\n".join(
        f"The robot clerk, Brassworth, counted the ledgers of the bank for the {i}th night, "
        "and it spoke to the night watchman about the numbers it had found, for the robot "
        "believed that somebody was stealing from the vaults, and it wanted the man to know. "
        "The watchman laughed at the machine, but the robot only repeated its sums. " * 2
        for i in range(8))
    + "\n\n*** END OF THE PROJECT GUTENBERG EBOOK THE BRASS CLERK ***\n"
)


def _mirror(root: Path) -> Path:
    """The sample mirror plus an addition with neither catalogue row nor RDF record."""
    shutil.copytree(SAMPLE_MIRROR, root)
    story = root / "cache/epub/990098/pg990098.txt"
    story.parent.mkdir(parents=True)
    story.write_text(STORY, encoding="utf-8")
    return root


def _args(tmp: Path, mirror: str, out: str, work: str = "w") -> list[str]:
    return ["build", "--mirror", mirror, "--out", str(tmp / out), "--date", DATE,
            "-w", str(tmp / work), "--definition", str(tmp / "selection.yaml"),
            "--splits", str(tmp / "splits.csv"), "--works-csv", str(tmp / "works.csv"),
            "--annotations-dir", str(tmp / "annotations")]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "selection.yaml").write_text(DEFINITION, encoding="utf-8")
    (tmp_path / "annotations").mkdir()
    return tmp_path


def _build(tmp: Path, mirror: str, out: str, work: str = "w", *more: str) -> Result:
    return CliRunner().invoke(main, [*_args(tmp, mirror, out, work), *more])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _works_csv(tmp: Path) -> dict[str, dict[str, str]]:
    with (tmp / "works.csv").open(encoding="utf-8") as handle:
        return {row["work_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_build_releases_the_definition_byte_identically_and_resumes(tmp: Path) -> None:
    mirror = str(_mirror(tmp / "mirror"))
    first = _build(tmp, mirror, "r1")
    assert first.exit_code == 0, first.output
    release = tmp / "r1"
    manifest = json.loads((release / "release.json").read_text())
    # No human annotation yet: a valid release, label columns null, no annotations config.
    assert manifest["human_annotations"] == 0
    assert "No human annotation exists yet" in manifest["annotation_status"]
    assert "No human annotation exists yet" in (release / "README.md").read_text()
    croissant = json.loads((release / "croissant.json").read_text())
    assert "No human annotation exists yet" in croissant["description"]
    assert croissant["rai:annotationsPerItem"].startswith("None yet")
    assert set(manifest["configs"]) == {"passages", "works", "characters"}
    passages = pd.concat(pd.read_parquet(p) for p in (release / "data/passages").glob("*"))
    assert passages["persona"].isna().all() and passages["ai_present"].isna().all()
    assert passages["score"].notna().all()  # the machine suggestions are there, apart
    assert "loaded with datasets.load_dataset: characters" in first.stdout

    works = _works_csv(tmp)
    included = {w for w, r in works.items() if r["outcome"] == "included"}
    assert sum(int(works[w]["passages"]) for w in included) == len(passages)
    assert set(passages["work_id"]) == included
    assert works["gutenberg:990006"]["outcome"] == "excluded by reviewer"
    assert works["gutenberg:990006"]["note"] == "a reviewer's exclusion"
    assert works["gutenberg:990099"]["outcome"] == "excluded: not in mirror"
    assert works["gutenberg:990001"]["selected_by"] == "subject=Robots"
    assert works["gutenberg:990008"]["selected_by"] == "manual: an automaton in Paris"
    # Neither catalogue row nor RDF: the text's own header named the addition.
    assert works["gutenberg:990098"]["outcome"] == "included"
    assert works["gutenberg:990098"]["title"] == "The Brass Clerk"
    released_works = pd.read_parquet(next((release / "data/works").glob("*")))
    brass = released_works.set_index("work_id").loc["gutenberg:990098"]
    assert (brass["language"], brass["released"]) == ("en", "2031-05-01")
    assert "title:header" in list(brass["metadata_from"])
    splits = pd.read_csv(tmp / "splits.csv")
    assert set(splits["work_id"]) == included and set(splits["version"]) == {"0.1.0"}

    # Rerun in the same work dir: extraction is skipped, the files are the same bytes.
    again = _build(tmp, mirror, "r2")
    assert again.exit_code == 0, again.output
    assert "unchanged since the last build" in again.stderr
    assert ": 0 collected, 9 unchanged, 0 failed" in again.stderr  # not even read again
    assert _files(tmp / "r2") == _files(release)
    assert pd.read_csv(tmp / "splits.csv").equals(splits)

    # The same mirror over HTTP (loopback), from a fresh work dir: the same release.
    with serve(Path(mirror)) as server:
        args = _args(tmp, server.url, "r3", work="w-http") + ["--delay", "0"]
        over_http = CliRunner().invoke(main, args)
    assert over_http.exit_code == 0, over_http.output
    assert _files(tmp / "r3") == _files(release)


def test_bad_inputs_one_line_each_no_release_and_splits_untouched(tmp: Path) -> None:
    mirror = _mirror(tmp / "mirror")
    catalog = mirror / "cache/epub/feeds/pg_catalog.csv"
    rows = catalog.read_text(encoding="utf-8").splitlines(keepends=True)
    # A row with its Title and Language emptied: kept, the RDF fills them in.
    rows = [r.replace(",Text,2026-01-19,The Greyhaven Plan,en,", ",Text,2026-01-19,,,")
            for r in rows]
    rows.append('990097,Text,,The Lost One,en,"Nobody, A.",Robots -- Fiction,,\n')
    catalog.write_text("".join(rows), encoding="utf-8")
    (mirror / "cache/epub/990005/pg990005.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    # A released work sits in the test split: no build may move it.
    splits = "work_id,split,version\ngutenberg:990001,test,0.1.0\n"
    (tmp / "splits.csv").write_text(splits, encoding="utf-8")

    result = _build(tmp, str(mirror), "rel", "w", "--workers", "2")  # cleaned in 2 processes
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, errors
    assert errors[0].startswith("error: gutenberg:990005: ") and "NUL bytes" in errors[0]
    assert "nothing was released" in errors[1]
    assert "line 4: book 990003 has no Title, Language" in result.stderr
    assert not (tmp / "rel").exists() and not list(tmp.glob(".rel.partial*"))
    assert (tmp / "splits.csv").read_text(encoding="utf-8") == splits
    works = _works_csv(tmp)
    assert works["gutenberg:990005"]["outcome"] == "failed"
    assert "NUL bytes" in works["gutenberg:990005"]["note"]
    assert str(mirror) not in works["gutenberg:990005"]["note"]  # no local path committed
    assert works["gutenberg:990097"]["outcome"] == "excluded: not in mirror"
    assert works["gutenberg:990003"]["outcome"] == "included"
    assert works["gutenberg:990003"]["title"] == "The Greyhaven Plan"  # from its RDF record

    # Fixed, the rerun releases everything, and the released work kept its split.
    shutil.copyfile(SAMPLE_MIRROR / "cache/epub/990005/pg990005.txt",
                    mirror / "cache/epub/990005/pg990005.txt")
    fixed = _build(tmp, str(mirror), "rel")
    assert fixed.exit_code == 0, fixed.output
    assert ": 1 collected, 8 unchanged, 0 failed" in fixed.stderr  # only the fixed book
    kept = pd.read_csv(tmp / "splits.csv").set_index("work_id")
    assert kept.loc["gutenberg:990001", "split"] == "test"
    released = pd.read_parquet(next((tmp / "rel/data/works").glob("*"))).set_index("work_id")
    assert released.loc["gutenberg:990003", "title"] == "The Greyhaven Plan"


def test_not_a_mirror_out_exists_and_bad_definition_are_one_line(tmp: Path) -> None:
    (tmp / "empty").mkdir()
    result = _build(tmp, str(tmp / "empty"), "rel")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp / 'empty'}: not a Gutenberg mirror (no cache/epub/ folder); pass the "
        "folder that holds cache/epub/<N>/pg<N>.txt and cache/epub/feeds/pg_catalog.csv."]
    (tmp / "rel").mkdir()
    (tmp / "rel" / "x").write_text("x")
    result = _build(tmp, str(SAMPLE_MIRROR), "rel")
    assert result.exit_code == 1 and "already exists and is not empty" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp / "selection.yaml").write_text("version: 0.1.0\nadditions: [{id: 5}]\n")
    result = _build(tmp, str(SAMPLE_MIRROR), "rel2")
    assert result.exit_code == 1 and "additions item 1: expected 'id: <book number>'" \
        in result.stderr
    assert not (tmp / "w").exists() and not (tmp / "works.csv").exists()


def test_annotations_in_the_annotations_dir_are_aggregated_and_released(
        tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataset_builder.annotate.pull import import_export

    # a release refuses pseudonyms made with the public demo key
    monkeypatch.setenv("FAIP_PSEUDONYM_KEY", "build-test-project-key")

    (tmp / "selection.yaml").write_text(
        "version: 0.1.0\nlanguages: [en]\nsubjects: []\nbookshelves: []\nadditions:\n"
        + "".join(f"  - {{id: {n}, reason: sample}}\n" for n in range(990001, 990013)),
        encoding="utf-8")
    scratch = tmp / "scratch"
    import_export(SAMPLE_ANNOTATIONS / "sample_export.json", workdir=scratch, project="sample")
    for pull in (scratch / "annotations").glob("*.parquet"):
        shutil.copyfile(pull, tmp / "annotations" / pull.name)
    summary = build_corpus(SAMPLE_MIRROR, tmp / "rel", date=DATE, workdir=tmp / "w",
                           definition=tmp / "selection.yaml", splits_path=tmp / "splits.csv",
                           works_csv=tmp / "works.csv", annotations_dir=tmp / "annotations")
    assert summary.ok and summary.annotations > 0
    assert set(summary.loaded) == {"passages", "annotations", "works", "characters"}
    manifest = json.loads((tmp / "rel" / "release.json").read_text())
    assert manifest["human_annotations"] > 0 and "annotation_status" not in manifest
    passages = pd.concat(pd.read_parquet(p) for p in (tmp / "rel/data/passages").glob("*"))
    assert passages["persona"].notna().sum() >= 20


@pytest.mark.slow
def test_killed_build_resumes_to_the_same_release(tmp: Path) -> None:
    mirror = str(_mirror(tmp / "mirror"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "dataset_builder", *_args(tmp, mirror, "rel", "killed")]
    for marker in ("[3/8] extract", "[7/8] release"):
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith(marker):
                process.send_signal(signal.SIGKILL)
                break
        process.wait()
        assert not (tmp / "rel").exists() or marker == "[7/8] release"
        shutil.rmtree(tmp / "rel", ignore_errors=True)  # a kill after the rename: start over
    resumed = subprocess.run(command, capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr
    (tmp / "splits.csv").unlink()
    clean = _build(tmp, mirror, "clean", work="clean-w")
    assert clean.exit_code == 0, clean.output
    assert _files(tmp / "rel") == _files(tmp / "clean")
