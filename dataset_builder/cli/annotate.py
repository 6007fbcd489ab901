"""`faip annotate`: push passages to Label Studio, pull annotations back, import, serve."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import ANNOTATIONS_DIR as _ANN_DIR
from dataset_builder.cli.options import WORKDIR as _WORKDIR
from dataset_builder.cli.options import workdir
from dataset_builder.constants import PUSH_BATCH_SIZE, SERVE_PROJECT

_URL = click.option("--url", required=True, envvar="LABEL_STUDIO_URL", show_envvar=True,
                    help="Label Studio server, e.g. http://127.0.0.1:8080.")
_PROJECT = click.option("--project", required=True,
                        help="Label Studio project title (created by push if missing).")


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
def push(workdir: Path, url: str, project: str, annotators_per_task: int, batch_size: int,
         adjudication: bool, annotations_dir: Path | None) -> None:
    """Create or update the project and import new passages as tasks.

    Idempotent: passages already in the project are not imported again; passages whose text
    changed since they were pushed are reported. The extractor's AI mentions are attached as
    pre-annotations (predictions).
    """
    from dataset_builder.annotate.adjudication import push_adjudication
    from dataset_builder.annotate.push import push as push_api
    from dataset_builder.console import info

    if adjudication:
        result = push_adjudication(workdir, url, project, annotations_dir=annotations_dir,
                                   batch_size=batch_size)
    else:
        result = push_api(workdir, url, project, annotators_per_task=annotators_per_task,
                          batch_size=batch_size)
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
    from dataset_builder.annotate.pull import pull as pull_api
    from dataset_builder.annotate.pull import report

    result = pull_api(workdir, url, project, annotations_dir=annotations_dir,
                      adjudication=adjudication)
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
    from dataset_builder.annotate.pull import import_export, report

    appended = import_export(export, workdir, annotations_dir, project, annotator_email)
    report(appended, f"imported {export}")


@annotate.command()
@_WORKDIR
@click.option("--ls-bin", type=click.Path(path_type=Path), default=None,
              help="The label-studio executable (default: $LABEL_STUDIO_BIN, ./.venv-ls, PATH).")
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--project", default=SERVE_PROJECT, show_default=True)
@click.option("--limit", default=50, show_default=True, help="Passages to push (0 = all).")
def serve(workdir: Path, ls_bin: Path | None, port: int | None, project: str,
          limit: int) -> None:
    """Start a local Label Studio with a project of passages to annotate; Ctrl-C stops it.

    Label Studio's state goes to WORKDIR/label-studio."""
    from dataset_builder.annotate.serve import serve as serve_api

    sys.exit(serve_api(workdir, ls_bin, port, project, limit or None))
