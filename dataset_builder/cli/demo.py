"""`faip demo`: the whole chain on the embedded sample corpus."""

from __future__ import annotations

from pathlib import Path

import click

from dataset_builder.cli.options import workdir


@click.command()
@workdir(default=Path("work/demo"))
@click.option("--date", default=None, help="Release date (YYYY-MM-DD; default: today).")
def demo(workdir: Path, date: str | None) -> None:
    """Collect, extract, import the sample annotations, measure agreement, aggregate,
    validate, split, release v1.0.0 and load every config back with `load_dataset`.
    The demo owns WORKDIR: it is replaced on every run (a folder it did not make is refused)."""
    from rich.console import Console
    from rich.table import Table

    from dataset_builder.cli.agreement import print_alpha_table
    from dataset_builder.demo import run_demo

    s = run_demo(workdir, date)
    print_alpha_table(s.agreement)
    out = Console()
    table = Table(title=f"Release {s.release} — loaded with datasets.load_dataset")
    for col in ("config", "split", "rows"):
        table.add_column(col)
    for config, splits in s.loaded.items():
        for split, rows in splits.items():
            table.add_row(config, split, f"{rows:,}")
    out.print(table)
    out.print(
        f"works {s.works}, passages {s.passages}, annotation rows {s.annotation_rows}, "
        f"gold labels {s.labelled} ({s.needs_adjudication} need adjudication)\n"
        f"agreement report: {s.workdir / 'agreement' / 'report.md'}\n"
        f"dataset card:     {s.release / 'README.md' if s.release else '-'}"
    )
