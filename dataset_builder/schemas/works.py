"""The ``works`` table: one row per collected narrative (a book, a story, a document)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from dataset_builder.constants import LICENCES
from dataset_builder.schemas._common import (
    SHA256,
    SOURCES,
    WORK_ID,
    ListCells,
    is_list_of_str,
)
from dataset_builder.schemas.derived import ITEMS, RELEASE


class WorkSchema(pa.DataFrameModel):
    work_id: Series[str] = pa.Field(unique=True, str_matches=WORK_ID)
    source: Series[str] = pa.Field(isin=SOURCES)
    title: Series[str] = pa.Field(str_length={"min_value": 1})
    authors: Series[ListCells] = pa.Field(metadata={ITEMS: "string"})
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1000, le=2100,
                                           metadata={RELEASE: "int32"})
    language: Series[str] = pa.Field(str_matches=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
    subjects: Series[ListCells] = pa.Field(metadata={ITEMS: "string"})
    source_url: Series[str]
    licence: Series[str] = pa.Field(isin=LICENCES)
    # When the source released the text (Gutenberg's release date), YYYY-MM-DD or YYYY-MM.
    released: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}(-\d{2})?$")
    # Where each metadata field came from, as "field:source" (catalogue, rdf, header, ...).
    metadata_from: Series[ListCells] = pa.Field(metadata={ITEMS: "string"})
    sha256: Series[str] = pa.Field(str_matches=SHA256)
    n_chars: Series[int] = pa.Field(ge=0)
    text_path: Series[str]

    @pa.check("authors", "subjects", "metadata_from", name="list_of_strings")
    def _lists(cls, series: Series[ListCells]) -> Series[bool]:
        return is_list_of_str(series)

    class Config:
        name = "works"
        strict = True
        coerce = True
