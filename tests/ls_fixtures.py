"""The real Label Studio server for tests: one per session, from the cached initialised
template of tools/ls_template.py. A missing Label Studio install is a failure, not a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from dataset_builder.annotate import ls_server as lss
from dataset_builder.errors import UserError
from tools import ls_template
from tools.ls_template import LOGIN

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


def start_copy(tmp: Path) -> lss.Server:
    try:
        return ls_template.start_copy(tmp)
    except UserError as exc:
        pytest.fail(f"Label Studio tests need the server: {exc}", pytrace=False)


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
