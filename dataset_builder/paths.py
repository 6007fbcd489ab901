"""Where the project's committed files are, in a clone or in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CLONE_ROOT = _PACKAGE.parent
_WHEEL_ROOT = _PACKAGE / "_project"
SAMPLE_MIRROR = _PACKAGE / "sample" / "gutenberg"
SAMPLE_ANNOTATIONS = _PACKAGE / "sample" / "annotations"


def project_root() -> Path:
    """The clone's root when running from a checkout, else the copy shipped inside the wheel."""
    if (_CLONE_ROOT / "schema" / "taxonomy.yaml").exists():
        return _CLONE_ROOT
    return _WHEEL_ROOT

