"""The ``labels`` table: one aggregated (gold) row per annotated passage.

Soft labels are vote shares in taxonomy order, so ``persona_soft[i]`` belongs to the i-th
persona id; ``traits_soft[i]`` is the share of annotators who chose the i-th trait.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from dataset_builder import taxonomy
from dataset_builder.schemas._common import (
    PASSAGE_ID,
    ListCells,
    list_items_in,
    shares_ok,
)

_TAX = taxonomy.load()
METHODS = ("majority", "dawid_skene", "adjudicated")
SOFT_FIELDS = ("ai_present", "ai_role", "persona", "traits", "stance", "outcome")


class LabelSchema(pa.DataFrameModel):
    passage_id: Series[str] = pa.Field(unique=True, str_matches=PASSAGE_ID)
    ai_present: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("ai_present"))
    ai_role: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("ai_role"))
    persona: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("persona"))
    traits: Series[ListCells]
    stance: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("stance"))
    outcome: Series[str] = pa.Field(nullable=True, isin=_TAX.ids("outcome"))
    role_model: Series[float] = pa.Field(
        nullable=True, ge=_TAX.field("role_model").min, le=_TAX.field("role_model").max
    )
    ai_present_soft: Series[ListCells]
    ai_role_soft: Series[ListCells]
    persona_soft: Series[ListCells]
    traits_soft: Series[ListCells]
    stance_soft: Series[ListCells]
    outcome_soft: Series[ListCells]
    n_annotators: Series[int] = pa.Field(ge=0)
    agreement: Series[float] = pa.Field(nullable=True, ge=0.0, le=1.0)
    needs_adjudication: Series[bool]
    method: Series[str] = pa.Field(isin=METHODS)
    taxonomy_version: Series[str]

    @pa.check("traits", name="traits are taxonomy ids")
    def _traits(cls, series: Series[ListCells]) -> Series[bool]:
        return list_items_in(series, _TAX.ids("traits"))

    @pa.check(*(f"{f}_soft" for f in SOFT_FIELDS),
              name="soft labels are one share in [0, 1] per taxonomy choice")
    def _soft(cls, series: Series[ListCells]) -> Series[bool]:
        return shares_ok(series, len(_TAX.ids(str(series.name).removesuffix("_soft"))))

    class Config:
        name = "labels"
        strict = True
        coerce = True


__all__ = ["LabelSchema", "METHODS", "pd"]
