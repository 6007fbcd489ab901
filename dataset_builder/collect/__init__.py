"""Collect narratives into a work directory: ``works.parquet`` + cleaned texts in ``texts/``.

Sources: a Project Gutenberg mirror (``collect_gutenberg``), local files (``collect_files``)
and any text dataset on the Hugging Face Hub (``collect_hf``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.collect.files import collect_files
    from dataset_builder.collect.gutenberg import collect_gutenberg
    from dataset_builder.collect.hf import collect_hf
    from dataset_builder.collect.works import CollectReport
    from dataset_builder.constants import DEFAULT_MIRROR

__all__ = ["DEFAULT_MIRROR", "CollectReport", "collect_files", "collect_gutenberg", "collect_hf"]
# Imported on first use: worker processes import this package for the light cleaning modules
# and should not pay for pandas.
__getattr__, __dir__ = exports(__name__, {
    "DEFAULT_MIRROR": "gutenberg", "CollectReport": "works", "collect_files": "files",
    "collect_gutenberg": "gutenberg", "collect_hf": "hf",
})
