"""Shared patterns and checks for the table schemas."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera import dtypes
from pandera.engines import pandas_engine

from dataset_builder import semver

WORK_ID = r"^(gutenberg:[0-9]+|local:[a-z0-9][a-z0-9._-]*|hf:[^\s]+)$"
PASSAGE_ID = r"^p_[0-9a-f]{16}$"
ANNOTATOR_ID = r"^ann_[0-9a-f]{12}$"
ROW_ID = r"^r_[0-9a-f]{16}$"
SHA256 = r"^[0-9a-f]{64}$"
SEMVER = semver.PATTERN
ISO_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"

SOURCES = ("gutenberg", "local", "hf")


@pandas_engine.Engine.register_dtype
@dtypes.immutable
class ListCells(pandas_engine.DataType):
    """The dtype of a list column: Python lists (``object``) or Arrow lists (``pd.ArrowDtype``,
    as the release reads them, without one Python object per cell). Coercion leaves Arrow
    lists as they are and makes anything else ``object``; each list column's checks judge
    its cells. Exported as ``object``, so that plain pandera reads schema/*.yaml as before."""

    type = np.dtype(object)

    def check(self, pandera_dtype: dtypes.DataType, data_container: object = None) -> bool:
        native = getattr(pandera_dtype, "type", None)
        return native == np.dtype(object) or _arrow_lists(native)

    def coerce(self, data_container: pd.Series) -> pd.Series:  # type: ignore[override]
        if _arrow_lists(data_container.dtype):
            return data_container
        return data_container.astype(object)

    def __str__(self) -> str:
        return "object"


def _arrow_lists(dtype: object) -> bool:
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype)


# The checks below run on object columns of list cells (hundreds of thousands of rows in a
# release). Each has a vectorised path for what pyarrow can hold exactly, and falls back to the
# row-by-row rule (which defines the check) for anything else.


def arrow_cells(series: pd.Series) -> pa.Array | None:
    """The cells as one Arrow array of inferred type, or None when pyarrow refuses them.

    A column that already holds Arrow data (``pd.ArrowDtype``) is returned as it is.
    Otherwise ``from_pandas=False``: only ``None`` becomes null (a NaN or pd.NA cell makes the
    conversion fail, so the caller falls back to the row-by-row rule, which treats them
    differently).
    """
    if isinstance(series.dtype, pd.ArrowDtype):
        array = pa.array(series.array)
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    try:
        return pa.array(series.to_numpy(dtype=object), from_pandas=False)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None


def python_cells(series: pd.Series) -> pd.Series:
    """The cells as Python objects (an Arrow list becomes a list): what the row-by-row rules
    read."""
    if isinstance(series.dtype, pd.ArrowDtype):  # (tolist would give pd.NA for a null)
        return pd.Series(pa.array(series.array).to_pylist(), index=series.index, dtype=object)
    return series


def _string_lists(series: pd.Series) -> pa.ListArray | None:
    """The cells if every one is None or a list-like of str/None items (pyarrow infers
    list<string>, or list<null> when no item is a str, only then); else None."""
    cells = arrow_cells(series)
    if (isinstance(cells, pa.ListArray) and (pa.types.is_string(cells.type.value_type)
                                              or pa.types.is_null(cells.type.value_type))):
        return cells
    return None


def rows_without(cells: pa.Array, bad_items: pa.Array) -> np.ndarray:
    """Per list cell: True unless one of its items is flagged in ``bad_items`` (flattened)."""
    ok = np.ones(len(cells), dtype=bool)
    parents = pc.list_parent_indices(cells).to_numpy(zero_copy_only=False)
    ok[parents[bad_items.to_numpy(zero_copy_only=False)]] = False
    return ok


def list_items_in(series: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Per row: every element of a list cell is one of ``allowed`` (missing cells pass)."""
    cells = _string_lists(series)
    if cells is not None:
        items = pc.list_flatten(cells)
        if pa.types.is_null(items.type):  # empty lists or only missing items: all pass
            return pd.Series(True, index=series.index)
        # Missing elements pass, as missing cells do (isna after explode).
        known = pc.is_in(items, pa.array(allowed, pa.string())).fill_null(False)
        bad = pc.and_(items.is_valid(), pc.invert(known))
        return pd.Series(rows_without(cells, bad), index=series.index)
    return list_items_in_by_row(series, allowed)


def list_items_in_by_row(series: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """The rule ``list_items_in`` vectorises, for cells Arrow cannot hold exactly."""
    exploded = python_cells(series).explode()
    ok = exploded.isna() | exploded.isin(allowed)
    return ok.groupby(level=0).all().reindex(series.index, fill_value=True)


def is_list_of_str(series: pd.Series) -> pd.Series:
    """Per row: the cell is a list/array of strings (an empty list passes)."""
    cells = _string_lists(series)
    if cells is not None:
        ok = rows_without(cells, pc.list_flatten(cells).is_null())
        # A None cell is not a list.
        return pd.Series(ok & cells.is_valid().to_numpy(zero_copy_only=False), index=series.index)
    return python_cells(series).map(str_list_cell_ok).astype(bool)


def str_list_cell_ok(cell: object) -> bool:
    """The rule ``is_list_of_str`` vectorises, for one cell."""
    # A bare string is iterable too, but it is not a list of strings.
    if cell is None or isinstance(cell, str | bytes):
        return False
    try:
        return all(isinstance(x, str) for x in cell)  # type: ignore[attr-defined]
    except TypeError:
        return False


# Items located in a text: spans of a passage, evidence of a detection.
OffsetFields = Mapping[str, tuple[str, ...] | None]


def offsets_ok(series: pd.Series, fields: OffsetFields) -> pd.Series:
    """Per row: None, or a list of items, each with 0 <= ``start`` < ``end`` and every text
    field of ``fields`` a string (one of the given ids, where ids are given)."""
    fast = offsets_ok_vectorised(series, fields)
    if fast is not None:
        return fast
    return python_cells(series).map(lambda cell: offset_cell_ok(cell, fields)).astype(bool)


def offset_cell_ok(cell: object, fields: OffsetFields) -> bool:
    """The rule ``offsets_ok`` vectorises, for one cell."""
    if cell is None:
        return True
    try:
        return all(
            all(item[f] in ids if ids is not None else isinstance(item[f], str)
                for f, ids in fields.items())
            and 0 <= int(item["start"]) < int(item["end"])
            for item in cell  # type: ignore[attr-defined]
        )
    except (TypeError, KeyError, ValueError, IndexError):
        return False


def offsets_ok_vectorised(series: pd.Series, fields: OffsetFields) -> pd.Series | None:
    """``offsets_ok`` in Arrow, or None when the cells are not all None or lists of None /
    mappings with string text fields and integer ``start``/``end`` (the caller then applies
    the rule cell by cell)."""
    cells = arrow_cells(series)
    if not isinstance(cells, pa.ListArray):
        return None
    kind = cells.type.value_type
    items = pc.list_flatten(cells)
    if pa.types.is_null(kind):  # every item is None: not an item
        return pd.Series(rows_without(cells, pa.array(np.ones(len(items), dtype=bool))),
                         index=series.index)
    if not pa.types.is_struct(kind):
        return None
    names = {kind.field(i).name for i in range(kind.num_fields)}
    if not ({*fields, "start", "end"} <= names
            and all(pa.types.is_string(kind.field(f).type) for f in fields)
            and all(pa.types.is_integer(kind.field(f).type) for f in ("start", "end"))):
        return None
    start, end = pc.struct_field(items, "start"), pc.struct_field(items, "end")
    good = pc.and_kleene(pc.greater_equal(start, 0), pc.less(start, end))
    for name, ids in fields.items():
        value = pc.struct_field(items, name)
        good = pc.and_kleene(good, pc.is_in(value, pa.array(ids, pa.string()))
                             if ids is not None else value.is_valid())
    # A None item, or a missing field (null), fails as in the rule.
    bad = pc.invert(pc.and_(items.is_valid(), good.fill_null(False)))
    return pd.Series(rows_without(cells, bad), index=series.index)


def shares_ok(series: pd.Series, n: int) -> pd.Series:
    """Per row: None, or ``n`` numbers between 0 and 1 (the vote shares of n choices)."""
    cells = arrow_cells(series)
    if isinstance(cells, pa.ListArray) and (pa.types.is_integer(cells.type.value_type)
                                            or pa.types.is_floating(cells.type.value_type)):
        items = pc.list_flatten(cells)
        good = pc.and_kleene(pc.greater_equal(items, 0), pc.less_equal(items, 1))
        ok = rows_without(cells, pc.invert(good.fill_null(False)))
        sized = pc.equal(pc.list_value_length(cells), n).fill_null(True)
        return pd.Series(ok & sized.to_numpy(zero_copy_only=False), index=series.index)
    return python_cells(series).map(lambda cell: share_cell_ok(cell, n)).astype(bool)


def share_cell_ok(cell: object, n: int) -> bool:
    """The rule ``shares_ok`` vectorises, for one cell."""
    if cell is None:
        return True
    if isinstance(cell, str | bytes):
        return False
    try:
        items = list(cell)  # type: ignore[call-overload]
    except TypeError:
        return False
    return len(items) == n and all(
        isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_) and 0 <= x <= 1
        for x in items)
