"""The curated catalogue of fictional AI characters (``data/characters.csv``) and its tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.characters.model import (
        load_catalogue,
        names_by_work,
        names_for_work,
        save_catalogue,
        scoped_names,
        validate_catalogue,
    )
    from dataset_builder.characters.name import Name

__all__ = [
    "Name",
    "load_catalogue",
    "names_by_work",
    "names_for_work",
    "save_catalogue",
    "scoped_names",
    "validate_catalogue",
]
__getattr__, __dir__ = exports(__name__, {**dict.fromkeys(__all__, "model"), "Name": "name"})
