"""The ``annotations`` table: every annotator's raw labels, one row per annotation version.

Rows are append-only: an edit becomes a new row whose ``supersedes`` names the old row, a
deletion becomes a ``tombstone`` row. Annotators appear only as keyed-hash pseudonyms.
The label columns are the taxonomy's fields: :func:`annotation_schema` builds the model for
any taxonomy; ``AnnotationSchema`` is the one of the project's taxonomy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import DataFrame, Series

from dataset_builder.schemas._common import (
    ANNOTATOR_ID,
    ISO_TIME,
    PASSAGE_ID,
    ROW_ID,
    SEMVER,
    OffsetFields,
)
from dataset_builder.schemas._taxonomy import (
    Columns,
    build_model,
    label_columns,
    project_defaults,
)
from dataset_builder.schemas.derived import RELEASE
from dataset_builder.taxonomy import Taxonomy


def span_fields(tax: Taxonomy) -> OffsetFields:
    """A span: its label and its offsets in the passage text (and the text it quotes)."""
    return {"label": tax.ids("spans")}


@lru_cache(maxsize=8)
def annotation_schema(tax: Taxonomy) -> type[pa.DataFrameModel]:
    """The annotations table's model for ``tax``."""
    labels, checks = label_columns(tax, pd.Int64Dtype, "int8", spans=True)
    columns: Columns = {
        "row_id": (Series[str], pa.Field(unique=True, str_matches=ROW_ID)),
        "annotation_id": (Series[str], pa.Field(str_length={"min_value": 1})),
        "passage_id": (Series[str], pa.Field(str_matches=PASSAGE_ID)),
        "annotator": (Series[str], pa.Field(str_matches=ANNOTATOR_ID)),
        # spans: list of {label, start, end, text}; offsets relative to the passage text.
        **labels,
        "notes": (Series[str], pa.Field(nullable=True)),
        "lead_time": (Series[float], pa.Field(nullable=True, ge=0.0,
                                              metadata={RELEASE: "float32"})),
        # Stored as ISO text; released as UTC timestamps.
        "created_at": (Series[str], pa.Field(str_matches=ISO_TIME,
                                             metadata={RELEASE: "timestamp[us, tz=UTC]"})),
        "updated_at": (Series[str], pa.Field(str_matches=ISO_TIME,
                                             metadata={RELEASE: "timestamp[us, tz=UTC]"})),
        "taxonomy_version": (Series[str], pa.Field(str_matches=SEMVER)),
        "guideline_version": (Series[str], pa.Field(str_matches=SEMVER)),
        "project": (Series[str], None),
        "task_id": (Series[pd.Int64Dtype], pa.Field(nullable=True)),
        "supersedes": (Series[str], pa.Field(nullable=True, str_matches=ROW_ID)),
        "tombstone": (Series[bool], None),
        "adjudication": (Series[bool], None),
        "pull_id": (Series[str], None),
    }
    checks["_gate"] = pa.dataframe_check(name="a live annotation answers the ai_present gate")(
        _gate)
    return build_model("AnnotationSchema", "annotations", columns, checks)


def _gate(cls: Any, df: DataFrame) -> Series[bool]:
    return df["tombstone"] | df["ai_present"].notna()


# AnnotationSchema and SPAN_FIELDS: the project taxonomy's.
__getattr__ = project_defaults(__name__, {"AnnotationSchema": annotation_schema,
                                          "SPAN_FIELDS": span_fields})
