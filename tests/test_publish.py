"""Publishing end to end on loopback: our Hub write endpoint stores real git commits, olah
serves the same repositories to `datasets.load_dataset(repo, config, revision=...)`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.publish.hub import publish
from dataset_builder.publish.verify import verify
from dataset_builder.release.build import build_release
from dataset_builder.split.assign import assign_splits, read_splits
from tests import hub_fixtures as hf
from tests import release_fixtures as rf

pytestmark = pytest.mark.slow
REPO = "faip-org/fictional-ai-personas"


@dataclass
class Hub:
    root: Path
    server: hf.HubServer
    olah: str
    v1: Path
    v11: Path
    # Releases after v1.1.0, one per test that tries to publish one, so that no test depends
    # on what another published: v1.2.0 lands (tag failure, then rerun), v1.3.0 never lands
    # (Hub failures), v1.4.0 is only compared (dry run; its data differs from all others).
    v12: Path
    v13: Path
    v14: Path

    def git(self, *args: str, repo: str = REPO) -> str:
        return hf._git(self.root / "mirrors" / "datasets" / repo, *args)

    def load(self, *wanted: str, repo: str = REPO) -> dict[str, dict[str, dict[str, object]]]:
        return hf.load_in_subprocess(self.olah, repo, list(wanted), self.root / "home")


def _release(root: Path, version: str, n_works: int, out: str, previous: Path | None = None,
             date: str = "2026-11-27", repo_id: str = REPO) -> Path:
    w = rf.write_workdir(root / "w", n_works=n_works)
    assign_splits(w, root / "splits.csv")
    return build_release(version, w, root / out, splits_path=root / "splits.csv", date=date,
                         previous=previous, characters=rf.characters(),
                         repo_id=repo_id)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub")
    (root / "mirrors").mkdir()
    v1 = _release(root, "1.0.0", 12, "v1.0.0")
    v11 = _release(root, "1.1.0", 18, "v1.1.0", previous=v1)
    later = [_release(root, version, n_works, f"v{version}", previous=v11)
             for version, n_works in (("1.2.0", 20), ("1.3.0", 20), ("1.4.0", 22))]
    with hf.hub_server(root / "mirrors") as server, hf.olah_server(root / "mirrors", root) as olah:
        yield Hub(root, server, olah, v1, v11, *later)


@pytest.fixture
def published(hub: Hub) -> Hub:
    """The hub with v1.0.0 and v1.1.0 published, so that every test can also run alone
    (publishing a version again is a no-op)."""
    for release in (hub.v1, hub.v11):
        publish(release, REPO, endpoint=hub.server.url, token=hf.TOKEN)
    return hub


def _split_of_works(loaded: dict[str, dict[str, object]]) -> dict[str, str]:
    return {row: split for split, info in loaded.items()
            for row in info["ids"]}  # type: ignore[attr-defined]


def test_publish_two_versions_and_load_each_revision(hub: Hub) -> None:
    repo = f"{REPO}-first"  # a repository of its own: the other tests publish to REPO
    # Releases built for it (a release names its repository in card, citation, Croissant).
    own = hub.root / "first"
    v1 = _release(own, "1.0.0", 12, "v1.0.0", repo_id=repo)
    v11 = _release(own, "1.1.0", 18, "v1.1.0", previous=v1, repo_id=repo)
    first = publish(v1, repo, endpoint=hub.server.url, token=hf.TOKEN)
    assert first.action == "published" and "data/passages/train-00000-of-00001.parquet" in \
        first.added
    commits = [line for line in hub.server.log if f"{repo}/commit/" in line]
    assert commits == [f"POST /api/datasets/{repo}/commit/main"]  # ONE commit for the release
    assert hub.git("rev-parse", "v1.0.0^{commit}", repo=repo) == first.commit == hub.git(
        "rev-parse", "main", repo=repo)
    assert hub.git("log", "-1", "--format=%s", "main", repo=repo) == "Release 1.0.0"

    again = publish(v1, repo, endpoint=hub.server.url, token=hf.TOKEN)
    assert again.action == "unchanged" and hub.git("rev-parse", "main", repo=repo) == first.commit

    second = publish(v11, repo, endpoint=hub.server.url, token=hf.TOKEN)
    assert second.action == "published"
    assert hub.git("rev-parse", "main", repo=repo) == second.commit == hub.git(
        "rev-parse", "v1.1.0^{commit}", repo=repo)
    assert hub.git("rev-parse", f"{second.commit}^", repo=repo) == first.commit
    # The old tag stays put.
    assert hub.git("rev-parse", "v1.0.0^{commit}", repo=repo) == first.commit

    splits = read_splits(own / "splits.csv").set_index("work_id")["split"]
    loaded = hub.load("passages@v1.0.0", "passages@v1.1.0", "works@v1.0.0", "works@v1.1.0",
                      repo=repo)
    for version, n_works in (("v1.0.0", 12), ("v1.1.0", 18)):
        passages = rf.passages(n_works)
        for split, info in loaded[f"passages@{version}"].items():
            expected = passages[passages["work_id"].map(splits) == split]["passage_id"]
            assert info["ids"] == sorted(expected), (version, split)
        features = loaded[f"passages@{version}"]["train"]["features"]
        assert features["persona"][0] == "dutiful_servant"  # type: ignore[index]
        assert loaded[f"works@{version}"]["train"]["rows"] == n_works
    # Works stay in their splits across versions (passage ids are per work here).
    old = _split_of_works(loaded["passages@v1.0.0"])
    new = _split_of_works(loaded["passages@v1.1.0"])
    assert len(new) > len(old) and all(new[pid] == split for pid, split in old.items())


@pytest.mark.usefixtures("published")
def test_same_version_with_different_files_is_refused(hub: Hub) -> None:
    other = _release(hub.root / "other", "1.0.0", 12, "v1.0.0", date="2026-12-01")
    head = hub.git("rev-parse", "main")
    with pytest.raises(UserError, match=r"v1.0.0 is already published with different files"):
        publish(other, REPO, endpoint=hub.server.url, token=hf.TOKEN)
    assert hub.git("rev-parse", "main") == head


@pytest.mark.usefixtures("published")
def test_dry_run_lists_changes_without_writing(hub: Hub) -> None:
    v14 = hub.v14
    head = hub.git("rev-parse", "main")
    result = CliRunner().invoke(main, ["publish", str(v14), "--repo-id", REPO, "--endpoint",
                                       hub.server.url, "--dry-run"], env={"HF_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert "change\tdata/passages/train-00000-of-00001.parquet" in result.output
    assert "change\tREADME.md" in result.output
    assert hub.git("rev-parse", "main") == head
    assert "v1.4.0" not in hub.git("tag")


@pytest.mark.parametrize(("fault", "status", "message"), [
    ("commit", 500, "HTTP 500 while uploading the release commit"),
    ("commit", 409, "HTTP 409 while uploading the release commit.*conflict"),
    ("preupload", 403, "HTTP 403 while uploading the release commit"),
    ("create", 500, "HTTP 500 while creating the repository"),
])
@pytest.mark.usefixtures("published")
def test_hub_failures_leave_no_tag_and_no_commit(hub: Hub, fault: str, status: int,
                                                 message: str) -> None:
    v13 = hub.v13
    head = hub.git("rev-parse", "main")
    hub.server.faults = {fault: status}
    try:
        with pytest.raises(UserError, match=message):
            publish(v13, REPO, endpoint=hub.server.url, token=hf.TOKEN)
    finally:
        hub.server.faults = {}
    assert hub.git("rev-parse", "main") == head
    assert "v1.3.0" not in hub.git("tag")


@pytest.mark.usefixtures("published")
def test_tag_failure_then_rerun_tags_the_landed_commit(hub: Hub) -> None:
    v12 = hub.v12
    hub.server.faults = {"tag": 500}
    try:
        with pytest.raises(UserError, match="HTTP 500 while creating tag v1.2.0"):
            publish(v12, REPO, endpoint=hub.server.url, token=hf.TOKEN)
    finally:
        hub.server.faults = {}
    landed = hub.git("rev-parse", "main")
    assert "v1.2.0" not in hub.git("tag")
    rerun = publish(v12, REPO, endpoint=hub.server.url, token=hf.TOKEN)
    assert rerun.action == "tagged" and rerun.commit == landed
    assert hub.git("rev-parse", "v1.2.0^{commit}") == landed == hub.git("rev-parse", "main")


def test_publishing_to_another_repository_than_stamped_is_refused(hub: Hub) -> None:
    """The card, CITATION.cff and croissant.json name the repository given at release time."""
    before = list(hub.server.log)
    with pytest.raises(UserError, match=r"built for faip-org/fictional-ai-personas .*"
                                        r"--repo-id faip-org/elsewhere"):
        publish(hub.v1, "faip-org/elsewhere", endpoint=hub.server.url, token=hf.TOKEN)
    assert hub.server.log == before  # refused before any request
    assert "datasets/faip-org/fictional-ai-personas/tree/v1.0.0" in \
        (hub.v1 / "CITATION.cff").read_text()


def test_wrong_token_missing_token_and_unreachable_hub(hub: Hub, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="HTTP 401 .*token was refused"):
        new = _release(tmp_path, "1.0.0", 12, "v1.0.0", repo_id="faip-org/new-repo")
        publish(new, "faip-org/new-repo", endpoint=hub.server.url, token="wrong-token")
    result = CliRunner().invoke(main, ["publish", str(hub.v1), "--repo-id", REPO,
                                       "--endpoint", hub.server.url], env={"HF_TOKEN": ""})
    assert result.exit_code == 1 and "HF_TOKEN is not set" in result.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(UserError, match="cannot reach the Hub"):
        publish(hub.v1, REPO, endpoint=closed, token=hf.TOKEN)
    # Not a release folder: said about the folder to publish (not about another option).
    with pytest.raises(UserError, match="the folder to publish must be a release folder"):
        publish(tmp_path, REPO, endpoint=hub.server.url, token=hf.TOKEN)


@pytest.mark.usefixtures("published")
def test_cli_publish_reads_the_token_and_never_prints_it(hub: Hub) -> None:
    result = CliRunner().invoke(main, ["publish", str(hub.v11), "--repo-id", REPO,
                                       "--endpoint", hub.server.url],
                                env={"HF_TOKEN": hf.TOKEN})
    assert result.exit_code == 0, result.output
    assert "already published with identical files" in result.output
    assert hf.TOKEN not in result.output


@pytest.mark.usefixtures("published")
def test_verify_a_published_revision(hub: Hub) -> None:
    report = verify(f"{REPO}@v1.1.0", endpoint=hub.olah)
    assert report.ok, report.problems
    assert report.sizes["works"] == {"train": 18}
    result = CliRunner().invoke(main, ["verify", f"{REPO}@v9.9.9", "--endpoint", hub.olah])
    assert result.exit_code == 1 and "cannot download" in result.output
