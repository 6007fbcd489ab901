"""`faip split`, `faip release`, `faip publish`, `faip verify`, `faip rehydrate`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import CATALOGUE
from dataset_builder.cli.options import WORKDIR as _WORKDIR
from dataset_builder.constants import DEFAULT_REPO_ID

_SPLITS = click.option("--splits", "splits_path", type=click.Path(path_type=Path, dir_okay=False),
                       default=None,
                       help="Committed splits file (default: the project's splits/splits.csv).")
_ENDPOINT = click.option("--endpoint", default=None, metavar="URL",
                         help="Hub endpoint (default: $HF_ENDPOINT or https://huggingface.co).")


@click.command()
@_WORKDIR
@_SPLITS
@click.option("--seed", default=0, show_default=True,
              help="Seed of the hash that orders new works.")
@click.option("--ratios", default="80/10/10", show_default=True,
              help="Target train/validation/test shares.")
def split(workdir: Path, splits_path: Path | None, seed: int, ratios: str) -> None:
    """Assign every work to train/validation/test and write the splits file.

    Grouped by work (a work's passages never straddle two splits), stratified by the work's
    dominant persona (unlabelled works form their own stratum), deterministic for a --seed.
    A work already in the file NEVER moves; new works get version "unreleased" until a
    release stamps it. Commit the file.
    """
    from dataset_builder import api
    from dataset_builder.console import info
    from dataset_builder.project import Project
    from dataset_builder.split.assign import parse_ratios

    path = splits_path or Project.find().splits
    result = api.split(workdir, splits_path=path, seed=seed, ratios=parse_ratios(ratios)).result
    counts = result.assignment["split"].value_counts().to_dict()
    info(f"{path}: {result.added} new work(s) assigned, {result.kept} kept; "
         + ", ".join(f"{s} {counts.get(s, 0)}" for s in ("train", "validation", "test")))


@click.command()
@click.argument("version")
@_WORKDIR
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="New folder to build the release into (must not exist or be empty).")
@_SPLITS
@click.option("--date", default=None, metavar="YYYY-MM-DD",
              help="Release date (default: today, UTC); fix it to rebuild byte-identically.")
@click.option("--previous", default="none", show_default=True, metavar="DIR|none",
              help="The previous release folder, for CHANGELOG.md and the version checks.")
@CATALOGUE
@click.option("--template", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Card template (default: the project's DATASET_CARD.md).")
@click.option("--repo-id", default=DEFAULT_REPO_ID, show_default=True,
              help="Hub repository named in the card, CITATION.cff and croissant.json "
              "(`faip publish` refuses another).")
@click.option("--doi", default=None, metavar="10.XXXX/...",
              help="The release's DOI, once the Hub has issued one: written into "
              "CITATION.cff's identifiers and the card's BibTeX.")
def release(version: str, workdir: Path, out: Path, splits_path: Path | None, date: str | None,
            previous: str, catalogue: Path | None, template: Path | None,
            repo_id: str, doi: str | None) -> None:
    """Build release VERSION (X.Y.Z) of WORKDIR into the new folder --out.

    \b
    The folder is what the Hub repository holds:
      data/<config>/<split>-0000i-of-0000N.parquet  configs passages (default),
                                                    annotations, works, characters
      README.md        YAML header (configs, dataset_info) + the rendered card
      assets/*.png     the card's figures
      croissant.json   Croissant 1.0 metadata with RAI fields
      CITATION.cff     the citation, stamped with version, date, URL (and --doi)
      taxonomy.yaml    the label definitions; codebook.md the annotators' codebook
      LICENSE.md       the licences of annotations and texts in this release
      CHANGELOG.md     what changed since --previous
      release.json     version, taxonomy ids, row counts
      CHECKSUMS        sha256 of every file

    Refuses (leaving nothing in --out) when a table fails validation, a work has no split,
    a released work changed split (since --previous, or in the splits file's git history),
    near-duplicate passages straddle two splits, a file would contain an e-mail address or
    a token, or VERSION is not above the previous release. Texts of works whose licence
    forbids redistribution are released as null (see `faip rehydrate`).
    """
    from dataclasses import replace

    from dataset_builder import api
    from dataset_builder.console import info
    from dataset_builder.project import Project
    from dataset_builder.release.build import release_summary

    project = Project.find()
    project = replace(project, catalogue=catalogue or project.catalogue,
                      card_template=template or project.card_template)
    folder = api.release(workdir, version=version, out=out,
                         splits_path=splits_path or project.splits, date=date,
                         previous=previous, project=project, repo_id=repo_id, doi=doi).result
    info(release_summary(folder))


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--repo-id", required=True, metavar="ORG/NAME", help="Hub dataset repository.")
@_ENDPOINT
@click.option("--dry-run", is_flag=True, help="List what would change; upload nothing.")
def publish(folder: Path, repo_id: str, endpoint: str | None, dry_run: bool) -> None:
    """Publish release FOLDER as one commit on main, tagged vX.Y.Z.

    The token is read from HF_TOKEN (never printed). Publishing the same version again is
    a no-op when the files are identical and an error when they differ. The folder is
    checked again first: a rehydrated copy (LOCAL_ONLY.md), text of a work whose licence
    withholds it, or an e-mail address or token anywhere is refused before any upload.
    """
    from dataset_builder import api
    from dataset_builder.console import info

    result = api.publish(folder, repo_id=repo_id, endpoint=endpoint, dry_run=dry_run).result
    if result.action == "dry-run":
        info(f"dry run: {result.tag} of {repo_id} would add {len(result.added)}, change "
             f"{len(result.changed)} and remove {len(result.removed)} file(s) on main")
        for label, files in (("add", result.added), ("change", result.changed),
                             ("remove", result.removed)):
            for f in files:
                click.echo(f"{label}\t{f}")
    elif result.action == "unchanged":
        info(f"{repo_id}@{result.tag} is already published with identical files; nothing to do.")
    else:
        info(f"{repo_id}@{result.tag}: {result.action} (commit {result.commit})")


@click.command()
@click.argument("target")
@_ENDPOINT
def verify(target: str, endpoint: str | None) -> None:
    """Re-check a release FOLDER or a published ORG/NAME@vX.Y.Z.

    Checks every file against CHECKSUMS, every parquet schema against the README's features,
    and loads every config with datasets.load_dataset to compare split sizes.
    Exit status 1 when anything fails.
    """
    from dataset_builder import api
    from dataset_builder.console import info, problem

    report = api.verify(target, endpoint=endpoint).result
    for config, sizes in report.sizes.items():
        info(f"{config}: " + ", ".join(f"{s} {n:,}" for s, n in sizes.items()))
    for p in report.problems:
        problem(p)
    if not report.ok:
        sys.exit(1)
    info(f"{report.target}: verified")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--source", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Your copy: a work dir (texts/<sha256>.txt) or a Gutenberg mirror.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="New folder for the restored copy [default: FOLDER-local].")
def rehydrate(folder: Path, source: Path, out: Path | None) -> None:
    """Copy release FOLDER to a new local-only folder with its withheld texts restored.

    Each restored text must match its text_sha256; mismatches are listed and stay null. The
    annotations' span texts withheld with a passage are cut again from its restored text.
    FOLDER is not changed; the copy carries LOCAL_ONLY.md and `faip publish` refuses it
    (the restored texts' licences forbid redistribution).
    Exit status 1 when any passage could not be restored.
    """
    from dataset_builder import api
    from dataset_builder.console import info, problem

    report = api.rehydrate(folder, source=source, out=out).result
    info(f"{report.out} (local only, never publish it): {report.restored:,} text(s) "
         f"restored, {report.already:,} already present, {report.spans_restored:,} span "
         "text(s) restored")
    for m in report.mismatched:
        problem(f"sha256 mismatch, left null: {m} (your copy differs from the released edition)")
    for w in report.missing_works:
        problem(f"work {w} not found in {source}")
    if report.mismatched or report.missing_works:
        sys.exit(1)
