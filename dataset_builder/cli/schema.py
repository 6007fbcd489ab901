"""`faip schema export`: write the table schemas to schema/*.yaml."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def schema() -> None:
    """The pandera schemas of every table the package writes."""


@schema.command("export")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder to write into (default: the project's schema/).")
def export(out: Path | None) -> None:
    """Write one YAML file per table (works, passages, annotations, labels, characters)."""
    from dataset_builder.console import info
    from dataset_builder.schemas.export import export_schemas

    for path in export_schemas(out):
        info(f"wrote {path}")
