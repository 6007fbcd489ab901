"""`faip collect`: gather narratives into a work directory (works.parquet + texts/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dataset_builder.cli.options import WORKDIR
from dataset_builder.constants import DEFAULT_DELAY, DEFAULT_MIRROR, LICENCES
from dataset_builder.errors import UserError

if TYPE_CHECKING:
    from dataset_builder.collect.works import CollectReport



def _finish(report: CollectReport) -> None:
    """Exit non-zero if any work failed; the messages above already say which and why."""
    if report.failed:
        raise UserError(
            f"{len(report.failed)} work(s) failed ({report.summary()}); fix them and rerun — "
            "works already collected are kept and not fetched again."
        )


def _ids(value: str | None) -> list[int]:
    if not value:
        return []
    try:
        return [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected numbers separated by commas") from None


@click.group()
def collect() -> None:
    """Collect narratives into a work directory: works.parquet + cleaned texts/<sha256>.txt.

    Rerunning a command updates the rows it touches (by work id) and only refetches what is
    missing or damaged. Bad inputs are reported one line each; the rest is still collected,
    and the command exits 1 at the end if anything failed.
    """


@collect.command()
@click.option(
    "--mirror", default=DEFAULT_MIRROR, show_default=True,
    help="A Gutenberg mirror: a local folder or an http(s) URL with Gutenberg's layout "
    "(cache/epub/<N>/pg<N>.txt, .rdf, cache/epub/feeds/pg_catalog.csv). The default is "
    "aleph.gutenberg.org, the mirror Gutenberg's robot policy points robots to.",
)
@WORKDIR
@click.option("--ids", help="Gutenberg ebook numbers, comma separated, e.g. 59112,486.")
@click.option("--subject", "subjects", multiple=True,
              help="Catalogue subject; 'Robots' also matches 'Robots -- Fiction'. Repeatable.")
@click.option("--bookshelf", "bookshelves", multiple=True,
              help="Catalogue bookshelf, e.g. 'Science Fiction'. Repeatable.")
@click.option("--language", help="Only catalogue rows in this language, e.g. en.")
@click.option("--delay", type=float, default=DEFAULT_DELAY, show_default=True,
              help="Seconds between HTTP requests (be polite to the mirror).")
@click.option("--retries", type=int, default=4, show_default=True,
              help="Retries per file on 429/5xx, resets and truncated downloads.")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="HTTP timeout in seconds.")
@click.option("--all", "all_books", is_flag=True,
              help="Over HTTP with no selection, harvest the whole catalogue.")
@click.option("--refresh-catalogue", "--refresh-catalog", is_flag=True,
              help="Download pg_catalog.csv again even if a complete copy is cached.")
def gutenberg(
    mirror: str, workdir: Path, ids: str | None, subjects: tuple[str, ...],
    bookshelves: tuple[str, ...], language: str | None, delay: float, retries: int,
    timeout: float, all_books: bool, refresh_catalogue: bool,
) -> None:
    """Collect Project Gutenberg books from a mirror.

    \b
    Examples:
      faip collect gutenberg --ids 59112,486 --workdir work
      faip collect gutenberg --subject "Robots -- Fiction" --language en -w work
      faip collect gutenberg --mirror dataset_builder/sample/gutenberg -w work

    Over HTTP it is a polite robot: a descriptive User-Agent, --delay seconds between
    requests, retries with backoff honouring Retry-After, and resumable downloads cached in
    <workdir>/raw/ (checked by sha256 and size). Headers, footers and licence text of
    Gutenberg are stripped; licences come from the RDF record's rights statement.
    """
    from dataset_builder import api

    _finish(api.collect_gutenberg(
        workdir, mirror=mirror, ids=_ids(ids), subjects=subjects, bookshelves=bookshelves,
        language=language, delay=delay, retries=retries, timeout=timeout,
        all_books=all_books, refresh_catalogue=refresh_catalogue,
    ).result)


@collect.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--licence", required=True, type=click.Choice(LICENCES),
              help="Licence of these texts; only redistributable ones are released as text.")
@click.option("--language", default="en", show_default=True,
              help="ISO 639 language code (EPUBs use their own dc:language).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes that decode and clean files in parallel (same result).")
@WORKDIR
def files(
    paths: tuple[Path, ...], licence: str, language: str, workers: int, workdir: Path
) -> None:
    """Collect local .txt, .md and .epub files (folders are searched) as local:<slug> works.

    The work id is `local:` + a slug of the file name without its extension. Gutenberg
    boilerplate is stripped when present; EPUB chapters are read in spine order.
    """
    from dataset_builder import api

    _finish(api.collect_files(workdir, paths=paths, licence=licence, language=language,
                              workers=workers).result)


@collect.command()
@click.argument("dataset")
@click.option("--config", help="Dataset configuration (subset) name.")
@click.option("--split", default="train", show_default=True)
@click.option("--text-column", default="text", show_default=True)
@click.option("--id-column", help="Column with a stable row id (default: the row number).")
@click.option("--title-column", help="Column with the title.")
@click.option("--limit", type=int, help="Collect at most this many rows.")
@click.option("--revision", help="Dataset revision (tag, branch or commit) on the Hub.")
@click.option("--licence", default="unknown", show_default=True, type=click.Choice(LICENCES),
              help="Licence of the dataset's texts.")
@click.option("--language", default="en", show_default=True, help="ISO 639 language code.")
@WORKDIR
def hf(
    dataset: str, config: str | None, split: str, text_column: str, id_column: str | None,
    title_column: str | None, limit: int | None, revision: str | None, licence: str,
    language: str, workdir: Path,
) -> None:
    """Collect the rows of a text dataset (Hub id or local folder) as hf:<dataset>/<id> works.

    The dataset is streamed (datasets.load_dataset(..., streaming=True)), so --limit reads
    only what it needs. A local folder with parquet/jsonl/csv files works too.
    """
    from dataset_builder import api

    _finish(api.collect_hf(
        workdir, dataset=dataset, config=config, split=split, text_column=text_column,
        id_column=id_column, title_column=title_column, limit=limit, licence=licence,
        language=language, revision=revision,
    ).result)
