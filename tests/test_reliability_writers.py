"""Data safety of the work-dir writers, with real processes: two writers at once, kill -9 at
chosen points, and a rerun of extract that would silently lose a skipped work's passages.

Issue 17, must-fix cases 1 (concurrent writers) and 2 (extract skips a work and exits 0), and
the should-fix "leftovers of killed runs are never cleaned".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.lock import LOCK_NAME, directory_lock
from dataset_builder.paths import SAMPLE_ANNOTATIONS, SAMPLE_MIRROR
from tests.extract_fixtures import write_workdir

pytestmark = pytest.mark.slow  # real processes, real releases: seconds each

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--min-words", "40", "--max-words", "120"]
HOLDER = """
import sys, time
from dataset_builder.lock import directory_lock
with directory_lock(sys.argv[1], "holder-for-test"):
    print("held", flush=True)
    time.sleep(120)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "FAIP_NO_PROGRESS": "1"}


def faip(*args: str) -> subprocess.Popen[str]:
    """``faip ARGS`` as its own process (what a second terminal would run)."""
    return subprocess.Popen([sys.executable, "-m", "dataset_builder", *args], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def run(*args: str) -> tuple[int, str]:
    """``faip ARGS`` in this process (where no second process is involved)."""
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A real process holding the lock of tmp_path/w until it is killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "w")], env=_env(),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_a_second_writer_stops_with_one_line_naming_the_holder(
        tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    w = tmp_path / "w"
    write_workdir(w)
    code, err = run("extract", "-w", str(w), *SMALL)
    assert code == 1
    assert f"pid {holder.pid}" in err and "holder-for-test" in err and "Traceback" not in err
    assert not (w / "passages.parquet").exists()
    # kill -9 of the holder frees the lock at once (the kernel drops a dead process's flock):
    # no stale lock to remove by hand.
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    code, err = run("extract", "-w", str(w), *SMALL)
    assert code == 0, err
    assert len(pd.read_parquet(w / "passages.parquet")) > 0


def test_a_second_extract_while_one_runs_never_leaves_an_empty_table(tmp_path: Path) -> None:
    w = tmp_path / "w"
    _big_workdir(w, 40)
    assert run("extract", "-w", str(w), *SMALL)[0] == 0
    expected = pd.read_parquet(w / "passages.parquet")
    # The chosen interleaving: the first run is frozen with its passages half spooled while a
    # second one runs. Before the lock both exited 0 and the table had 0 rows: they shared
    # one spool file, the second deleted it, the first then found nothing to write.
    first = faip("extract", "-w", str(w), *SMALL)
    _wait_for((w / ".passages.parquet.spool").exists, first, "spool file")
    first.send_signal(signal.SIGSTOP)
    try:
        code, err = run("extract", "-w", str(w), *SMALL)
    finally:
        first.send_signal(signal.SIGCONT)
    assert code == 1 and "is writing here" in err and f"pid {first.pid}" in err, err
    assert "faip extract" in err and len(err.strip().splitlines()) == 1
    assert finished(first)[0] == 0
    pd.testing.assert_frame_equal(pd.read_parquet(w / "passages.parquet"), expected)


WIKIDATA = ROOT / "tests" / "fixtures" / "wikidata" / "robots.json"


def _writers(tmp: Path) -> dict[str, tuple[list[str], Path, Path]]:
    """Command -> (arguments, the folder it must lock, a file it would write)."""
    w, s, d, c = tmp / "w", tmp / "splits", tmp / "dist", tmp / "catalogue"
    return {
        "collect files": (["collect", "files", str(tmp / "story.txt"), "--licence", "cc0-1.0",
                           "-w", str(w)], w, w / "works.parquet"),
        "extract": (["extract", "-w", str(w), *SMALL], w, w / "passages.parquet"),
        "annotate import": (["annotate", "import", str(SAMPLE_ANNOTATIONS / "sample_export.json"),
                             "-w", str(w)], w / "annotations", w / "annotations"),
        "aggregate": (["aggregate", "-w", str(w)], w, w / "labels.parquet"),
        "agreement": (["agreement", "-w", str(w), "--bootstrap", "0"], w / "agreement",
                      w / "agreement" / "agreement.json"),
        "split": (["split", "-w", str(w), "--splits", str(s / "splits.csv")], s,
                  s / "splits.csv"),
        "release": (["release", "1.0.0", "-w", str(w), "--out", str(d / "v1"), "--splits",
                     str(s / "splits.csv")], d, d / "v1"),
        "characters import-wikidata": (["characters", "import-wikidata", str(WIKIDATA),
                                        "--catalogue", str(c / "characters.csv")], c,
                                       c / "characters.csv"),
        "build": (["build", "--mirror", str(SAMPLE_MIRROR), "--out", str(d / "v1"), "-w", str(w),
                   "--splits", str(s / "splits.csv"), "--works-csv", str(c / "works.csv")],
                  w, d / "v1"),
    }


@pytest.mark.parametrize("command", list(_writers(Path("."))))
def test_every_writer_stops_while_another_process_holds_its_folder(
        tmp_path: Path, command: str) -> None:
    from dataset_builder.project import Project
    from tests import release_fixtures as rf

    rf.write_workdir(tmp_path / "w", n_works=6)
    (tmp_path / "story.txt").write_text("The robot spoke to the engineer.\n", "utf-8")
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "characters.csv").write_bytes(Project.find().catalogue.read_bytes())
    args, folder, output = _writers(tmp_path)[command]
    before = _files(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], env=_env(),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        result = CliRunner().invoke(main, args)
    finally:
        proc.kill()
        proc.wait()
    assert result.exit_code == 1, result.output
    assert f"pid {proc.pid}" in result.output and "is writing here" in result.output
    assert _files(tmp_path) == before  # nothing written, nothing removed


def _files(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and p.name != LOCK_NAME}


def test_a_nested_writer_in_one_process_shares_the_lock(tmp_path: Path) -> None:
    with directory_lock(tmp_path, "outer"), directory_lock(tmp_path, "inner"):
        assert (tmp_path / LOCK_NAME).exists()
    # Released: another process may take it now.
    code = subprocess.run([sys.executable, "-c", HOLDER.replace("time.sleep(120)", "pass"),
                           str(tmp_path)], env=_env(), capture_output=True, timeout=60).returncode
    assert code == 0


def _big_workdir(w: Path, copies: int) -> None:
    """The fixture works, each under ``copies`` ids: extract runs long enough to be killed."""
    works = write_workdir(w)
    frames = [works.assign(work_id=works["work_id"] + f"-{k}") for k in range(copies)]
    from dataset_builder.tables import write_table

    write_table(w, "works", pd.concat(frames, ignore_index=True))


def _wait_for(predicate, proc: subprocess.Popen[str], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not predicate():
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within 60 s"
        time.sleep(0.002)


def test_kill_9_during_extract_keeps_the_old_table_and_the_next_run_cleans_up(
        tmp_path: Path) -> None:
    w = tmp_path / "w"
    _big_workdir(w, 40)
    assert run("extract", "-w", str(w), *SMALL)[0] == 0
    before = (w / "passages.parquet").read_bytes()
    spool = w / ".passages.parquet.spool"
    proc = faip("extract", "-w", str(w), *SMALL)
    _wait_for(spool.exists, proc, "spool file")  # the chosen point: passages half spooled
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (w / "passages.parquet").read_bytes() == before  # readers still see the old table
    assert spool.exists()  # the leftover a killed run leaves
    leftover = w / "texts" / ".abc.txt.x1y2z3w4.tmp"  # what a killed collect leaves
    leftover.write_text("half a text")
    (w / ".my-notes.tmp").write_text("a file of the user's")  # not ours: kept
    code, err = run("extract", "-w", str(w), *SMALL)
    assert code == 0, err
    assert not spool.exists() and not leftover.exists() and (w / ".my-notes.tmp").exists()
    assert (w / "passages.parquet").read_bytes() == before


def _break_text(w: Path, works: pd.DataFrame, work_id: str) -> None:
    path = w / works.loc[works["work_id"] == work_id, "text_path"].item()
    path.write_text(path.read_text("utf-8").replace("Tik-Tok", "Tik-Tak"), "utf-8")


def test_extract_refuses_to_drop_a_skipped_works_annotated_passages(tmp_path: Path) -> None:
    w = tmp_path / "w"
    works = write_workdir(w)
    assert run("extract", "-w", str(w), *SMALL)[0] == 0
    before = pd.read_parquet(w / "passages.parquet")
    tiktok = before[before["work_id"] == "local:tiktok"]
    assert len(tiktok) > 0
    # One of its passages is annotated.
    (w / "annotations").mkdir()
    pd.DataFrame({"passage_id": tiktok["passage_id"].iloc[:1]}).to_parquet(
        w / "annotations" / "20261101T000000Z-aaaa.parquet")
    _break_text(w, works, "local:tiktok")
    code, err = run("extract", "-w", str(w), *SMALL)
    # Before: exit 0 and a table without local:tiktok's passages.
    assert code == 1 and "local:tiktok" in err and "1 of them annotated" in err, err
    assert "--drop-skipped" in err and "Traceback" not in err
    pd.testing.assert_frame_equal(pd.read_parquet(w / "passages.parquet"), before)
    # Dropping them on purpose is allowed, and still says a work was skipped (exit 1).
    code, err = run("extract", "-w", str(w), *SMALL, "--drop-skipped")
    assert code == 1 and "local:tiktok" in err
    after = pd.read_parquet(w / "passages.parquet")
    assert "local:tiktok" not in set(after["work_id"]) and len(after) == len(before) - len(tiktok)


def test_a_skipped_work_is_a_non_zero_exit(tmp_path: Path) -> None:
    w = tmp_path / "w"
    works = write_workdir(w)
    _break_text(w, works, "local:tiktok")
    code, err = run("extract", "-w", str(w), *SMALL)
    assert code == 1 and "local:tiktok" in err and "1 works skipped" in err, err
    # The other works' passages are written (there was nothing of tiktok's to lose).
    assert "local:robot-jerry" in set(pd.read_parquet(w / "passages.parquet")["work_id"])


def test_cleaning_a_work_dir_never_touches_a_folder_another_writer_holds(
        tmp_path: Path) -> None:
    # An import writing annotations/ while extract takes the work dir: the import's temp
    # file is its own, not a leftover.
    w = tmp_path / "w"
    writing = w / "annotations" / ".20261101T000000Z-ab.parquet.k3j2h1g0.tmp"
    stale = w / "texts" / ".abc.txt.q1w2e3r4.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("left by a killed collect")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(w / "annotations")], env=_env(),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        writing.write_text("being written by the holder")
        with directory_lock(w, "extract"):
            assert writing.exists() and not stale.exists()
    finally:
        proc.kill()
        proc.wait()
