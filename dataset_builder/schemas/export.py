"""Export the pandera table schemas to ``schema/<table>.yaml`` (kept in sync by a test)."""

from __future__ import annotations

import warnings
from pathlib import Path

import yaml

from dataset_builder.io import atomic_write_text
from dataset_builder.project import Project
from dataset_builder.schemas import TABLES, model

_BUILTIN_CHECKS = ("str_matches", "isin", "greater_than", "less_than", "str_length", "in_range")


def schema_yaml(table: str) -> str:
    """pandera's own YAML of the table, plus the names of the custom checks it cannot serialise."""
    schema = model(table).to_schema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandera warns for every custom (unregistered) check
        doc = yaml.safe_load(schema.to_yaml())
    custom: dict[str, list[str]] = {}
    for name, column in schema.columns.items():
        names = [c.name for c in column.checks if not c.name.startswith(_BUILTIN_CHECKS)]
        if names:
            custom[name] = names
    frame_checks = [c.name for c in schema.checks]
    if frame_checks:
        custom["(table)"] = frame_checks
    doc["custom_checks"] = custom
    header = (
        f"# Schema of the '{table}' table, exported from dataset_builder.schemas by\n"
        "# `faip schema export`. Do not edit by hand: change the model and re-export.\n"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def export_schemas(out_dir: str | Path | None = None) -> list[Path]:
    """Write ``<table>.yaml`` for every table into ``out_dir`` (default: the project's
    ``schema/``); return the files written."""
    out = Path(out_dir) if out_dir is not None else Project.find().schema_dir
    written = []
    for table in TABLES:
        path = out / f"{table}.yaml"
        atomic_write_text(path, schema_yaml(table))
        written.append(path)
    return written
