"""The corpus itself: its committed definition (data/selection.yaml, data/works.csv) and
``build_corpus``, which turns a Gutenberg mirror into a verified release in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.corpus.build import BuildSummary, build_corpus

__all__ = ["BuildSummary", "build_corpus"]
__getattr__, __dir__ = exports(__name__, dict.fromkeys(__all__, "build"))
