"""`faip validate`: every table of a work dir against its schema, all failures in one report."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option("--workdir", "-w", type=click.Path(path_type=Path), required=True,
              help="Work directory holding works.parquet, passages.parquet, ...")
@click.option("--annotations-dir", type=click.Path(path_type=Path), default=None,
              help="Folder of annotation pull files (default: WORKDIR/annotations).")
@click.option("--catalogue/--no-catalogue", default=True, show_default=True,
              help="Also check the AI-character catalogue and the passages' links to it.")
@click.option("--max-rows", default=200, show_default=True,
              help="Print at most this many failures (the count is always complete).")
def validate(workdir: Path, annotations_dir: Path | None, catalogue: bool, max_rows: int) -> None:
    """Validate every table present in WORKDIR, lazily, and print ALL failures.

    Each failure names the table, the row id, the column, the check, the bad value and a hint.
    Exit status 1 when anything fails, 0 when every table passes.
    """
    from rich.table import Table

    from dataset_builder.console import console
    from dataset_builder.validate import validate_workdir

    characters = None
    if catalogue:
        from dataset_builder.catalog.model import load_catalogue

        characters = load_catalogue()
    report = validate_workdir(workdir, annotations_dir, characters)
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
