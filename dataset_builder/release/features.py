"""The Hugging Face features of every released config, declared once from the taxonomy.

Label fields become ``ClassLabel`` (names = taxonomy ids, in taxonomy order) so that a user
gets ``features["persona"].int2str(i)`` for free; the features are written into each parquet
file's schema metadata, so the names survive any reader that goes through ``datasets``.
"""

from __future__ import annotations

import contextlib

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Features, List, Value

from dataset_builder.taxonomy import Taxonomy

CONFIGS: tuple[str, ...] = ("passages", "annotations", "works", "characters")
DEFAULT_CONFIG = "passages"
SINGLE_FIELDS: tuple[str, ...] = ("ai_present", "ai_role", "persona", "stance", "outcome")


def _labels(tax: Taxonomy) -> dict[str, object]:
    out: dict[str, object] = {f: ClassLabel(names=list(tax.ids(f))) for f in SINGLE_FIELDS}
    out["traits"] = List(ClassLabel(names=list(tax.ids("traits"))))
    return out


def passages_features(tax: Taxonomy) -> Features:
    labels = _labels(tax)
    return Features({
        "passage_id": Value("string"),
        "work_id": Value("string"),
        "work_title": Value("string"),
        "authors": List(Value("string")),
        "year": Value("int32"),
        "licence": Value("string"),
        "char_start": Value("int64"),
        "char_end": Value("int64"),
        "text": Value("string"),
        "text_sha256": Value("string"),
        "text_withheld": Value("bool"),
        "n_words": Value("int32"),
        "score": Value("float32"),
        "evidence": List({"term": Value("string"), "kind": Value("string"),
                          "start": Value("int32"), "end": Value("int32")}),
        "character_ids": List(Value("string")),
        "duplicate_of": Value("string"),
        # The extractor's guess, a machine suggestion like score and evidence (not a label).
        "predicted_ai_role": labels["ai_role"],
        "ai_present": labels["ai_present"],
        "ai_role": labels["ai_role"],
        "persona": labels["persona"],
        "traits": labels["traits"],
        "stance": labels["stance"],
        "outcome": labels["outcome"],
        "role_model": Value("float32"),
        **{f"{f}_soft": List(Value("float32")) for f in (*SINGLE_FIELDS, "traits")},
        "n_annotators": Value("int32"),
        "agreement": Value("float32"),
        "needs_adjudication": Value("bool"),
        "label_method": Value("string"),
        "taxonomy_version": Value("string"),
    })


def annotations_features(tax: Taxonomy) -> Features:
    labels = _labels(tax)
    return Features({
        "row_id": Value("string"),
        "annotation_id": Value("string"),
        "passage_id": Value("string"),
        "work_id": Value("string"),
        "annotator": Value("string"),
        "ai_present": labels["ai_present"],
        "ai_role": labels["ai_role"],
        "persona": labels["persona"],
        "traits": labels["traits"],
        "stance": labels["stance"],
        "outcome": labels["outcome"],
        "role_model": Value("int8"),
        "spans": List({"label": Value("string"), "start": Value("int32"),
                       "end": Value("int32"), "text": Value("string")}),
        "notes": Value("string"),
        "lead_time": Value("float32"),
        "created_at": Value("timestamp[us, tz=UTC]"),
        "updated_at": Value("timestamp[us, tz=UTC]"),
        "adjudication": Value("bool"),
        "taxonomy_version": Value("string"),
        "guideline_version": Value("string"),
    })


def works_features() -> Features:
    return Features({
        "work_id": Value("string"),
        "source": Value("string"),
        "title": Value("string"),
        "authors": List(Value("string")),
        "year": Value("int32"),
        "language": Value("string"),
        "subjects": List(Value("string")),
        "source_url": Value("string"),
        "licence": Value("string"),
        "released": Value("string"),
        "metadata_from": List(Value("string")),
        "text_withheld": Value("bool"),
        "sha256": Value("string"),
        "n_chars": Value("int64"),
        "split": Value("string"),
    })


def characters_features() -> Features:
    return Features({
        "character_id": Value("string"),
        "name": Value("string"),
        "aliases": List(Value("string")),
        "work_title": Value("string"),
        "work_id": Value("string"),
        "year": Value("int32"),
        "medium": Value("string"),
        "creator": Value("string"),
        "embodiment": Value("string"),
        "wikidata_qid": Value("string"),
        "source_note": Value("string"),
    })


def features_of(config: str, tax: Taxonomy) -> Features:
    return {
        "passages": lambda: passages_features(tax),
        "annotations": lambda: annotations_features(tax),
        "works": works_features,
        "characters": characters_features,
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
