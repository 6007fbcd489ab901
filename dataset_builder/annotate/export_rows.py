"""Label Studio export JSON -> annotation rows (the ``annotations`` table contract).

Three export shapes reach us and are all accepted: the sync export (``exports.as_json``,
``predictions`` are ids), the snapshot export (``exports.create`` + ``download``) and the
``label-studio export`` CLI (``completed_by`` is an object with the annotator's email). The
server does not validate results, so every annotation is checked here against the taxonomy
(unknown controls or labels, single choices with several values, spans outside the passage,
ratings out of range); an invalid one becomes a :class:`Rejected` with a reason, never a row.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dataset_builder import console, semver
from dataset_builder.annotate.config import TEXT_KEY
from dataset_builder.annotate.contributor import task_contributor
from dataset_builder.annotate.pseudonym import contributor_identity, pseudonymise, user_identity
from dataset_builder.io import sha256_text
from dataset_builder.schemas._common import ISO_TIME, PASSAGE_ID
from dataset_builder.taxonomy import ADDED_IN_MINOR, Field, Taxonomy
from dataset_builder.taxonomy import load as load_taxonomy

NOTES = "notes"
# The gate answer that says there is nothing to mark: spans under it are dropped.
NO_AI = "absent"
_PASSAGE = re.compile(PASSAGE_ID)
_TIME = re.compile(ISO_TIME)


def label_columns(tax: Taxonomy | None = None) -> tuple[str, ...]:
    """An annotation's content columns, in table order: every label field of the taxonomy
    (default: the project's), then the notes. Their values fingerprint the annotation."""
    return (*(tax if tax is not None else load_taxonomy()).field_ids(), NOTES)


def empty_labels(tax: Taxonomy) -> dict[str, Any]:
    """Every label field unanswered: None, or an empty list for multi-choice and spans."""
    return {f.id: [] if f.kind in ("multi", "spans") else None for f in tax.fields}


# field id -> (field, its choice ids, choice id -> taxonomy position)
Control = tuple[Field, tuple[str, ...], dict[str, int]]


class InvalidAnnotation(ValueError):
    """One annotation that does not fit the labeling config; the message is the reason."""


@dataclass(frozen=True)
class Context:
    """What a row needs besides the export: where it came from and how to name people."""

    taxonomy: Taxonomy
    project: str
    guideline_version: str
    key: bytes
    adjudication: bool = False
    # "" for pulls from our server ("<project id>:<annotation id>"); imports get a prefix so
    # a contributor's local ids never collide with the server's.
    id_prefix: str = ""
    # Label Studio user id -> email, when the server told us (pull). Never written anywhere.
    emails: Mapping[int, str] = field(default_factory=dict)
    # For sync/snapshot exports without emails: the contributor's email (import only).
    fallback_email: str | None = None
    # Looked up for every result item, so built once (hashing a Taxonomy is not cheap).
    controls: dict[str, Control] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "controls", controls(self.taxonomy))


@dataclass(frozen=True)
class Rejected:
    """An annotation that was not turned into a row, and why (no email or name in here)."""

    reason: str
    task_id: int | None
    annotation_id: str | None
    passage_id: str | None
    annotator: str | None
    updated_at: str | None
    result: Any = None

    def record(self) -> dict[str, Any]:
        return {
            "reason": self.reason, "task_id": self.task_id, "annotation_id": self.annotation_id,
            "passage_id": self.passage_id, "annotator": self.annotator,
            "updated_at": self.updated_at, "result": self.result,
        }


def task_annotations(task: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The annotation objects of a task (anything else is reported by normalise_tasks)."""
    anns = task.get("annotations")
    return [a for a in anns if isinstance(a, Mapping)] if isinstance(anns, list) else []


def load_tasks(payload: Any, source: str) -> list[dict[str, Any]]:
    """The task list of any export shape (a JSON list of task objects)."""
    if isinstance(payload, dict) and isinstance(payload.get("tasks"), list):
        payload = payload["tasks"]
    if not isinstance(payload, list) or not all(isinstance(t, dict) for t in payload):
        raise ValueError(f"{source}: not a Label Studio JSON export (expected a list of tasks; "
                         "export the project as JSON, not JSON_MIN or CSV).")
    return payload


def _identity(task: Mapping[str, Any], ann: Mapping[str, Any], ctx: Context) -> str:
    """Who made the annotation: a volunteer's local installation (the contributor id its
    tasks carry, with the local user id), else the account's e-mail, else the local id."""
    by = ann.get("completed_by")
    contributor = task_contributor(task.get("data"))
    if contributor is not None:
        local = by.get("id") if isinstance(by, Mapping) else by
        if not isinstance(local, int) or isinstance(local, bool):
            raise InvalidAnnotation(f"completed_by {by!r} is not a user id: the annotation "
                                    "cannot be attributed")
        return contributor_identity(contributor, local)
    if isinstance(by, Mapping):  # CLI export shape
        return user_identity(by.get("email"), by.get("id"))
    if isinstance(by, int) and not isinstance(by, bool):
        email = ctx.emails.get(by)
        if email:
            return user_identity(email, by)
        if ctx.fallback_email:
            return user_identity(ctx.fallback_email, None)
        return user_identity(None, by)
    raise InvalidAnnotation(f"completed_by {by!r} is missing or not a user id: the annotation "
                            "cannot be attributed")


def _single(field_id: str, values: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(values, list) or len(values) != 1:
        raise InvalidAnnotation(
            f"{field_id}: a single choice needs exactly one value, got {values!r}")
    value = values[0]
    if value not in allowed:
        raise InvalidAnnotation(f"{field_id}: unknown label {value!r}; expected one of "
                                f"{', '.join(allowed)}")
    return str(value)


def controls(tax: Taxonomy) -> dict[str, Control]:
    """field id -> (field, choice ids, id -> taxonomy position)."""
    return {f.id: (f, f.choice_ids, {c: i for i, c in enumerate(f.choice_ids)})
            for f in tax.fields}


def _apply(row: dict[str, Any], item: Any, ctx: Context, text: str) -> None:
    """Fold one result item into ``row``; raise InvalidAnnotation on anything off-config."""
    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise InvalidAnnotation(f"result item is not a Label Studio region: {item!r}")
    name, value = item.get("from_name"), item["value"]
    if name == NOTES:
        texts = value.get("text")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise InvalidAnnotation(f"notes: expected a list of strings, got {texts!r}")
        note = "\n".join(t for t in texts if t.strip())
        row["notes"] = "\n".join(x for x in (row["notes"], note) if x) or None
        return
    control = ctx.controls.get(str(name))
    if control is None:
        raise InvalidAnnotation(f"unknown control {name!r} (not in the taxonomy "
                                f"{ctx.taxonomy.version}); was the export made with another "
                                "config?")
    fdef, choice_ids, order = control
    if fdef.kind == "single":
        if row[fdef.id] is not None:
            raise InvalidAnnotation(f"{fdef.id}: answered twice")
        row[fdef.id] = _single(fdef.id, value.get("choices"), choice_ids)
    elif fdef.kind == "multi":
        chosen = value.get("choices")
        if not isinstance(chosen, list):
            raise InvalidAnnotation(f"{fdef.id}: expected a list of choices, got {chosen!r}")
        unknown = [c for c in chosen if c not in order]
        if unknown:
            raise InvalidAnnotation(f"{fdef.id}: unknown label(s) {unknown!r}")
        row[fdef.id] = sorted(set(row[fdef.id]) | set(chosen), key=order.__getitem__)
    elif fdef.kind == "rating":
        rating = value.get("rating")
        assert fdef.min is not None and fdef.max is not None
        numeric = isinstance(rating, int | float) and not isinstance(rating, bool)
        if not numeric or rating != int(rating) or not fdef.min <= rating <= fdef.max:
            raise InvalidAnnotation(f"{fdef.id}: rating {rating!r} outside {fdef.min}..{fdef.max}")
        row[fdef.id] = int(rating)
    else:  # spans
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise InvalidAnnotation(f"{fdef.id}: span {start!r}..{end!r} is outside the passage "
                                    f"(0..{len(text)}) or empty")
        if not isinstance(labels, list) or not labels:
            raise InvalidAnnotation(f"{fdef.id}: span {start}..{end} has no label")
        for label in labels:
            if label not in order:
                raise InvalidAnnotation(f"{fdef.id}: unknown label {label!r}; expected one of "
                                        f"{', '.join(choice_ids)}")
            row["spans"].append({"label": str(label), "start": start, "end": end,
                                 "text": text[start:end]})


def _time(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidAnnotation(f"{what} {value!r} is not an ISO time")
    return value


def content_fingerprint(row: Mapping[str, Any], columns: tuple[str, ...] | None = None) -> str:
    """Hash of an annotation's labels (``columns``, default ``label_columns()``) and update
    time: equal iff nothing changed. A field a minor taxonomy version added is left out while
    unanswered, so rows stored before it existed still match their unchanged annotation."""
    payload = {k: plain(row.get(k)) for k in columns or label_columns()
               if k not in ADDED_IN_MINOR or plain(row.get(k)) is not None}
    payload["updated_at"] = row["updated_at"]
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return sha256_text(data)


def plain(value: Any) -> Any:
    """A cell read back from parquet (numpy arrays, NA, NaN) as plain Python values."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case first: this runs for every cell of every pull
    if kind is float:
        return None if value != value else value
    if hasattr(value, "tolist"):
        value = value.tolist()
        kind = type(value)
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if value is pd.NA or (kind is float and value != value):
        return None
    return value


def annotation_key(task: Mapping[str, Any], ann: Mapping[str, Any], ctx: Context) -> str:
    """``<project id>:<annotation id>`` for pulls from our server. Imports come from many
    servers whose ids all start at 1, so their key also names who made the annotation:
    ``import:<annotator pseudonym>:<project id>:<annotation id>``; two volunteers' exports
    never collide, and a re-export of the same annotation keeps its key."""
    local = f"{ann.get('project', task.get('project'))}:{ann.get('id')}"
    if not ctx.id_prefix:
        return local
    try:
        who = pseudonymise(_identity(task, ann, ctx), ctx.key)
    except InvalidAnnotation:
        who = "unattributed"
    return f"{ctx.id_prefix}{who}:{local}"


def annotation_row(task: Mapping[str, Any], ann: Mapping[str, Any], ctx: Context,
                   dropped: list[str] | None = None) -> dict[str, Any]:
    """One annotation -> one row (without row_id/supersedes/pull_id, which the store sets).

    Spans of an annotation that says no AI is present contradict it (typically the
    extractor's pre-filled mentions left in place): they are dropped, and the annotation's
    id is added to ``dropped`` so the caller can say so.
    """
    data = task.get("data")
    if not isinstance(data, Mapping):
        raise InvalidAnnotation("task has no data")
    pid, text = data.get("passage_id"), data.get("text")
    if not isinstance(pid, str) or not _PASSAGE.match(pid):
        raise InvalidAnnotation(f"task data passage_id {pid!r} is not a passage id (p_ + 16 hex); "
                                "was the task pushed by `faip annotate push`?")
    if not isinstance(text, str):
        raise InvalidAnnotation("task data has no text")
    tax_version = str(data.get("taxonomy_version") or ctx.taxonomy.version)
    guide_version = str(data.get("guideline_version") or ctx.guideline_version)
    if not semver.is_semver(guide_version):
        guide_version = ctx.guideline_version
    row: dict[str, Any] = {
        "annotation_id": annotation_key(task, ann, ctx),
        "passage_id": pid, "annotator": pseudonymise(_identity(task, ann, ctx), ctx.key),
        **empty_labels(ctx.taxonomy), "notes": None,
        "lead_time": None, "created_at": _time(ann.get("created_at"), "created_at"),
        "updated_at": _time(ann.get("updated_at") or ann.get("created_at"), "updated_at"),
        "taxonomy_version": tax_version, "guideline_version": guide_version,
        "project": ctx.project, "task_id": task.get("id"), "supersedes": None,
        "tombstone": False, "adjudication": ctx.adjudication,
    }
    lead = ann.get("lead_time")
    if isinstance(lead, int | float) and not isinstance(lead, bool) and lead >= 0:
        row["lead_time"] = float(lead)
    result = ann.get("result")
    if not isinstance(result, list):
        raise InvalidAnnotation("annotation has no result list")
    for item in result:
        _apply(row, item, ctx, text)
    if row["ai_present"] is None:
        raise InvalidAnnotation("ai_present is not answered (it is required)")
    if row["ai_present"] == NO_AI and row["spans"]:
        row["spans"] = []
        if dropped is not None:
            dropped.append(row["annotation_id"])
    row["spans"].sort(key=lambda s: (s["start"], s["end"], s["label"]))
    return row


def normalise_tasks(tasks: Iterable[Mapping[str, Any]], ctx: Context
                    ) -> tuple[list[dict[str, Any]], list[Rejected], set[str]]:
    """Rows of every valid annotation, the rejects, and every annotation id seen.

    Cancelled (skipped) annotations carry no labels and are not annotations for the table.
    """
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    dropped: list[str] = []
    drafts_only: list[str] = []
    for task in tasks:
        anns = task.get("annotations") or []
        if task.get("drafts") and not any(isinstance(a, Mapping) and not a.get("was_cancelled")
                                          for a in (anns if isinstance(anns, list) else [])):
            data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
            drafts_only.append(str(data.get("passage_id") or f"task {task.get('id')}"))
        if not isinstance(anns, list):
            rejected.append(Rejected(
                reason=f"annotations is {type(anns).__name__}, not a list of annotations",
                task_id=task.get("id"), annotation_id=None, passage_id=None, annotator=None,
                updated_at=None))
            continue
        for ann in anns:
            if not isinstance(ann, Mapping):
                rejected.append(Rejected(
                    reason=f"an annotation is {type(ann).__name__}, not an object",
                    task_id=task.get("id"), annotation_id=None, passage_id=None,
                    annotator=None, updated_at=None))
                continue
            if ann.get("was_cancelled"):
                continue
            ann_id = annotation_key(task, ann, ctx)
            seen.add(ann_id)
            try:
                rows.append(annotation_row(task, ann, ctx, dropped))
            except InvalidAnnotation as exc:
                data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
                try:
                    who = pseudonymise(_identity(task, ann, ctx), ctx.key)
                except InvalidAnnotation:
                    who = None
                rejected.append(Rejected(
                    reason=str(exc), task_id=task.get("id"), annotation_id=ann_id,
                    passage_id=data.get("passage_id"), annotator=who,
                    updated_at=ann.get("updated_at"), result=ann.get("result"),
                ))
    if dropped:
        console.warn(f"{len(dropped)} annotation(s) answer ai_present={NO_AI} but mark spans "
                     f"(e.g. {dropped[0]}); their spans were dropped: with no artificial mind "
                     "there is nothing to mark.")
    if drafts_only:
        # A browser closed (or a task left) before Submit: Label Studio kept a draft, which
        # is not an annotation and is not exported as one.
        console.warn(f"{len(drafts_only)} passage(s) have a draft that was never submitted "
                     f"(e.g. {drafts_only[0]}): open them in Label Studio, press Submit, then "
                     "export again to include them.")
    return rows, rejected, seen


def row_to_result(row: Mapping[str, Any], tax: Taxonomy) -> list[dict[str, Any]]:
    """The inverse: a row's labels as a Label Studio result (adjudication predictions)."""
    row = {k: plain(v) for k, v in row.items()}
    out: list[dict[str, Any]] = []
    for f in tax.fields:
        value = row.get(f.id)
        if f.kind == "single" and isinstance(value, str):
            out.append(_region(f.id, "choices", {"choices": [value]}))
        elif f.kind == "multi" and value is not None and len(value):
            out.append(_region(f.id, "choices", {"choices": [str(v) for v in value]}))
        elif f.kind == "rating" and value is not None:
            out.append(_region(f.id, "rating", {"rating": int(value)}))
        elif f.kind == "spans" and value is not None:
            for s in value:
                out.append(_region(f.id, "labels", {
                    "start": int(s["start"]), "end": int(s["end"]), "text": str(s["text"]),
                    "labels": [str(s["label"])]}))
    notes = row.get("notes")
    if isinstance(notes, str) and notes:
        out.append(_region(NOTES, "textarea", {"text": [notes]}))
    return out


def _region(name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    region_id = hashlib.sha256(json.dumps([name, value], sort_keys=True).encode()).hexdigest()[:10]
    return {"id": region_id, "from_name": name, "to_name": TEXT_KEY, "type": kind, "value": value}
