"""Data safety of releases: a released work never moves split, a rehydrated or
licence-violating folder is never published, a killed release leaves nothing that lasts.

Issue 17, must-fix cases 3 (a moved split) and 4 (copyrighted text can be published).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dataset_builder.characters.model import save_catalogue
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.publish.hub import publish
from dataset_builder.release import checksums
from dataset_builder.release.build import build_release
from dataset_builder.split.assign import assign_splits, read_splits, write_splits
from tests import hub_fixtures as hf
from tests import release_fixtures as rf

pytestmark = pytest.mark.slow  # real processes, real releases: seconds each

REPO = "faip-org/safety"
DATE = "2026-11-27"


@dataclass
class Released:
    root: Path
    workdir: Path
    splits: Path  # stamped with 1.0.0
    characters: Path
    v1: Path


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    root = tmp_path_factory.mktemp("released")
    w = rf.write_workdir(root / "w", n_works=12)
    splits = root / "splits.csv"
    assign_splits(w, splits)
    characters = save_catalogue(rf.characters(), root / "characters.csv")
    v1 = build_release("1.0.0", w, root / "v1.0.0", splits_path=splits, date=DATE,
                       characters=rf.characters(), repo_id=REPO)
    return Released(root, w, splits, characters, v1)


def _release_args(r: Released, version: str, out: Path, splits: Path,
                  previous: Path | None) -> list[str]:
    return ["release", version, "-w", str(r.workdir), "--out", str(out), "--splits", str(splits),
            "--date", DATE, "--catalogue", str(r.characters), "--repo-id", REPO,
            "--previous", str(previous) if previous else "none"]


def _move_one_train_work(splits: Path) -> str:
    frame = read_splits(splits)
    work = frame[(frame["split"] == "train") & (frame["version"] == "1.0.0")]["work_id"].iloc[0]
    frame.loc[frame["work_id"] == work, "split"] = "test"
    write_splits(splits, frame)
    return str(work)


def test_a_release_refuses_a_work_moved_since_the_previous_release(
        released: Released, tmp_path: Path) -> None:
    splits = tmp_path / "splits.csv"
    shutil.copy(released.splits, splits)
    moved = _move_one_train_work(splits)
    out = tmp_path / "v1.0.1"
    result = CliRunner().invoke(main, _release_args(released, "1.0.1", out, splits, released.v1))
    # Before: exit 0, the work in test in 1.0.1, and a CHANGELOG silent about it.
    assert result.exit_code == 1, result.output
    assert f"{moved}: train in {released.v1}, test now" in result.output
    assert "1 released work(s) changed split" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert read_splits(splits)["version"].tolist() == read_splits(released.splits)[
        "version"].tolist()  # not stamped


def test_a_release_refuses_a_move_the_splits_files_git_history_shows(
        released: Released, tmp_path: Path) -> None:
    # No --previous at hand: the committed history of the splits file is the record.
    repo = tmp_path / "repo"
    (repo / "splits").mkdir(parents=True)
    splits = repo / "splits" / "splits.csv"
    shutil.copy(released.splits, splits)
    hf._git(repo, "init", "--quiet")
    hf._git(repo, "add", ".")
    hf._git(repo, "commit", "--quiet", "-m", "release 1.0.0")
    moved = _move_one_train_work(splits)
    hf._git(repo, "commit", "--quiet", "-am", "move a work")  # even committed, it is refused
    result = CliRunner().invoke(main, _release_args(released, "1.0.1", tmp_path / "out", splits,
                                                    None))
    assert result.exit_code == 1, result.output
    assert f"{moved}: train in splits/splits.csv as committed in" in result.output
    assert "(1.0.0), test now" in result.output and not (tmp_path / "out").exists()


def test_an_unmoved_release_says_so_in_its_changelog(released: Released, tmp_path: Path) -> None:
    splits = tmp_path / "splits.csv"
    shutil.copy(released.splits, splits)
    out = tmp_path / "v1.0.1"
    result = CliRunner().invoke(main, _release_args(released, "1.0.1", out, splits, released.v1))
    assert result.exit_code == 0, result.output
    assert "- released works that changed split: none" in (out / "CHANGELOG.md").read_text()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hf.HubServer]:
    mirrors = tmp_path_factory.mktemp("mirrors")
    with hf.hub_server(mirrors) as server:
        yield server


def _publish(folder: Path, hub: hf.HubServer) -> tuple[int, str]:
    result = CliRunner(env={"HF_TOKEN": hf.TOKEN}).invoke(
        main, ["publish", str(folder), "--repo-id", REPO, "--endpoint", hub.url])
    return result.exit_code, result.output


def test_a_rehydrated_folder_is_new_local_only_and_never_published(
        released: Released, hub: hf.HubServer, tmp_path: Path) -> None:
    before = checksums.read(released.v1)
    local = tmp_path / "mine"
    result = CliRunner().invoke(main, ["rehydrate", str(released.v1), "--source",
                                       str(released.workdir), "--out", str(local)])
    assert result.exit_code == 0, result.output
    # The release folder is untouched (before: rewritten in place, CHECKSUMS included).
    assert checksums.read(released.v1) == before and checksums.mismatches(released.v1) == []
    assert (local / "LOCAL_ONLY.md").exists() and checksums.mismatches(local) == []
    code, out = _publish(local, hub)
    assert code == 1 and "LOCAL_ONLY.md" in out and "licence withholds" in out, out
    assert not hub.repo(REPO).path.exists()  # refused before any request
    # Without the marker (deleted, checksums redone), the licence check still refuses.
    (local / "LOCAL_ONLY.md").unlink()
    checksums.write(local)
    code, out = _publish(local, hub)
    assert code == 1 and "LOCAL_ONLY" not in out
    assert f"passage text(s) of work(s) whose licence withholds them ({rf.work_id(1)})" in out
    assert not hub.repo(REPO).path.exists()  # nothing reached the Hub
    # The release folder itself publishes: the checks refuse only what they must.
    code, out = _publish(released.v1, hub)
    assert code == 0, out
    assert hub.repo(REPO).head() is not None


def test_publish_scans_for_e_mails_and_tokens_itself(
        released: Released, hub: hf.HubServer, tmp_path: Path) -> None:
    edited = tmp_path / "edited"
    shutil.copytree(released.v1, edited)
    shard = next((edited / "data" / "annotations").glob("*.parquet"))
    table = pq.read_table(shard)
    notes = ["write to ann@example.org"] + table["notes"].to_pylist()[1:]
    index = table.schema.get_field_index("notes")
    pq.write_table(table.set_column(index, table.schema.field("notes"),
                                    pa.array(notes, pa.string())), shard)
    checksums.write(edited)  # a folder edited after `faip release` checked it
    with pytest.raises(UserError, match="column notes: 1 value.s. contain an e-mail address"):
        publish(edited, REPO, endpoint=hub.url, token=hf.TOKEN, dry_run=True)


def test_kill_9_during_a_release_leaves_no_folder_and_the_next_release_cleans_up(
        released: Released, tmp_path: Path) -> None:
    splits = tmp_path / "splits.csv"
    shutil.copy(released.splits, splits)
    dist = tmp_path / "dist"
    dist.mkdir()
    args = _release_args(released, "1.0.1", dist / "v1.0.1", splits, released.v1)
    proc = subprocess.Popen([sys.executable, "-m", "dataset_builder", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(dist.glob(".v1.0.1.partial-*/data/passages/*.parquet")):  # chosen point
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (dist / "v1.0.1").exists() and any(dist.glob(".v1.0.1.partial-*"))
    assert read_splits(splits).equals(read_splits(released.splits))  # not stamped
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in dist.iterdir()) == [".faip.lock", "v1.0.1"]
