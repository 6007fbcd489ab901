"""The corpus itself: its committed definition (data/selection.yaml, data/works.csv) and
``build_corpus``, which turns a Gutenberg mirror into a verified release in one call."""

from dataset_builder.corpus.build import BuildSummary, build_corpus

__all__ = ["BuildSummary", "build_corpus"]
