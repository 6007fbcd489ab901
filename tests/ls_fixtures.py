"""The real Label Studio server for tests: one per session, from a cached initialised template.

``label-studio init`` takes about a minute, so the initialised data dir is built once and
cached (``$FAIP_LS_TEMPLATE`` or ``<repo>/.cache/ls-template``); each session copies it and
starts in a few seconds. A missing Label Studio install is a failure, not a skip.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from dataset_builder.annotate import server as lss
from dataset_builder.errors import UserError

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_ENV = "FAIP_LS_TEMPLATE"
LOGIN = lss.Login("admin@faip-tests.example.org", "faip-test-password-1",
                  "5c2f0d6e1b7a4c39a8e2f61d0b9c7e3a4f5d6c7b")
ANNOTATORS = ("ann1@faip-tests.example.org", "ann2@faip-tests.example.org",
              "ann3@faip-tests.example.org")


@dataclass
class LabelStudioFixture:
    server: lss.Server
    client: LabelStudio
    annotators: dict[str, int] = field(default_factory=dict)  # email -> Label Studio user id

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.login.token


def _template_dir() -> Path:
    return Path(os.environ.get(TEMPLATE_ENV) or REPO / ".cache" / "ls-template")


def ensure_template(ls_bin: Path) -> Path:
    """The initialised template; built once (under a lock) if missing or half-built."""
    template = _template_dir()
    ready = template / "READY"
    template.parent.mkdir(parents=True, exist_ok=True)
    with open(template.parent / f".{template.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists() and ready.read_text().strip() == LOGIN.token:
            return template
        build = Path(tempfile.mkdtemp(prefix=f".{template.name}.", dir=template.parent))
        lss.init_data_dir(ls_bin, build, LOGIN)
        (build / "READY").write_text(LOGIN.token + "\n")
        if template.exists():
            shutil.rmtree(template)
        build.rename(template)
    return template


def start_copy(tmp: Path) -> lss.Server:
    try:
        ls_bin = lss.find_ls_bin()
    except UserError as exc:
        pytest.fail(f"Label Studio tests need the server: {exc}", pytrace=False)
    template = ensure_template(ls_bin)
    base = tmp / "ls"
    shutil.copytree(template, base, ignore=shutil.ignore_patterns("*.log", "READY"))
    return lss.start(ls_bin, base, LOGIN)


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioFixture]:
    server = start_copy(tmp_path_factory.mktemp("label-studio"))
    try:
        client = LabelStudio(base_url=server.url, api_key=LOGIN.token)
        fixture = LabelStudioFixture(server, client)
        for email in ANNOTATORS:
            user = client.users.create(username=email.split("@")[0], email=email)
            fixture.annotators[email] = int(user.id)
        yield fixture
    except BaseException:
        print(f"Label Studio log tail:\n{server.log_tail()}")
        raise
    finally:
        server.stop()
        assert not server.running()
