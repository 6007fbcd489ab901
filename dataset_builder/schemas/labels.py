"""The ``labels`` table: one aggregated (gold) row per annotated passage.

Soft labels are vote shares in taxonomy order, so ``persona_soft[i]`` belongs to the i-th
persona id; ``traits_soft[i]`` is the share of annotators who chose the i-th trait.
The label columns are the taxonomy's fields: :func:`label_schema` builds the model for any
taxonomy; ``LabelSchema`` is the one of the project's taxonomy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from dataset_builder.schemas._common import PASSAGE_ID, ListCells, shares_ok
from dataset_builder.schemas._taxonomy import (
    Columns,
    build_model,
    label_columns,
    project_defaults,
)
from dataset_builder.schemas.derived import ITEMS, RELEASE
from dataset_builder.taxonomy import Taxonomy

METHODS = ("majority", "dawid_skene", "adjudicated")


def soft_fields(tax: Taxonomy) -> tuple[str, ...]:
    """The fields that get a ``<field>_soft`` column of vote shares: the choice fields."""
    return tax.field_ids(("single", "multi"))


@lru_cache(maxsize=8)
def label_schema(tax: Taxonomy) -> type[pa.DataFrameModel]:
    """The labels table's model for ``tax``."""
    labels, checks = label_columns(tax, float, "float32", spans=False)
    soft = soft_fields(tax)
    columns: Columns = {
        "passage_id": (Series[str], pa.Field(unique=True, str_matches=PASSAGE_ID)),
        **labels,
        **{f"{f}_soft": (Series[ListCells],
                         pa.Field(metadata={ITEMS: "float64", RELEASE: ["float32"]}))
           for f in soft},
        "n_annotators": (Series[int], pa.Field(ge=0, metadata={RELEASE: "int32"})),
        "agreement": (Series[float], pa.Field(nullable=True, ge=0.0, le=1.0,
                                              metadata={RELEASE: "float32"})),
        "needs_adjudication": (Series[bool], None),
        "method": (Series[str], pa.Field(isin=METHODS)),
        "taxonomy_version": (Series[str], None),
    }
    sizes = {f"{f}_soft": len(tax.ids(f)) for f in soft}

    def shares(cls: Any, series: pd.Series) -> pd.Series:
        return shares_ok(series, sizes[str(series.name)])

    checks["_soft"] = pa.check(
        *sizes, name="soft labels are one share in [0, 1] per taxonomy choice")(shares)
    return build_model("LabelSchema", "labels", columns, checks)


# LabelSchema and SOFT_FIELDS: the project taxonomy's.
__getattr__ = project_defaults(__name__, {"LabelSchema": label_schema,
                                          "SOFT_FIELDS": soft_fields})


__all__ = ["METHODS", "label_schema", "soft_fields"]
