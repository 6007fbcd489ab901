"""``faip annotate pull`` and ``faip annotate import``: Label Studio annotations -> pull files.

Pull exports the whole project (a snapshot export, which scales to large projects), checks
every annotation against the taxonomy and the table schema, and appends one pull file with
what changed. Import does the same for an export file a contributor sends, all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataset_builder import console, semver, taxonomy
from dataset_builder.annotate import client as lsc
from dataset_builder.annotate.config import guideline
from dataset_builder.annotate.contributor import task_contributor
from dataset_builder.annotate.export_rows import (
    Context,
    Rejected,
    load_tasks,
    normalise_tasks,
    task_annotations,
)
from dataset_builder.annotate.pseudonym import pseudonym_key
from dataset_builder.annotate.store import Appended, Scope, append_pull, schema_filter
from dataset_builder.errors import UserError
from dataset_builder.lock import writes
from dataset_builder.taxonomy import Taxonomy


@dataclass(frozen=True)
class PullResult:
    appended: Appended
    tasks: int


def snapshot_export(project: lsc.LabelStudioProject) -> list[dict[str, Any]]:
    """Every task of a project with its annotations, via a snapshot export."""
    exports = project.client.projects.exports
    snap = project.call("creating a snapshot export", exports.create, id=project.id,
                        title="faip annotate pull")
    with project.speaking_errors("downloading the snapshot export"):
        data = b"".join(exports.download(id=project.id, export_pk=snap.id, export_type="JSON"))
    # Snapshots are kept on the server otherwise; they are only a transport for us.
    project.call("deleting the snapshot export", exports.delete, id=project.id,
                 export_pk=snap.id)
    return load_tasks(json.loads(data), f"{project.url} project {project.id} export")


@writes("annotate pull", "annotations_dir|workdir/annotations")
def pull(workdir: str | Path, url: str, project: str, token: str | None = None,
         annotations_dir: str | Path | None = None, adjudication: bool = False) -> PullResult:
    """Append what changed in the Label Studio project to the annotations folder."""
    directory = Path(annotations_dir) if annotations_dir else Path(workdir) / "annotations"
    title = lsc.adjudication_title(project) if adjudication else project
    proj = lsc.LabelStudioProject.open(url, title, token)
    tasks = snapshot_export(proj)
    tax = taxonomy.load()
    ctx = Context(taxonomy=tax, project=title, guideline_version=guideline(tax).version,
                  key=pseudonym_key(), adjudication=adjudication,
                  emails=proj.user_emails())
    rows, rejected, seen = normalise_tasks(tasks, ctx)
    rows, schema_rejects = schema_filter(rows)
    appended = append_pull(directory, rows, rejected + schema_rejects, seen,
                           Scope(title, adjudication), key=ctx.key)
    return PullResult(appended, len(tasks))


def check_taxonomy_version(tasks: list[dict[str, Any]], tax: Taxonomy, source: str) -> None:
    """An export labelled with another major version, or a newer one, cannot be normalised."""
    versions = {str(t["data"]["taxonomy_version"]) for t in tasks
                if isinstance(t.get("data"), dict) and t["data"].get("taxonomy_version")}
    ours = semver.parse(tax.version)
    for v in sorted(versions):
        theirs = semver.parse(v)
        if theirs is None or ours is None:
            raise UserError(f"{source}: task data taxonomy_version {v!r} is not a version "
                            "(expected X.Y.Z such as 1.0.0).")
        if theirs[0] != ours[0] or theirs > ours:
            raise UserError(
                f"{source}: the export was labelled with taxonomy {v}, this checkout has "
                f"{tax.version}; labels cannot be mapped between these versions. Update your "
                "checkout (git pull) or ask the contributor to re-export from the current project.")


@writes("annotate import", "annotations_dir|workdir/annotations")
def import_export(path: str | Path, workdir: str | Path | None = None,
                  annotations_dir: str | Path | None = None, project: str = "import",
                  annotator_email: str | None = None) -> Appended:
    """Normalise a contributor's Label Studio JSON export; any invalid annotation -> error,
    nothing written (the contributor fixes it and sends the export again)."""
    source = Path(path)
    if annotations_dir is None:
        if workdir is None:
            raise UserError("give --workdir or --annotations-dir: where should the rows go?")
        annotations_dir = Path(workdir) / "annotations"
    try:
        payload = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{source}: cannot read the export ({exc.strerror}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{source}: not JSON ({exc}); export the project as JSON.") from None
    try:
        tasks = load_tasks(payload, str(source))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    tax = taxonomy.load()
    check_taxonomy_version(tasks, tax, str(source))
    ctx = Context(taxonomy=tax, project=project, guideline_version=guideline(tax).version,
                  key=pseudonym_key(), id_prefix="import:", fallback_email=annotator_email)
    require_attribution(tasks, ctx, source)
    rows, rejected, _seen = normalise_tasks(tasks, ctx)
    rows, schema_rejects = schema_filter(rows)
    problems = rejected + schema_rejects
    if problems:
        raise UserError(_describe(source, problems))
    return append_pull(Path(annotations_dir), rows, [], set(), None, key=ctx.key)


def require_attribution(tasks: list[dict[str, Any]], ctx: Context, source: Path) -> None:
    """Ids of a contributor's local server mean nothing here: the tasks of `faip annotate
    serve` name their contributor; any other export needs e-mails (or --annotator-email)."""
    foreign = [t for t in tasks if task_contributor(t.get("data")) is None]
    if ctx.fallback_email:
        ids = {str(a.get("completed_by")) for t in foreign for a in task_annotations(t)}
        if len(ids) > 1:
            raise UserError(f"{source}: annotations by {len(ids)} different users, but "
                            "--annotator-email names one person. Export with `label-studio "
                            "export <project> JSON`, which carries each annotator's email.")
        return
    for t in foreign:
        for a in task_annotations(t):
            if not isinstance(a.get("completed_by"), dict):
                raise UserError(
                    f"{source}: task {t.get('id')}: annotations carry only a local user id, "
                    "and the task names no contributor (it was not served by `faip annotate "
                    "serve`). Export with `label-studio export <project> JSON` (which "
                    "includes emails), or pass --annotator-email with the annotator's email "
                    "(hashed into a pseudonym, never stored).")


def _describe(source: Path, problems: list[Rejected], limit: int = 20) -> str:
    lines = [f"{source}: {len(problems)} invalid annotation(s); nothing was imported. Fix them "
             "in Label Studio, export again and re-run the import:"]
    for p in problems[:limit]:
        which = "" if p.annotation_id is None else f", annotation {p.annotation_id}"
        lines.append(f"  task {p.task_id}{which}: {p.reason}")
    if len(problems) > limit:
        lines.append(f"  … and {len(problems) - limit} more")
    return "\n".join(lines)


def report(appended: Appended, what: str) -> None:
    """One summary line per pull/import on stderr."""
    if appended.path is None and appended.rejects_path is None:
        console.info(f"{what}: nothing changed ({appended.unchanged} annotation(s) up to date); "
                     "no file written.")
        return
    console.info(f"{what}: {appended.new} new, {appended.edited} edited, {appended.deleted} "
                 f"deleted, {appended.unchanged} unchanged -> {appended.path or 'no rows'}")
    if appended.rejected:
        console.warn(f"{appended.rejected} invalid annotation(s) rejected; reasons in "
                     f"{appended.rejects_path or 'an earlier rejects file'}")
