"""The ``annotations`` table: every annotator's raw labels, one row per annotation version.

Rows are append-only: an edit becomes a new row whose ``supersedes`` names the old row, a
deletion becomes a ``tombstone`` row. Annotators appear only as keyed-hash pseudonyms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera.typing.pandas import DataFrame, Series

from dataset_builder import taxonomy
from dataset_builder.schemas._common import (
    ANNOTATOR_ID,
    ISO_TIME,
    PASSAGE_ID,
    ROW_ID,
    SEMVER,
    ListCells,
    arrow_cells,
    list_items_in,
    rows_without,
)

_TAX = taxonomy.load()


def span_cell_ok(cell: object) -> bool:
    """The rule for one ``spans`` cell: None, or spans with a span label and 0 <= start < end."""
    if cell is None:
        return True
    labels = _TAX.ids("spans")
    try:
        return all(
            s["label"] in labels and 0 <= int(s["start"]) < int(s["end"])
            for s in cell  # type: ignore[attr-defined]
        )
    except (TypeError, KeyError, ValueError):
        return False


def spans_ok_vectorised(series: pd.Series) -> pd.Series | None:
    """``series.map(span_cell_ok)`` in Arrow, or None when the cells are not all None or lists
    of None/dicts with a str ``label`` and integer ``start``/``end`` (the caller then applies
    the rule cell by cell)."""
    cells = arrow_cells(series)
    if not isinstance(cells, pyarrow.ListArray):
        return None
    kind = cells.type.value_type
    items = pc.list_flatten(cells)
    if pyarrow.types.is_null(kind):  # every item is None: not a span
        bad = pyarrow.array(np.ones(len(items), dtype=bool))
    elif (pyarrow.types.is_struct(kind)
          and {"label", "start", "end"} <= {kind.field(i).name for i in range(kind.num_fields)}
          and pyarrow.types.is_string(kind.field("label").type)
          and pyarrow.types.is_integer(kind.field("start").type)
          and pyarrow.types.is_integer(kind.field("end").type)):
        label, start, end = (pc.struct_field(items, f) for f in ("label", "start", "end"))
        good = pc.and_kleene(
            pc.and_kleene(pc.is_in(label, pyarrow.array(_TAX.ids("spans"), pyarrow.string())),
                          pc.greater_equal(start, 0)),
            pc.less(start, end))
        # A None item, or a missing label/start/end (null field), fails as in the rule.
        bad = pc.invert(pc.and_(items.is_valid(), good.fill_null(False)))
    else:
        return None
    return pd.Series(rows_without(cells, bad), index=series.index)


class AnnotationSchema(pa.DataFrameModel):
    row_id: Series[str] = pa.Field(unique=True, str_matches=ROW_ID)
    annotation_id: Series[str] = pa.Field(str_length={"min_value": 1})
    passage_id: Series[str] = pa.Field(str_matches=PASSAGE_ID)
    annotator: Series[str] = pa.Field(str_matches=ANNOTATOR_ID)
    ai_present: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("ai_present"))
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
        fast = spans_ok_vectorised(series)
        return fast if fast is not None else series.map(span_cell_ok).astype(bool)

    @pa.dataframe_check(name="a live annotation answers the ai_present gate")
    def _gate(cls, df: DataFrame) -> Series[bool]:
        return df["tombstone"] | df["ai_present"].notna()

    class Config:
        name = "annotations"
        strict = True
        coerce = True
