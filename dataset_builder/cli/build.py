"""`faip build`: the committed corpus definition + a Gutenberg mirror -> a verified release."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import workdir
from dataset_builder.constants import DEFAULT_DELAY


@click.command()
@click.option("--mirror", required=True, metavar="DIR_OR_URL",
              help="A Gutenberg mirror: a folder (e.g. rsynced) or an http(s):// URL.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The new release folder (must not exist, or be empty).")
@click.option("--date", default=None, help="Release date YYYY-MM-DD (default: today); the "
              "same mirror, committed files and date give byte-identical files.")
@workdir(default=Path("work/corpus"))
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes that clean books (local mirror) and extract passages.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Where extraction runs (ray: RAY_ADDRESS or local Ray).")
@click.option("--delay", type=click.FloatRange(min=0), default=DEFAULT_DELAY, show_default=True,
              help="Seconds between requests to an HTTP mirror.")
@click.option("--definition", type=click.Path(path_type=Path), default=None,
              help="The corpus definition [default: data/selection.yaml].")
@click.option("--splits", "splits_path", type=click.Path(path_type=Path), default=None,
              help="The committed splits file [default: splits/splits.csv].")
@click.option("--works-csv", type=click.Path(path_type=Path), default=None,
              help="Where the list of works considered goes [default: data/works.csv].")
@click.option("--annotations-dir", type=click.Path(path_type=Path), default=None,
              help="Annotation pull files to aggregate [default: data/annotations/].")
def build(mirror: str, out: Path, date: str | None, workdir: Path, workers: int,
          executor: str, delay: float, definition: Path | None, splits_path: Path | None,
          works_csv: Path | None, annotations_dir: Path | None) -> None:
    """Build the corpus: select the books of data/selection.yaml from the mirror's catalogue,
    collect, extract, aggregate data/annotations/, validate, split (splits/splits.csv),
    release into --out and verify. Writes data/works.csv (every book considered and its
    outcome). Exits 1 if any book failed; nothing is released then. WORKDIR keeps every
    stage's output; a rerun resumes from it."""
    from rich.console import Console
    from rich.table import Table

    from dataset_builder import api

    s = api.build(workdir, mirror=mirror, out=out, date=date, workers=workers,
                  executor=executor, delay=delay, definition=definition,
                  splits_path=splits_path, works_csv=works_csv,
                  annotations_dir=annotations_dir).result
    table = Table(title=f"Corpus {s.version}" + (f" — {s.release}" if s.release else
                                                 " — not released"), show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    for name, value in s.rows():
        table.add_row(name, value)
    Console(stderr=True).print(table)
    if s.loaded:
        click.echo("loaded with datasets.load_dataset: " + "; ".join(
            f"{c} " + ", ".join(f"{k} {n:,}" for k, n in v.items()) for c, v in s.loaded.items()))
    if not s.ok:
        sys.exit(1)
