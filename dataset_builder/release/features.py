"""The Hugging Face features of every released config, derived from the tables' pandera models.

A config is a selection (and join) of work-dir table columns; each column's released type is
its model's (``schemas.derived``), label fields come from the taxonomy.

Label fields become ``ClassLabel`` (names = taxonomy ids, in taxonomy order) so that a user
gets ``features["persona"].int2str(i)`` for free; the features are written into each parquet
file's schema metadata, so the names survive any reader that goes through ``datasets``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Features, List, Value

from dataset_builder.schemas import model as schema_model
from dataset_builder.schemas.annotations import annotation_schema
from dataset_builder.schemas.derived import CHOICES_OF, Type, column_types
from dataset_builder.schemas.labels import label_schema
from dataset_builder.taxonomy import Taxonomy

CONFIGS: tuple[str, ...] = ("passages", "annotations", "works", "characters")
DEFAULT_CONFIG = "passages"


def _feature(kind: Type) -> Any:
    """A type of the schemas' type language as a ``datasets`` feature."""
    if isinstance(kind, list):
        return List(_feature(kind[0]))
    if isinstance(kind, dict):
        return {name: _feature(sub) for name, sub in kind.items()}
    return Value(kind)


def _columns(table: str, tax: Taxonomy) -> dict[str, Any]:
    """The released feature of every column of a work-dir table: its model's release type;
    a label field's ids become ``ClassLabel`` names (in taxonomy order)."""
    build = {"annotations": annotation_schema, "labels": label_schema}.get(table)
    model = build(tax) if build else schema_model(table)
    out = {name: _feature(kind) for name, kind in column_types(model, release=True).items()}
    for f in tax.fields:
        if f.id in out and f.kind == "single":
            out[f.id] = ClassLabel(names=list(f.choice_ids))
        elif f.id in out and f.kind == "multi":
            out[f.id] = List(ClassLabel(names=list(f.choice_ids)))
    for name, column in model.to_schema().columns.items():  # e.g. a predicted label
        if CHOICES_OF in (column.metadata or {}):
            out[name] = ClassLabel(names=list(tax.ids(column.metadata[CHOICES_OF])))
    return out


def _pick(columns: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: columns[name] for name in names}


# Columns a release computes (not a column of any work-dir table).
_WITHHELD = {"text_withheld": Value("bool")}


def passages_features(tax: Taxonomy) -> Features:
    """Passages joined with their work and their gold labels (soft labels: single-choice
    fields first, then multi-choice, as published since 1.0.0)."""
    passages, works, labels = (_columns(t, tax) for t in ("passages", "works", "labels"))
    choice_fields = (*tax.field_ids("single"), *tax.field_ids("multi"))
    return Features({
        **_pick(passages, "passage_id", "work_id"),
        "work_title": works["title"],
        **_pick(works, "authors", "year", "licence"),
        **_pick(passages, "char_start", "char_end", "text", "text_sha256"),
        **_WITHHELD,
        **_pick(passages, "n_words", "score", "evidence", "character_ids", "duplicate_of",
                "predicted_ai_role"),
        **_pick(labels, *tax.field_ids(("single", "multi", "rating"))),
        **_pick(labels, *(f"{f}_soft" for f in choice_fields)),
        **_pick(labels, "n_annotators", "agreement", "needs_adjudication"),
        "label_method": labels["method"],
        "taxonomy_version": labels["taxonomy_version"],
    })


def annotations_features(tax: Taxonomy) -> Features:
    """Every annotator's labels with the passage's work; no pull bookkeeping."""
    annotations = _columns("annotations", tax)
    return Features({
        **_pick(annotations, "row_id", "annotation_id", "passage_id"),
        "work_id": _columns("passages", tax)["work_id"],
        **_pick(annotations, "annotator", *tax.field_ids(), "notes", "lead_time",
                "created_at", "updated_at", "adjudication", "taxonomy_version",
                "guideline_version"),
    })


def works_features(tax: Taxonomy) -> Features:
    works = _columns("works", tax)
    return Features({
        **_pick(works, "work_id", "source", "title", "authors", "year", "language", "subjects",
                "source_url", "licence", "released", "metadata_from"),
        **_WITHHELD,
        **_pick(works, "sha256", "n_chars"),
        "split": Value("string"),
    })


def characters_features(tax: Taxonomy) -> Features:
    return Features(_columns("characters", tax))


def features_of(config: str, tax: Taxonomy) -> Features:
    return {
        "passages": lambda: passages_features(tax),
        "annotations": lambda: annotations_features(tax),
        "works": lambda: works_features(tax),
        "characters": lambda: characters_features(tax),
    }[config]()


def _class_codes(series: pd.Series, names: list[str]) -> pa.Array:
    if isinstance(series.dtype, pd.StringDtype):  # Arrow-backed: no Python objects
        return _bare(pc.index_in(_arrow(series, pa.string()),
                                 value_set=pa.array(names, pa.string())).cast(pa.int64()))
    codes = pd.Categorical(series, categories=names).codes.astype("int64")
    return pa.array(codes, mask=codes < 0, type=pa.int64())


def _arrow(series: pd.Series, kind: pa.DataType) -> pa.Array:
    array = pa.array(series, type=kind, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _bare(array: pa.Array) -> pa.Array:
    """Without an all-valid validity bitmap, as pyarrow builds it from Python values: the
    table's nbytes sizes the row groups and is published (num_bytes), so it must not move."""
    buffers = array.buffers()
    if array.null_count or buffers[0] is None or array.type.num_fields:
        return array
    return pa.Array.from_buffers(array.type, len(array), [None, *buffers[1:]],
                                 offset=array.offset)


_INTEGERS = (pa.int8(), pa.int32(), pa.int64())


def _column(series: pd.Series, kind: pa.DataType) -> pa.Array:
    """A scalar column; the common dtypes skip the round trip through Python objects (same
    values, same nulls: NaN/None/NA become null)."""
    if isinstance(series.dtype, pd.StringDtype) and pa.types.is_string(kind):
        return _bare(_arrow(series, kind))
    if kind in _INTEGERS:
        # Through Int64 as before: a float 2.0 is the integer 2, 2.5 is an error; safe casts
        # refuse out-of-range values as the conversion from Python ints did.
        return _bare(_arrow(pd.Series(pd.array(series, dtype="Int64")), pa.int64()).cast(kind))
    if pa.types.is_floating(kind) and series.dtype == "float64":
        return _bare(pa.array(series.to_numpy(), type=kind, from_pandas=True))
    if pa.types.is_boolean(kind) and series.dtype == "bool":
        return _bare(pa.array(series.to_numpy(), type=kind))
    if pa.types.is_timestamp(kind) and isinstance(series.dtype, pd.DatetimeTZDtype):
        return _bare(_arrow(series, kind))
    values = series.to_numpy(dtype=object, na_value=None) if series.dtype != object \
        else series.to_numpy()
    return pa.array(values, type=kind, from_pandas=True)


def _class_lists(series: pd.Series, names: list[str], lists: pa.Array | None = None) -> pa.Array:
    # Map the flattened ids in one vectorised pass; the list offsets are kept as they are.
    if lists is None:
        lists = pa.array(series, type=pa.list_(pa.string()), from_pandas=True)
    codes = pc.index_in(lists.flatten(), value_set=pa.array(names)).cast(pa.int64())
    return pa.ListArray.from_arrays(lists.offsets, codes, mask=lists.is_null())


def _canonical(array: pa.Array) -> pa.Array:
    """The array laid out as pyarrow builds it from Python values: a validity bitmap only where
    there are nulls, at every level (take and cast keep all-valid ones, which count in nbytes)."""
    kind = array.type
    mask = array.is_null() if array.null_count else None
    if pa.types.is_list(kind):
        return pa.ListArray.from_arrays(array.offsets, _canonical(array.values), type=kind,
                                        mask=mask)
    if pa.types.is_struct(kind):
        return pa.StructArray.from_arrays(
            [_canonical(array.field(i)) for i in range(kind.num_fields)], fields=list(kind),
            mask=mask)
    return _bare(array)


_CAST_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def to_arrow(frame: pd.DataFrame, features: Features) -> pa.Table:
    """A frame whose columns hold taxonomy ids / python values -> a table typed by ``features``.

    The table's schema carries the features as ``huggingface`` metadata and nothing else
    (no pandas metadata), so that the bytes depend only on the data. A column that holds
    Arrow data (``pd.ArrowDtype``, as the release reads list columns) is cast as it is; if
    its type does not cast, or it holds Python objects, the cells are converted.
    """
    schema = features.arrow_schema
    arrays: list[pa.Array] = []
    for name, feature in features.items():
        series = frame[name]
        kind = schema.field(name).type
        if isinstance(feature, ClassLabel):
            arrays.append(_class_codes(series, feature.names))
            continue
        classes = isinstance(feature, List) and isinstance(feature.feature, ClassLabel)
        cast = None
        if isinstance(series.dtype, pd.ArrowDtype):
            with contextlib.suppress(*_CAST_ERRORS):
                cast = _arrow(series, series.dtype.pyarrow_dtype).cast(
                    pa.list_(pa.string()) if classes else kind)
        if classes:
            arrays.append(_class_lists(series, feature.feature.names, cast))
        else:
            arrays.append(_canonical(cast) if cast is not None else _column(series, kind))
    return pa.Table.from_arrays(arrays, schema=schema)
