"""`faip annotate`: push passages to Label Studio, pull annotations back, import, serve."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dataset_builder.cli.options import ANNOTATIONS_DIR as _ANN_DIR
from dataset_builder.cli.options import WORKDIR as _WORKDIR
from dataset_builder.cli.options import workdir
from dataset_builder.constants import PUSH_BATCH_SIZE, SERVE_PROJECT

if TYPE_CHECKING:
    from dataset_builder.annotate.release_source import Choice

_URL = click.option("--url", required=True, envvar="LABEL_STUDIO_URL", show_envvar=True,
                    help="Label Studio server, e.g. http://127.0.0.1:8080.")
_PROJECT = click.option("--project", required=True,
                        help="Label Studio project title (created by push if missing).")


_RELEASE = click.option(
    "--release", default=None, metavar="DIR_OR_ORG/NAME[@REV]",
    help="Annotate a release's passages instead of WORKDIR/passages.parquet: a release folder "
         "or a Hub dataset at a tag, e.g. fictional-ai-personas/fictional-ai-personas@v1.0.0 "
         "(without @REV: its latest vX.Y.Z tag).")
_SPLIT = click.option("--split", default=None, type=click.Choice(["train", "validation", "test"]),
                      help="With --release: only passages of this split.")
_SEED = click.option("--seed", default=0, show_default=True,
                     help="With --release: order of passages with as many annotations.")
_FEWER = click.option("--fewer-than", type=int, default=None, metavar="N",
                      help="With --release: only passages with fewer than N annotations "
                           "(passages with the fewest always come first).")
_SOURCE = click.option("--source", type=click.Path(path_type=Path), default=None,
                       help="With --release: your work dir or Gutenberg mirror, to restore "
                            "withheld texts as `faip rehydrate` does (else they are skipped).")
_HUB = click.option("--endpoint", default=None, metavar="URL",
                    help="Hub endpoint for --release ORG/NAME (default: $HF_ENDPOINT or "
                         "https://huggingface.co).")


def _choice(limit: int | None, split: str | None, seed: int, fewer_than: int | None
            ) -> Choice:
    from dataset_builder.annotate.release_source import Choice

    return Choice(limit=limit or None, split=split, seed=seed, fewer_than=fewer_than)


@click.group()
def annotate() -> None:
    """Annotate passages in Label Studio.

    \b
    The API token is read from LABEL_STUDIO_API_KEY and never printed.
    Annotators are stored only as keyed-hash pseudonyms; set FAIP_PSEUDONYM_KEY (or
    FAIP_PSEUDONYM_KEY_FILE) to your project's secret key, else a public demo key is used.
    """


@annotate.command()
@_WORKDIR
@_URL
@_PROJECT
@click.option("--annotators-per-task", default=3, show_default=True,
              help="How many annotators label each passage (the project's overlap).")
@click.option("--batch-size", default=PUSH_BATCH_SIZE, show_default=True,
              help="Tasks per import request.")
@click.option("--adjudication", is_flag=True,
              help="Push the passages flagged needs_adjudication in labels.parquet to the "
                   "project '<PROJECT> — adjudication', each annotator's labels attached.")
@_ANN_DIR
@_RELEASE
@click.option("--limit", default=0, show_default=True,
              help="Passages to push (0 = all); with --release the fewest-annotated first.")
@_SPLIT
@_SEED
@_FEWER
@_SOURCE
@_HUB
def push(workdir: Path, url: str, project: str, annotators_per_task: int, batch_size: int,
         adjudication: bool, annotations_dir: Path | None, release: str | None, limit: int,
         split: str | None, seed: int, fewer_than: int | None, source: Path | None,
         endpoint: str | None) -> None:
    """Create or update the project and import new passages as tasks.

    Idempotent: passages already in the project are not imported again; passages whose text
    changed since they were pushed are reported. The extractor's AI mentions are attached as
    suggestions (Label Studio predictions, model_version = the extractor's version).
    """
    from dataset_builder import api
    from dataset_builder.console import info

    result = api.push(workdir, url=url, project=project, annotators_per_task=annotators_per_task,
                      batch_size=batch_size, limit=limit or None, release=release, split=split,
                      seed=seed, fewer_than=fewer_than, source=source, endpoint=endpoint,
                      adjudication=adjudication, annotations_dir=annotations_dir).result
    chosen = result.release
    if chosen is not None:
        info(f"{chosen.label} (release {chosen.version}): {chosen.withheld_skipped} passage(s) "
             f"skipped because their text is withheld, {chosen.restored} restored from "
             "--source")
    state = "created" if result.created else "updated"
    info(f"project {result.project!r} (id {result.project_id}) {state}: {result.imported} new "
         f"task(s), {result.already_there} already there, {result.changed_text} with changed "
         f"text, {result.skipped} passage(s) skipped (duplicates or withheld text)")


@annotate.command()
@_WORKDIR
@_URL
@_PROJECT
@_ANN_DIR
@click.option("--adjudication", is_flag=True,
              help="Pull the decisions of '<PROJECT> — adjudication' "
                   "(rows with adjudication=True).")
def pull(workdir: Path, url: str, project: str, annotations_dir: Path | None,
         adjudication: bool) -> None:
    """Append what changed in the project to the annotations folder (one new pull file).

    Edits become rows that supersede the old row, deletions become tombstone rows; an
    unchanged project writes nothing. Invalid annotations go to annotations/rejects/.
    """
    from dataset_builder import api
    from dataset_builder.annotate.pull import report

    result = api.pull(workdir, url=url, project=project, annotations_dir=annotations_dir,
                      adjudication=adjudication).result
    report(result.appended, f"pulled {result.tasks} task(s)")


@annotate.command(name="import")
@click.argument("export", type=click.Path(path_type=Path, dir_okay=False))
@workdir(required=False)
@_ANN_DIR
@click.option("--project", default="import", show_default=True,
              help="Value of the rows' project column.")
@click.option("--annotator-email", default=None,
              help="For exports without emails (API/UI JSON export of a one-person project): "
                   "the annotator's email, hashed into the pseudonym and never stored.")
def import_(export: Path, workdir: Path | None, annotations_dir: Path | None, project: str,
            annotator_email: str | None) -> None:
    """Import a Label Studio JSON export a contributor sent (all three export shapes).

    All or nothing: any invalid annotation, or an export made with another taxonomy
    version, is reported and nothing is written.
    """
    from dataset_builder import api
    from dataset_builder.annotate.pull import report

    appended = api.import_export(workdir, export=export, project=project,
                                 annotations_dir=annotations_dir,
                                 annotator_email=annotator_email).result
    report(appended, f"imported {export}")


@annotate.command()
@_WORKDIR
@_RELEASE
@click.option("--ls-bin", type=click.Path(path_type=Path), default=None,
              help="The label-studio executable (default: $LABEL_STUDIO_BIN, ./.venv-ls, PATH).")
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--project", default=SERVE_PROJECT, show_default=True)
@click.option("--limit", default=50, show_default=True, help="Passages to push (0 = all).")
@_SPLIT
@_SEED
@_FEWER
@_SOURCE
@_HUB
@click.option("--agree-cc-by", is_flag=True,
              help="Record that you agree to release your annotations under CC BY 4.0 "
                   "(asked once; needed to contribute).")
def serve(workdir: Path, release: str | None, ls_bin: Path | None, port: int | None,
          project: str, limit: int, split: str | None, seed: int, fewer_than: int | None,
          source: Path | None, endpoint: str | None, agree_cc_by: bool) -> None:
    """Start a local Label Studio with a project of passages to annotate; Ctrl-C stops it.

    \b
    A volunteer needs only a release:
      faip annotate serve -w work/mine --release fictional-ai-personas/fictional-ai-personas@v1.0.0
    Passages with the fewest annotations come first. Export your work from the web page
    (Export -> JSON) and check it with `faip annotate check`. Label Studio's state goes to
    WORKDIR/label-studio.
    """
    from dataset_builder.annotate import contributor
    from dataset_builder.annotate.serve import serve as serve_api

    base = workdir.resolve() / "label-studio"
    found = contributor.load(base)
    if not agree_cc_by and (found is None or found.consent != contributor.LICENCE) \
            and sys.stdin.isatty():
        agree_cc_by = click.confirm(f"{contributor.CONSENT_SENTENCE}\nDo you agree?")
    sys.exit(serve_api(workdir, ls_bin, port, project, limit or None, release=release,
                       choice=_choice(limit, split, seed, fewer_than),
                       source=source, endpoint=endpoint, agree=agree_cc_by))


@annotate.command()
@click.argument("exports", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--release", default=None, metavar="DIR_OR_ORG/NAME[@REV]",
              help="Also check passage ids and texts against this release.")
@_HUB
def check(exports: tuple[Path, ...], release: str | None, endpoint: str | None) -> None:
    """Check contribution files (Label Studio JSON exports) before committing them.

    \b
    One line per problem: taxonomy version, every result against the taxonomy and the
    table schema, passage ids and texts (against --release), no e-mail, name or token
    anywhere (notes included), duplicates, consent to CC BY 4.0. Contributions go to
    data/contrib/; the test suite checks every committed one. Exit 1 if any problem.
    """
    from dataset_builder.annotate.check import check_export
    from dataset_builder.console import info, problem

    failed = 0
    for path in exports:
        report = check_export(path, release, endpoint)
        for line in report.problems:
            problem(f"{path}: {line}")
        info(report.summary())
        failed += not report.ok
    if failed:
        sys.exit(1)
