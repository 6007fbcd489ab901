"""Typed errors for library callers: each is a UserError (the CLI's one-line message) that
also carries what a program needs (the failures, the server)."""

from __future__ import annotations

import socket

import pytest

from dataset_builder.annotate import client as lsc
from dataset_builder.errors import LabelStudioError, UserError, ValidationError
from dataset_builder.validate.checked import require_valid
from tests import table_builders as tb


def test_a_validation_error_carries_every_failure() -> None:
    passages = tb.passages()
    passages.loc[0, "score"] = 2.0
    passages.loc[1, "passage_id"] = "not-an-id"
    with pytest.raises(ValidationError) as caught:
        require_valid({"passages": passages}, "nothing was written")
    assert isinstance(caught.value, UserError)
    assert {(f.column, f.check.split("(")[0]) for f in caught.value.failures} >= {
        ("score", "less_than_or_equal_to"), ("passage_id", "str_matches")}
    assert "nothing was written" in str(caught.value)


def test_an_unreachable_label_studio_is_a_label_studio_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(LabelStudioError, match="cannot reach Label Studio") as caught:
        lsc.connect(url, token="not-a-real-token", timeout=5)
    assert caught.value.url == url and isinstance(caught.value, UserError)
