"""Shared patterns and checks for the table schemas."""

from __future__ import annotations

import pandas as pd

WORK_ID = r"^(gutenberg:[0-9]+|local:[a-z0-9][a-z0-9._-]*|hf:[^\s]+)$"
PASSAGE_ID = r"^p_[0-9a-f]{16}$"
ANNOTATOR_ID = r"^ann_[0-9a-f]{12}$"
ROW_ID = r"^r_[0-9a-f]{16}$"
SHA256 = r"^[0-9a-f]{64}$"
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
ISO_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"

# Licences a work can carry; the release publishes text only for the redistributable ones.
LICENCES = (
    "public-domain-us", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "copyrighted", "unknown",
)
REDISTRIBUTABLE = frozenset({"public-domain-us", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0"})
SOURCES = ("gutenberg", "local", "hf")


def list_items_in(series: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Per row: every element of a list cell is one of ``allowed`` (missing cells pass)."""
    exploded = series.explode()
    ok = exploded.isna() | exploded.isin(allowed)
    return ok.groupby(level=0).all().reindex(series.index, fill_value=True)


def is_list_of_str(series: pd.Series) -> pd.Series:
    """Per row: the cell is a list/array of strings (an empty list passes)."""
    def check(cell: object) -> bool:
        # A bare string is iterable too, but it is not a list of strings.
        if cell is None or isinstance(cell, str | bytes):
            return False
        try:
            return all(isinstance(x, str) for x in cell)  # type: ignore[attr-defined]
        except TypeError:
            return False

    return series.map(check).astype(bool)
