"""Passages to annotate straight from a release: a folder, or a Hub repo at a tag."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from dataset_builder.annotate.release_source import Choice, read_passages, release_passages
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.publish.hub import publish
from dataset_builder.release.build import build_release
from dataset_builder.split.assign import assign_splits
from tests import hub_fixtures as hf
from tests import release_fixtures as rf

REPO = "faip-org/personas-for-volunteers"
N = 9


@dataclass
class Built:
    workdir: Path
    release: Path
    hub: hf.HubServer


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("release-source")
    w = rf.write_workdir(root / "w", n_works=N)
    assign_splits(w, root / "splits.csv")
    rel = build_release("1.0.0", w, root / "v1.0.0", splits_path=root / "splits.csv",
                        date="2026-11-27", characters=rf.characters(), repo_id=REPO)
    (root / "mirrors").mkdir()
    with hf.hub_server(root / "mirrors") as server:
        publish(rel, REPO, endpoint=server.url, token=hf.TOKEN)
        yield Built(w, rel, server)


def test_fewest_annotations_first_split_seed_limit_and_withheld(built: Built,
                                                                 tmp_path: Path) -> None:
    everything = read_passages(built.release)
    withheld = everything["text"].isna()
    assert withheld.sum() > 0  # work 1 is copyrighted
    got = release_passages(str(built.release), tmp_path, Choice(limit=None))
    rows = got.passages
    assert got.version == "1.0.0" and got.withheld_skipped == int(withheld.sum())
    assert len(rows) == len(everything) - withheld.sum() and rows["text"].notna().all()
    counts = rows["n_annotators"].tolist()
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 2
    # The seed orders passages with as many annotations; the same seed, the same order.
    again = release_passages(str(built.release), tmp_path, Choice(limit=None))
    other = release_passages(str(built.release), tmp_path, Choice(limit=None, seed=7))
    assert again.passages["passage_id"].tolist() == rows["passage_id"].tolist()
    assert other.passages["passage_id"].tolist() != rows["passage_id"].tolist()
    assert sorted(other.passages["passage_id"]) == sorted(rows["passage_id"])
    few = release_passages(str(built.release), tmp_path, Choice(limit=3, fewer_than=1)).passages
    assert len(few) == 3 and set(few["n_annotators"]) == {0}
    smallest = str(everything.loc[~withheld, "split"].value_counts().index[-1])
    one_split = release_passages(str(built.release), tmp_path,
                                 Choice(limit=None, split=smallest)).passages
    assert set(one_split["split"]) == {smallest} and 0 < len(one_split) < len(rows)
    # --source restores withheld texts from the user's own copy (here the work dir).
    restored = release_passages(str(built.release), tmp_path, Choice(limit=None),
                                source=built.workdir)
    assert restored.restored == int(withheld.sum()) and restored.withheld_skipped == 0
    back = restored.passages.set_index("passage_id")["text"]
    for pid in everything.loc[withheld, "passage_id"]:
        start, end = everything.set_index("passage_id").loc[pid, ["char_start", "char_end"]]
        assert back[pid] == rf.story(1)[start:end]


def test_a_hub_release_at_a_tag_gives_the_same_passages(built: Built, tmp_path: Path) -> None:
    local = release_passages(str(built.release), tmp_path / "a", Choice(limit=None))
    remote = release_passages(f"{REPO}@v1.0.0", tmp_path / "b", Choice(limit=None),
                              endpoint=built.hub.url)
    assert remote.label == f"{REPO}@v1.0.0" and remote.version == "1.0.0"
    assert remote.passages.drop(columns=["evidence", "authors"]).equals(
        local.passages.drop(columns=["evidence", "authors"]))
    assert (tmp_path / "b" / "releases").is_dir()
    # Without @REV: the latest release tag.
    latest = release_passages(REPO, tmp_path / "c", Choice(limit=None), endpoint=built.hub.url)
    assert latest.version == "1.0.0" and latest.label == REPO
    download = tmp_path / "c" / "releases" / f"{REPO.replace('/', '__')}@v1.0.0"
    assert download.is_dir() and latest.downloaded == download  # what fb.push reports written
    assert local.downloaded is None


@pytest.mark.parametrize(("ref", "match"), [
    (f"{REPO}@v9.9.9", "has no revision 'v9.9.9'"),
    ("faip-org/no-such-dataset@v1.0.0", "has no dataset 'faip-org/no-such-dataset'"),
    ("not a reference", "neither a release folder nor a Hub dataset"),
])
def test_bad_hub_references_are_one_line(built: Built, tmp_path: Path, ref: str,
                                         match: str) -> None:
    with pytest.raises(UserError, match=match):
        release_passages(ref, tmp_path, Choice(), endpoint=built.hub.url)


def test_a_release_that_fails_its_checksums_is_refused(built: Built, tmp_path: Path) -> None:
    copy = shutil.copytree(built.release, tmp_path / "copy")
    shard = next((copy / "data" / "passages").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[:-10])
    res = CliRunner().invoke(main, ["annotate", "push", "-w", str(tmp_path / "w"), "--url",
                                    "http://127.0.0.1:9", "--project", "X", "--release",
                                    str(copy)])
    assert res.exit_code == 1 and "does not match its CHECKSUMS" in res.output
    assert "faip verify" in res.output and "Traceback" not in res.output
    with pytest.raises(UserError, match="--split 'dev'"):
        Choice(split="dev")


def test_a_second_serve_of_a_running_work_dir_is_one_line(tmp_path: Path) -> None:
    # A live server already started on this work dir (its process alive, /health answering).
    import json
    import os
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from dataset_builder.annotate.serve import RUNNING_FILE, start_local
    from tests.threaded_server import running

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    base = tmp_path / "work" / "label-studio"
    base.mkdir(parents=True)
    health = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    url = f"http://127.0.0.1:{health.server_address[1]}"
    (base / RUNNING_FILE).write_text(json.dumps({"pid": os.getpid(), "url": url}))
    with running(health), pytest.raises(UserError, match=f"already runs at {url}"):
        start_local(tmp_path / "work", ls_bin=tmp_path / "no-such-label-studio")
    # Once it is gone, the stale record does not stop a start (here: the missing binary).
    with pytest.raises(UserError, match="not an executable label-studio"):
        start_local(tmp_path / "work", ls_bin=tmp_path / "no-such-label-studio")
