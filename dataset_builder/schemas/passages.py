"""The ``passages`` table: paragraph-aligned windows of a work where an artificial mind appears."""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import DataFrame, Series

from dataset_builder import taxonomy
from dataset_builder.schemas._common import (
    PASSAGE_ID,
    SHA256,
    WORK_ID,
    ListCells,
    OffsetFields,
    is_list_of_str,
    offsets_ok,
)
from dataset_builder.schemas.derived import CHOICES_OF, ITEMS, RELEASE

_TAX = taxonomy.load()

# A detection: the matched term, what matched it, and its offsets in the passage text.
EVIDENCE_FIELDS: OffsetFields = {"term": None, "kind": None}


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
        nullable=True, isin=_TAX.ids("ai_role"), metadata={CHOICES_OF: "ai_role"})

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


def empty_passages() -> pd.DataFrame:
    """A zero-row frame with the passage columns (for works that yield no passage)."""
    return pd.DataFrame(
        {name: pd.Series(dtype="object") for name in PassageSchema.to_schema().columns}
    )
