"""Adjudication: passages the annotators disagree on go to "<project> — adjudication".

The aggregation step flags passages (``needs_adjudication`` in ``labels.parquet``); each
annotator's live labels are attached to the task as a prediction whose model_version is the
annotator's pseudonym, so the adjudicator sees every opinion side by side. Decisions pulled
from that project (``faip annotate pull --adjudication``) are rows with adjudication=True.
"""

from __future__ import annotations

from pathlib import Path

from dataset_builder import taxonomy
from dataset_builder.annotate import client as lsc
from dataset_builder.annotate.config import guideline
from dataset_builder.annotate.export_rows import row_to_result
from dataset_builder.annotate.push import (
    BATCH_SIZE,
    PushResult,
    ensure_project,
    existing_tasks,
    import_in_batches,
    pushable_passages,
    task_data,
)
from dataset_builder.tables import live_annotations, read_annotations
from dataset_builder.validate.checked import read_valid, require_valid


def push_adjudication(workdir: str | Path, url: str, project: str, token: str | None = None,
                      annotations_dir: str | Path | None = None, batch_size: int = BATCH_SIZE,
                      ) -> PushResult:
    """Passages flagged ``needs_adjudication`` -> "<project> — adjudication", each annotator's
    labels attached as a prediction whose model_version is the annotator's pseudonym."""
    workdir = Path(workdir)
    labels = read_valid(workdir, ("labels",), "nothing was pushed")["labels"]
    flagged = set(labels.loc[labels["needs_adjudication"].astype(bool), "passage_id"])
    history = read_annotations(annotations_dir or workdir / "annotations")
    rows = live_annotations(require_valid({"annotations": history},
                                          "nothing was pushed")["annotations"])
    rows = rows[(rows["project"] == project) & ~rows["adjudication"].astype(bool)
                & rows["passage_id"].isin(flagged)]
    passages, _ = pushable_passages(workdir)
    passages = passages[passages["passage_id"].isin(flagged)]
    tax = taxonomy.load()
    guide = guideline(tax)
    title = lsc.adjudication_title(project)
    proj, created = ensure_project(url, token, title, 1,
                                   f"Adjudication of disagreements in {project!r}.")
    known = {} if created else existing_tasks(proj)
    by_passage = {pid: g for pid, g in rows.groupby("passage_id")}
    tasks = []
    for row in passages.to_dict("records"):
        if row["passage_id"] in known:
            continue
        group = by_passage.get(row["passage_id"])
        preds = [] if group is None else [
            {"model_version": ann["annotator"], "result": row_to_result(ann, tax)}
            for ann in group.to_dict("records")]
        tasks.append({"data": task_data(row, tax.version, guide.version), "predictions": preds})
    imported = import_in_batches(proj, tasks, batch_size, "pushing adjudication")
    return PushResult(proj.id, title, created, imported, len(passages) - len(tasks), 0, 0)
