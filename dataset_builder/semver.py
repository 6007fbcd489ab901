"""Semantic versions (X.Y.Z, no prefix, no suffix): the one pattern every file and table uses.

Taxonomy, codebook, splits, release manifests and annotation rows all record versions; they
check and compare them here, so that "1.0.0" means the same thing everywhere.
"""

from __future__ import annotations

import re

PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
_REGEX = re.compile(PATTERN)

Version = tuple[int, int, int]


def is_semver(text: str) -> bool:
    """True for ``1.2.0``; False for ``v1.2.0``, ``1.2``, ``01.2.0`` or ``1.2.0-rc1``."""
    return _REGEX.match(text) is not None


def parse(text: str) -> Version | None:
    """``(major, minor, patch)``, or None when ``text`` is not a semantic version."""
    match = _REGEX.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def major(text: str) -> int | None:
    """The major number of a semantic version, or None when ``text`` is not one."""
    parsed = parse(text)
    return parsed[0] if parsed else None
