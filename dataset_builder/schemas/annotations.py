"""The ``annotations`` table: every annotator's raw labels, one row per annotation version.

Rows are append-only: an edit becomes a new row whose ``supersedes`` names the old row, a
deletion becomes a ``tombstone`` row. Annotators appear only as keyed-hash pseudonyms.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import DataFrame, Series

from dataset_builder import taxonomy
from dataset_builder.schemas._common import (
    ANNOTATOR_ID,
    ISO_TIME,
    PASSAGE_ID,
    ROW_ID,
    SEMVER,
    ListCells,
    OffsetFields,
    list_items_in,
    offsets_ok,
)

_TAX = taxonomy.load()


# A span: its label and its offsets in the passage text (and the text it quotes).
SPAN_FIELDS: OffsetFields = {"label": _TAX.ids("spans")}


class AnnotationSchema(pa.DataFrameModel):
    row_id: Series[str] = pa.Field(unique=True, str_matches=ROW_ID)
    annotation_id: Series[str] = pa.Field(str_length={"min_value": 1})
    passage_id: Series[str] = pa.Field(str_matches=PASSAGE_ID)
    annotator: Series[str] = pa.Field(str_matches=ANNOTATOR_ID)
    ai_present: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("ai_present"))
    ai_role: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("ai_role"))
    persona: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("persona"))
    traits: Series[ListCells]
    stance: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("stance"))
    outcome: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("outcome"))
    role_model: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=_TAX.field("role_model").min, le=_TAX.field("role_model").max
    )
    # list of {label, start, end, text}; offsets relative to the passage text.
    spans: Series[ListCells]
    notes: Series[str] = pa.Field(nullable=True)
    lead_time: Series[float] = pa.Field(nullable=True, ge=0.0)
    created_at: Series[str] = pa.Field(str_matches=ISO_TIME)
    updated_at: Series[str] = pa.Field(str_matches=ISO_TIME)
    taxonomy_version: Series[str] = pa.Field(str_matches=SEMVER)
    guideline_version: Series[str] = pa.Field(str_matches=SEMVER)
    project: Series[str]
    task_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    supersedes: Series[str] = pa.Field(nullable=True, str_matches=ROW_ID)
    tombstone: Series[bool]
    adjudication: Series[bool]
    pull_id: Series[str]

    @pa.check("traits", name="traits are taxonomy ids")
    def _traits(cls, series: Series[ListCells]) -> Series[bool]:
        return list_items_in(series, _TAX.ids("traits"))

    @pa.check("spans", name="span labels are taxonomy ids and 0 <= start < end")
    def _spans(cls, series: Series[ListCells]) -> Series[bool]:
        return offsets_ok(series, SPAN_FIELDS)

    @pa.dataframe_check(name="a live annotation answers the ai_present gate")
    def _gate(cls, df: DataFrame) -> Series[bool]:
        return df["tombstone"] | df["ai_present"].notna()

    class Config:
        name = "annotations"
        strict = True
        coerce = True
