"""Restore the passage texts a release withholds (licence) from the user's own copy of the works.

The stage is the verb ``rehydrate`` of ``dataset_builder.api`` (``restore.rehydrate``): it
writes a new, local-only folder, which ``publish`` refuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.rehydrate.restore import RehydrateReport, rehydrate, restore_texts

__all__ = ["RehydrateReport", "rehydrate", "restore_texts"]
__getattr__, __dir__ = exports(__name__, {
    "RehydrateReport": "restore", "rehydrate": "restore", "restore_texts": "restore",
})
