"""The Hugging Face features of every released config, declared once from the taxonomy.

Label fields become ``ClassLabel`` (names = taxonomy ids, in taxonomy order) so that a user
gets ``features["persona"].int2str(i)`` for free; the features are written into each parquet
file's schema metadata, so the names survive any reader that goes through ``datasets``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Features, List, Value

from dataset_builder.taxonomy import Taxonomy

CONFIGS: tuple[str, ...] = ("passages", "annotations", "works", "characters")
DEFAULT_CONFIG = "passages"
SINGLE_FIELDS: tuple[str, ...] = ("ai_present", "persona", "stance", "outcome")


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
        "ai_present": labels["ai_present"],
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
        "persona": labels["persona"],
        "traits": labels["traits"],
        "stance": labels["stance"],
        "outcome": labels["outcome"],
        "role_model": Value("int8"),
        "spans": List({"label": Value("string"), "start": Value("int32"),
                       "end": Value("int32"), "text": Value("string")}),
        "notes": Value("string"),
        "lead_time": Value("float32"),
        "created_at": Value("string"),
        "updated_at": Value("string"),
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
    codes = pd.Categorical(series, categories=names).codes.astype("int64")
    return pa.array(codes, mask=codes < 0, type=pa.int64())


def _class_lists(series: pd.Series, names: list[str]) -> pa.Array:
    # Map the flattened ids in one vectorised pass; the list offsets are kept as they are.
    lists = pa.array(series, type=pa.list_(pa.string()), from_pandas=True)
    codes = pc.index_in(lists.flatten(), value_set=pa.array(names)).cast(pa.int64())
    return pa.ListArray.from_arrays(lists.offsets, codes, mask=lists.is_null())


def to_arrow(frame: pd.DataFrame, features: Features) -> pa.Table:
    """A frame whose columns hold taxonomy ids / python values -> a table typed by ``features``.

    The table's schema carries the features as ``huggingface`` metadata and nothing else
    (no pandas metadata), so that the bytes depend only on the data.
    """
    schema = features.arrow_schema
    arrays: list[pa.Array] = []
    for name, feature in features.items():
        series = frame[name]
        if isinstance(feature, ClassLabel):
            arrays.append(_class_codes(series, feature.names))
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            arrays.append(_class_lists(series, feature.feature.names))
        else:
            values = series.to_numpy(dtype=object, na_value=None) if series.dtype != object \
                else series.to_numpy()
            if schema.field(name).type in (pa.int8(), pa.int32(), pa.int64()):
                values = pd.array(series, dtype="Int64").to_numpy(dtype=object, na_value=None)
            arrays.append(pa.array(values, type=schema.field(name).type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)
