"""The label columns a taxonomy gives a table, and the pandera model built around them.

The annotations and labels tables have one column per label field of ``schema/taxonomy.yaml``;
their models are built from a :class:`Taxonomy` object (any version), not from the file the
package happens to ship, so that a field added to the taxonomy becomes a column everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from dataset_builder import taxonomy as taxonomy_mod
from dataset_builder.schemas._common import ListCells, list_items_in, offsets_ok
from dataset_builder.schemas.derived import ITEMS, RELEASE
from dataset_builder.taxonomy import Taxonomy

# column -> (its annotation, its pa.Field or None)
Columns = dict[str, tuple[Any, Any]]
# attribute name -> a pandera check (pa.check / pa.dataframe_check applied to a function)
Checks = dict[str, Any]


# A span: its label, its offsets in the passage text and the text it quotes.
SPAN_ITEM = {"label": "string", "start": "int64", "end": "int64", "text": "string"}


def label_columns(tax: Taxonomy, rating: Any, rating_release: str, *,
                  spans: bool) -> tuple[Columns, Checks]:
    """One column per label field (taxonomy order): a single choice is one of its ids, a multi
    choice a list of them, a rating a number in [min, max] of dtype ``rating`` (released as
    ``rating_release``), a spans field a list of labelled offsets (only when ``spans``)."""
    columns: Columns = {}
    checks: Checks = {}
    for f in tax.fields:
        if f.kind == "single":
            columns[f.id] = (Series[str], pa.Field(nullable=True, isin=f.choice_ids))
        elif f.kind == "multi":
            columns[f.id] = (Series[ListCells], pa.Field(metadata={ITEMS: "string"}))
            checks[f"_{f.id}_ids"] = pa.check(f.id, name=f"{f.id} are taxonomy ids")(
                _items_in(f.choice_ids))
        elif f.kind == "rating":
            columns[f.id] = (Series[rating], pa.Field(nullable=True, ge=f.min, le=f.max,
                                                      metadata={RELEASE: rating_release}))
        elif spans:
            released = {**SPAN_ITEM, "start": "int32", "end": "int32"}
            columns[f.id] = (Series[ListCells],
                             pa.Field(metadata={ITEMS: SPAN_ITEM, RELEASE: [released]}))
            checks[f"_{f.id}_offsets"] = pa.check(
                f.id, name="span labels are taxonomy ids and 0 <= start < end")(
                _offsets({"label": f.choice_ids}))
    return columns, checks


def _items_in(ids: tuple[str, ...]) -> Callable[[Any, pd.Series], pd.Series]:
    def check(cls: Any, series: pd.Series) -> pd.Series:
        return list_items_in(series, ids)
    return check


def _offsets(fields: dict[str, tuple[str, ...] | None]) -> Callable[[Any, pd.Series], pd.Series]:
    def check(cls: Any, series: pd.Series) -> pd.Series:
        return offsets_ok(series, fields)
    return check


def project_defaults(module: str,
                     builders: dict[str, Callable[[Taxonomy], Any]]) -> Callable[[str], Any]:
    """A module ``__getattr__``: each name is built from the project's taxonomy on first use
    (not at import, so that the module serves any taxonomy)."""

    def __getattr__(name: str) -> Any:
        if name in builders:
            return builders[name](taxonomy_mod.load())
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def build_model(class_name: str, table: str, columns: Columns,
                checks: Checks) -> type[pa.DataFrameModel]:
    """A strict, coercing DataFrameModel with ``columns`` in order (what a class body with
    these annotations and fields would declare)."""
    namespace: dict[str, Any] = {
        "__annotations__": {name: kind for name, (kind, _) in columns.items()},
        **{name: fld for name, (_, fld) in columns.items() if fld is not None},
        **checks,
        "Config": type("Config", (), {"name": table, "strict": True, "coerce": True}),
        "__module__": f"dataset_builder.schemas.{table}",
    }
    return type(class_name, (pa.DataFrameModel,), namespace)
