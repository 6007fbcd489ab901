"""The one semantic-version rule that taxonomy, codebook, splits and releases share."""

from __future__ import annotations

import pytest

from dataset_builder import semver


@pytest.mark.parametrize("text", ["0.0.0", "1.2.3", "10.20.30"])
def test_semantic_versions_parse(text: str) -> None:
    assert semver.is_semver(text)
    assert semver.parse(text) == tuple(int(x) for x in text.split("."))
    assert semver.major(text) == int(text.split(".")[0])


@pytest.mark.parametrize("text", ["v1.0.0", "1.0", "01.0.0", "1.0.0-rc1", "1.0.0 ", ""])
def test_anything_else_is_refused(text: str) -> None:
    assert not semver.is_semver(text)
    assert semver.parse(text) is None
    assert semver.major(text) is None


def test_versions_compare_as_numbers_not_text() -> None:
    assert semver.parse("1.10.0") > semver.parse("1.9.0")  # type: ignore[operator]
