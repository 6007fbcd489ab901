"""The ``passages`` table: paragraph-aligned windows of a work where an artificial mind appears.

One column takes its ids from the taxonomy (``predicted_ai_role``): :func:`passage_schema`
builds the model for any taxonomy; ``PassageSchema`` is the one of the project's taxonomy,
built on first use, not at import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import DataFrame, Series

from dataset_builder.schemas._common import (
    PASSAGE_ID,
    SHA256,
    WORK_ID,
    ListCells,
    OffsetFields,
    is_list_of_str,
    offsets_ok,
)
from dataset_builder.schemas._taxonomy import project_defaults
from dataset_builder.schemas.derived import CHOICES_OF, ITEMS, RELEASE
from dataset_builder.taxonomy import Taxonomy

# A detection: the matched term, what matched it, and its offsets in the passage text.
EVIDENCE_FIELDS: OffsetFields = {"term": None, "kind": None}


@lru_cache(maxsize=8)
def passage_schema(tax: Taxonomy) -> type[pa.DataFrameModel]:
    """The passages table's model for ``tax``."""

    class PassageSchema(pa.DataFrameModel):
        passage_id: Series[str] = pa.Field(unique=True, str_matches=PASSAGE_ID)
        work_id: Series[str] = pa.Field(str_matches=WORK_ID)
        char_start: Series[int] = pa.Field(ge=0)
        char_end: Series[int] = pa.Field(gt=0)
        # Null when the work's licence does not allow the text to be published (see text_sha256).
        text: Series[str] = pa.Field(nullable=True)
        text_sha256: Series[str] = pa.Field(str_matches=SHA256)
        n_words: Series[int] = pa.Field(ge=0, metadata={RELEASE: "int32"})
        score: Series[float] = pa.Field(ge=0.0, le=1.0, metadata={RELEASE: "float32"})
        evidence: Series[ListCells] = pa.Field(metadata={
            ITEMS: {"term": "string", "kind": "string", "start": "int64", "end": "int64"},
            RELEASE: [{"term": "string", "kind": "string", "start": "int32", "end": "int32"}]})
        character_ids: Series[ListCells] = pa.Field(metadata={ITEMS: "string"})
        duplicate_of: Series[str] = pa.Field(nullable=True, str_matches=PASSAGE_ID)
        # The extractor's guess of the AI's role, a machine suggestion like score and evidence
        # (annotators see it pre-filled; their label is ``ai_role``). Absent from tables written
        # before taxonomy 1.1.0.
        predicted_ai_role: Optional[Series[str]] = pa.Field(  # noqa: UP045 (pandera needs it)
            nullable=True, isin=tax.ids("ai_role"), metadata={CHOICES_OF: "ai_role"})

        @pa.dataframe_check(name="char_start < char_end")
        def _ordered(cls, df: DataFrame) -> Series[bool]:
            return df["char_start"] < df["char_end"]

        @pa.dataframe_check(name="len(text) == char_end - char_start")
        def _length(cls, df: DataFrame) -> Series[bool]:
            present = df["text"].notna()
            lengths = df["text"].str.len()
            return ~present | (lengths == (df["char_end"] - df["char_start"]))

        @pa.check("evidence", name="evidence has a term and a kind, and 0 <= start < end")
        def _evidence(cls, series: Series[ListCells]) -> Series[bool]:
            return offsets_ok(series, EVIDENCE_FIELDS)

        @pa.check("character_ids", name="list_of_strings")
        def _character_ids(cls, series: Series[ListCells]) -> Series[bool]:
            return is_list_of_str(series)

        class Config:
            name = "passages"
            strict = True
            coerce = True

    return PassageSchema


def empty_passages() -> pd.DataFrame:
    """A zero-row frame with the passage columns (for works that yield no passage)."""
    from dataset_builder import taxonomy

    columns = passage_schema(taxonomy.load()).to_schema().columns
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


# PassageSchema: the project taxonomy's.
__getattr__ = project_defaults(__name__, {"PassageSchema": passage_schema})
