"""`faip characters`: check the AI-character catalogue and extend it from Wikidata."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import CATALOGUE


def _path(path: Path | None) -> Path:
    from dataset_builder.project import Project

    return path if path is not None else Project.find().catalogue


@click.group()
def characters() -> None:
    """Check or extend the AI-character catalogue (data/characters.csv).

    The catalogue holds facts only (names, work, year, medium, creator, embodiment,
    Wikidata id); persona and trait labels come from annotation, never from here.
    """


@characters.command()
@CATALOGUE
def check(catalogue: Path | None) -> None:
    """Validate the catalogue; print every failure (line, column, check, bad value).

    Exit status 1 when anything fails, 0 when the catalogue is valid.
    """
    from dataset_builder.characters.model import load_catalogue, validate_catalogue
    from dataset_builder.console import info

    csv_path = _path(catalogue)
    df = load_catalogue(csv_path)
    failures = validate_catalogue(df)
    if not failures:
        media = df["medium"].nunique()
        info(f"valid: {csv_path}: {len(df)} characters, {media} media, "
                   f"years {df['year'].min()}-{df['year'].max()}")
        return
    for failure in failures:
        info(str(failure))
    info(f"invalid: {csv_path}: {len(failures)} failure(s)")
    sys.exit(1)


@characters.command("import-wikidata")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@CATALOGUE
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_wikidata_command(results: Path, catalogue: Path | None, dry_run: bool) -> None:
    """Merge Wikidata query RESULTS (a SPARQL JSON file) into the catalogue.

    \b
    Get RESULTS by running the query printed by
      python -c "from dataset_builder.characters.wikidata import SPARQL_QUERY; print(SPARQL_QUERY)"
    at https://query.wikidata.org/ and downloading the result as SPARQL JSON.

    New characters are added and empty QIDs of matched rows filled; conflicts (a different
    year, creator, work or QID) are printed and left for a person to resolve. The file is
    rewritten atomically, and not at all with --dry-run or when nothing changed.
    """
    from dataset_builder.lock import directory_lock

    csv_path = _path(catalogue)
    with directory_lock(csv_path.parent, "characters import-wikidata"):
        _import(results, csv_path, dry_run)


def _import(results: Path, csv_path: Path, dry_run: bool) -> None:
    from dataset_builder.characters.model import load_catalogue, save_catalogue
    from dataset_builder.characters.wikidata import import_wikidata
    from dataset_builder.console import info

    report = import_wikidata(load_catalogue(csv_path), results)
    for cid in report.added:
        info(f"added: {cid}")
    for match in report.matched:
        filled = " (QID filled in)" if match.qid_filled else ""
        info(f"matched: {match.character_id} = {match.qid} by {match.by}{filled}")
    for conflict in report.conflicts:
        info(f"conflict: {conflict}")
    for skip in report.skipped:
        info(f"skipped: {skip.qid} {skip.label!r}: {skip.reason}")
    summary = (f"{len(report.added)} added, {len(report.matched)} matched, "
               f"{len(report.conflicts)} conflict(s), {len(report.skipped)} skipped")
    if dry_run:
        info(f"dry run: {summary}; {csv_path} not written")
    elif report.changed:
        save_catalogue(report.catalogue, csv_path)
        info(f"wrote {csv_path}: {summary}")
    else:
        info(f"nothing to write: {summary}")
