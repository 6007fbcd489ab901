"""`faip validate`: every table of a work dir against its schema, all failures in one report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import ANNOTATIONS_DIR, CATALOGUE, WORKDIR


@click.command()
@WORKDIR
@ANNOTATIONS_DIR
@CATALOGUE
@click.option("--no-catalogue", is_flag=True,
              help="Do not check the catalogue and the passages' links to it.")
@click.option("--max-rows", default=200, show_default=True,
              help="Print at most this many failures (the count is always complete).")
def validate(workdir: Path, annotations_dir: Path | None, catalogue: Path | None,
             no_catalogue: bool, max_rows: int) -> None:
    """Validate every table present in WORKDIR, lazily, and print ALL failures.

    Each failure names the table, the row id, the column, the check, the bad value and a hint.
    Exit status 1 when anything fails, 0 when every table passes.
    """
    from rich.table import Table

    from dataset_builder import api
    from dataset_builder.console import console

    report = api.validate(workdir, annotations_dir=annotations_dir, catalogue=catalogue,
                          with_catalogue=not no_catalogue).result
    counts = ", ".join(f"{name} {n:,}" for name, n in report.rows.items())
    if report.ok:
        console.print(f"[green]valid[/green]: {counts}")
        return
    table = Table(title=f"{len(report.failures):,} validation failure(s)", show_lines=False)
    for col in ("table", "row", "column", "check", "value", "hint"):
        table.add_column(col, overflow="fold")
    for f in report.failures[:max_rows]:
        table.add_row(f.table, f.row, f.column, f.check, f.value, f.hint)
    console.print(table)
    if len(report.failures) > max_rows:
        console.print(f"… and {len(report.failures) - max_rows:,} more (raise --max-rows).")
    console.print(f"[red]invalid[/red]: {counts}")
    sys.exit(1)
