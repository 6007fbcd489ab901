"""Pandera schemas of every table the package writes, and where each table lives."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.pandas as pa

# Table name -> (file or folder in a work directory, "module:Schema"). The annotations table
# is a folder of append-only pull files (see dataset_builder.tables.read_annotations).
TABLES: dict[str, tuple[str, str]] = {
    "works": ("works.parquet", "dataset_builder.schemas.works:WorkSchema"),
    "passages": ("passages.parquet", "dataset_builder.schemas.passages:PassageSchema"),
    "annotations": ("annotations", "dataset_builder.schemas.annotations:AnnotationSchema"),
    "labels": ("labels.parquet", "dataset_builder.schemas.labels:LabelSchema"),
    "characters": ("characters.parquet", "dataset_builder.schemas.characters:CharacterSchema"),
}


def model(table: str) -> type[pa.DataFrameModel]:
    """The DataFrameModel class of a table, imported on demand."""
    import importlib

    module_name, attr = TABLES[table][1].split(":")
    cls: type[pa.DataFrameModel] = getattr(importlib.import_module(module_name), attr)
    return cls
