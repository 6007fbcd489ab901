"""Embedded sample corpus: original stories in a Project Gutenberg mirror layout (package data only)."""
