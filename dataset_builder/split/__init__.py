"""Stable train/validation/test splits, grouped by work and stratified by dominant persona.

The stage is the verb ``split`` of ``dataset_builder.api``. Under it: ``assign`` assigns the
works and reads and writes the splits file; ``history`` refuses a release that would move a
work that was already released to another split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.split.assign import SplitResult, assign_splits, read_splits, write_splits

__all__ = ["SplitResult", "assign_splits", "read_splits", "write_splits"]
__getattr__, __dir__ = exports(__name__, {
    "SplitResult": "assign", "assign_splits": "assign", "read_splits": "assign",
    "write_splits": "assign",
})
