"""``faip annotate push``: passages -> Label Studio tasks, with the extractor's pre-annotations.

Idempotent: passages already in the project (by ``passage_id`` in the task data) are never
imported twice; a passage whose text changed since it was pushed is reported, not duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from label_studio_sdk.core.api_error import ApiError

from dataset_builder import __version__, console, taxonomy
from dataset_builder.annotate import client as lsc
from dataset_builder.annotate.config import TEXT_KEY, WORK_KEY, guideline, labeling_config
from dataset_builder.annotate.export_rows import plain
from dataset_builder.annotate.release_source import (
    Choice,
    ReleasePassages,
    release_model_version,
    release_passages,
)
from dataset_builder.constants import PUSH_BATCH_SIZE
from dataset_builder.errors import UserError
from dataset_builder.tables import read_table, table_path
from dataset_builder.validate.checked import read_valid

MODEL_VERSION = f"dataset_builder-{__version__}"
BATCH_SIZE = PUSH_BATCH_SIZE
SPAN_FIELD = "spans"
# Task data an annotator reads; every other key of task_data() is bookkeeping for the
# pipeline and is hidden from the task list.
SHOWN_DATA = (TEXT_KEY, WORK_KEY)


@dataclass(frozen=True)
class PushResult:
    project_id: int
    project: str
    created: bool
    imported: int
    already_there: int
    changed_text: int
    skipped: int
    # The release the passages came from (``push_release``): which passages, how many skipped.
    release: ReleasePassages | None = field(default=None, compare=False)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def ensure_project(url: str, token: str | None, title: str, maximum_annotations: int,
                   description: str) -> tuple[lsc.LabelStudioProject, bool]:
    """Create the project, or bring an existing one's config and instructions up to date."""
    guide = guideline()
    settings = {
        "label_config": labeling_config(), "expert_instruction": guide.html,
        "show_instruction": True, "maximum_annotations": maximum_annotations,
        "description": description,
    }
    client = lsc.connect(url, token)
    project = lsc.find_project(client, url, title)
    if project is None:
        created = lsc.call(url, "creating the project", client.projects.create, title=title,
                           **settings)
        return lsc.LabelStudioProject.of(url, client, created), True
    lsc.call(url, "updating the project's labeling config", client.projects.update,
             id=project.id, **settings)
    return lsc.LabelStudioProject.of(url, client, project), False


def hidden_columns(columns: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Label Studio's own hidden task-list columns, plus every task data key but the shown.

    ``columns`` is the answer of ``GET /api/dm/columns``; the ids returned are the ones the
    Data Manager stores in a tab (``tasks:data.text_sha256``, ``tasks:inner_id``).
    """
    sample = task_data({"text": "", "passage_id": "", "work_id": "", "text_sha256": "",
                        "char_start": 0, "char_end": 0}, "", "")
    internal_keys = [f"tasks:data.{key}" for key in sample if key not in SHOWN_DATA]
    hidden: dict[str, list[str]] = {"explore": list(internal_keys),
                                    "labeling": list(internal_keys)}
    for col in columns:
        if col.get("children"):  # the "data" group itself
            continue
        parent = f"{col['parent']}." if col.get("parent") else ""
        key = f"{col.get('target', 'tasks')}:{parent}{col['id']}"
        internal = col.get("parent") == "data" and col["id"] not in SHOWN_DATA
        defaults = col.get("visibility_defaults") or {}
        for mode, keys in hidden.items():
            if (internal or defaults.get(mode) is False) and key not in keys:
                keys.append(key)
    return hidden


def ensure_task_list(project: lsc.LabelStudioProject) -> None:
    """Give a project without a saved task list one that hides the internal columns.

    Label Studio keeps column visibility per tab ("view"); an existing tab is the
    maintainers' (or the volunteer's) choice and is left as it is.
    """
    views = project.call("listing the project's tabs", project.client.views.list,
                         project=project.id)
    if views:
        return
    with project.speaking_errors("reading the task list's columns"):
        response = project.http().request("api/dm/columns/", method="GET",
                                          params={"project": project.id})
        if response.status_code >= 400:
            raise ApiError(status_code=response.status_code, body=response.text[:300])
    columns = response.json().get("columns") or []
    project.call("creating the project's task list", project.client.views.create,
                 project=project.id,
                 data={"title": "Passages", "hiddenColumns": hidden_columns(columns)})


def existing_tasks(project: lsc.LabelStudioProject, page_size: int = 2000
                   ) -> dict[str, str | None]:
    """passage_id -> text_sha256 of every task already in the project.

    Asks only for id and data, and reads the JSON pages directly: the SDK's typed task
    models cost more than the request itself on large projects.
    """
    found: dict[str, str | None] = {}
    http = project.http()
    page = 1
    with project.speaking_errors("listing existing tasks"):
        while True:
            response = http.request("api/tasks/", method="GET", params={
                "project": project.id, "fields": "task_only", "include": "id,data",
                "page": page, "page_size": page_size})
            if response.status_code == 404:  # past the last page
                break
            if response.status_code >= 400:
                raise ApiError(status_code=response.status_code, body=response.text[:300])
            tasks = response.json().get("tasks") or []
            for task in tasks:
                data = task.get("data") or {}
                if isinstance(data.get("passage_id"), str):
                    found[data["passage_id"]] = data.get("text_sha256")
            if len(tasks) < page_size:
                break
            page += 1
    return found


def work_line(title: Any, authors: Any, year: Any = None) -> str:
    """"Title — Author, Author (year)": what the annotator sees above the passage."""
    names = [str(a) for a in (plain(authors) or []) if a]
    line = str(title) if isinstance(title, str) and title.strip() else "Untitled work"
    if names:
        line += " — " + ", ".join(names)
    year = plain(year)
    if isinstance(year, int | float) and year == year:
        line += f" ({int(year)})"
    return line


def task_data(row: dict[str, Any], tax_version: str, guide_version: str) -> dict[str, Any]:
    data = {
        TEXT_KEY: row["text"], "passage_id": row["passage_id"], "work_id": row["work_id"],
        "text_sha256": row["text_sha256"], "char_start": int(row["char_start"]),
        "char_end": int(row["char_end"]), "taxonomy_version": tax_version,
        "guideline_version": guide_version,
    }
    # The work's title and authors, for the screen (when the passages carry them).
    title, authors = plain(row.get("work_title")), plain(row.get("authors"))
    if isinstance(title, str):
        data["title"] = title
    if isinstance(authors, list) and authors:
        data["author"] = "; ".join(str(a) for a in authors)
    # The one line the labelling screen shows above the passage.
    data[WORK_KEY] = (work_line(title, authors, row.get("year")) if isinstance(title, str)
                      else str(row["work_id"]))
    return data


def pre_annotation(row: dict[str, Any], model_version: str = MODEL_VERSION) -> dict[str, Any]:
    """The extractor's suggestions: an ai_mention span per evidence hit and its predicted AI
    role. The ai_present gate is left for the annotator to answer (a pre-ticked answer
    anchors it)."""
    text = row["text"]
    result: list[dict[str, Any]] = []
    for i, ev in enumerate(plain(row.get("evidence")) or []):
        start, end = int(ev["start"]), int(ev["end"])
        if 0 <= start < end <= len(text):
            result.append({
                "id": f"ev{i}", "from_name": SPAN_FIELD, "to_name": TEXT_KEY, "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end],
                          "labels": ["ai_mention"]}})
    role = row.get("predicted_ai_role")
    if isinstance(role, str):  # pre-filled, shown once the annotator confirms an AI is present
        result.append({"id": "ai_role", "from_name": "ai_role", "to_name": TEXT_KEY,
                       "type": "choices", "value": {"choices": [role]}})
    score = row.get("score")
    return {"model_version": model_version, "result": result,
            "score": None if score is None or score != score else float(score)}


def pushable_passages(workdir: Path) -> tuple[pd.DataFrame, int]:
    """Passages to annotate: not duplicates, with text (and their work's title and authors
    when works.parquet is there). Returns (rows, skipped count)."""
    passages = read_valid(workdir, ("passages",), "nothing was pushed")["passages"]
    keep = passages["duplicate_of"].isna() & passages["text"].notna()
    rows = passages[keep].reset_index(drop=True)
    if table_path(workdir, "works").exists():
        works = read_table(workdir, "works")[["work_id", "title", "authors", "year"]]
        rows = rows.merge(works.rename(columns={"title": "work_title"}), on="work_id",
                          how="left")
    return rows, int((~keep).sum())


def import_in_batches(project: lsc.LabelStudioProject, tasks: list[dict[str, Any]],
                      batch_size: int, description: str) -> int:
    if batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, got {batch_size}.")
    done = 0
    batches = list(_chunks(tasks, batch_size))
    for batch in console.track(batches, description, total=len(batches)):
        project.call(f"importing tasks {done + 1}-{done + len(batch)}",
                     project.client.projects.import_tasks, id=project.id, request=list(batch))
        done += len(batch)
    return done


def push(workdir: str | Path, url: str, project: str, token: str | None = None,
         annotators_per_task: int = 3, batch_size: int = BATCH_SIZE, limit: int | None = None,
         passages: pd.DataFrame | None = None, extra_data: dict[str, Any] | None = None,
         model_version: str = MODEL_VERSION) -> PushResult:
    """Create/update the project and import every new passage as a task: those of
    ``workdir``, or the given ``passages`` (e.g. a release's). ``extra_data`` goes into
    every new task's data (a volunteer's contributor id and consent)."""
    if annotators_per_task < 1:
        raise UserError(f"--annotators-per-task must be at least 1, got {annotators_per_task}.")
    skipped = 0
    if passages is None:
        passages, skipped = pushable_passages(Path(workdir))
    if limit is not None:
        passages = passages.head(limit)
    tax = taxonomy.load()
    guide = guideline(tax)
    proj, created = ensure_project(
        url, token, project, annotators_per_task,
        f"Fictional AI Personas: taxonomy {tax.version}, codebook {guide.version}.")
    known = {} if created else existing_tasks(proj)
    new_tasks: list[dict[str, Any]] = []
    changed: list[str] = []
    for row in passages.to_dict("records"):
        pid = row["passage_id"]
        if pid in known:
            if known[pid] is not None and known[pid] != row["text_sha256"]:
                changed.append(pid)
            continue
        data = task_data(row, tax.version, guide.version) | (extra_data or {})
        new_tasks.append({"data": data, "predictions": [pre_annotation(row, model_version)]})
    if changed:
        console.warn(f"{len(changed)} passage(s) changed text since they were pushed (e.g. "
                     f"{changed[0]}); their tasks were left as they are. Re-extract with the "
                     "same settings, or push to a new project for the new passages.")
    imported = import_in_batches(proj, new_tasks, batch_size, "pushing tasks")
    ensure_task_list(proj)
    return PushResult(proj.id, project, created, imported, len(passages) - len(new_tasks),
                      len(changed), skipped)


def push_release(ref: str, workdir: str | Path, url: str, project: str, choice: Choice,
                 token: str | None = None, annotators_per_task: int = 3,
                 batch_size: int = BATCH_SIZE, source: str | Path | None = None,
                 endpoint: str | None = None, extra_data: dict[str, Any] | None = None,
                 ) -> PushResult:
    """Push the chosen passages of a release (folder or ORG/NAME@REV) as tasks; the
    result's ``release`` says which passages were chosen and which were skipped."""
    chosen = release_passages(ref, workdir, choice, source, endpoint)
    result = push(workdir, url, project, token, annotators_per_task, batch_size,
                  passages=chosen.passages, extra_data=extra_data,
                  model_version=release_model_version(chosen.version))
    return replace(result, release=chosen)
