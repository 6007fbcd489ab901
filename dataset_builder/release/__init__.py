"""Build a versioned release folder: parquet per config and split, card, Croissant, citation,
changelog and checksums.

The stage is the verb ``release`` of ``dataset_builder.api`` (``build.build_release(version,
workdir, out, splits_path=..., date=..., previous=...) -> Path``). The stages around it have
their own packages: ``dataset_builder.split`` before it, ``dataset_builder.publish`` (publish,
verify) and ``dataset_builder.rehydrate`` after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.release.build import build_release

__all__ = ["build_release"]
__getattr__, __dir__ = exports(__name__, {"build_release": "build"})
