"""The Arrow schema and the Hugging Face release types of a table, derived from its pandera model.

The pandera model is the one column list of a table. What its dtypes do not say is declared
on the column's ``pa.Field`` metadata, in a small type language: a type name (``"string"``,
``"int64"``, ``"int32"``, ``"float32"``, ``"bool"``, ...), ``[item]`` for a list and
``{name: type}`` for a struct.

- ``items``: the Arrow type of a list column's items (pandera only knows "a list");
- ``release``: the type a release publishes when it is narrower than the table's own
  (``int32`` for a count, ``float32`` for a score, ``[{..., "start": "int32"}]``);
- ``choices_of``: the column holds choice ids of this taxonomy field (released as its
  ``ClassLabel``, like the field's own column).
"""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
import pyarrow

ITEMS = "items"
RELEASE = "release"
CHOICES_OF = "choices_of"

# pandera dtype (as str) -> type name
_SCALARS = {"str": "string", "string": "string", "string[pyarrow]": "string",
            "string[python]": "string", "int64": "int64", "Int64": "int64",
            "float64": "float64", "bool": "bool"}

Type = str | list[Any] | dict[str, Any]


def column_types(model: type[pa.DataFrameModel], *, release: bool = False) -> dict[str, Type]:
    """Every column of ``model``, in order, with its type (the release's where it narrows)."""
    out: dict[str, Type] = {}
    for name, column in model.to_schema().columns.items():
        meta = column.metadata or {}
        if release and RELEASE in meta:
            out[name] = meta[RELEASE]
        elif ITEMS in meta:
            out[name] = [meta[ITEMS]]
        elif str(column.dtype) in _SCALARS:
            out[name] = _SCALARS[str(column.dtype)]
        else:
            raise TypeError(f"{model.__name__}.{name}: dtype {column.dtype} has no Arrow type; "
                            f"declare it with pa.Field(metadata={{{ITEMS!r}: ...}}).")
    return out


def arrow_type(kind: Type) -> pyarrow.DataType:
    """A type of the type language as an Arrow type."""
    if isinstance(kind, list):
        return pyarrow.list_(arrow_type(kind[0]))
    if isinstance(kind, dict):
        return pyarrow.struct([(name, arrow_type(sub)) for name, sub in kind.items()])
    return pyarrow.type_for_alias(kind)


def arrow_schema(model: type[pa.DataFrameModel]) -> pyarrow.Schema:
    """The Arrow schema a table is written with: explicit types, so that an all-empty list
    column is still list<string>, not list<null>."""
    return pyarrow.schema([(name, arrow_type(kind)) for name, kind in column_types(model).items()])
