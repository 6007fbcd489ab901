"""Regenerate the embedded sample's Label Studio export from the committed label table.

The labels in ``dataset_builder/sample/annotations/labels.yaml`` were decided by reading each
passage of the sample corpus. This module replays them through a real Label Studio server:
push the passages, annotate every task as three demo accounts (via ``completed_by``), export,
and write ``sample_export.json`` in the CLI export shape (``completed_by`` with the account's
email) so that ``faip annotate import`` can attribute the annotators.

    python tools/regenerate_sample_annotations.py --workdir work/sample-annotations

runs collect + extract on the sample, starts a throwaway Label Studio, and rewrites the file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dataset_builder import console, paths, taxonomy
from dataset_builder.annotate import client as lsc
from dataset_builder.annotate.config import TEXT_KEY
from dataset_builder.annotate.export_rows import plain
from dataset_builder.annotate.pull import snapshot_export
from dataset_builder.annotate.push import push
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text

LABELS_FILE = paths.SAMPLE_ANNOTATIONS / "labels.yaml"
EXPORT_FILE = paths.SAMPLE_ANNOTATIONS / "sample_export.json"
PROJECT = "FAIP sample"
# Keys of labels.yaml besides the taxonomy's non-span fields: quotes marked as evidence
# spans, the extractor mentions an annotator skips or adds, and free notes.
_SPAN_KEYS = ("evidence", "skip_mentions", "extra_mentions", "notes")


def _label_keys(tax: taxonomy.Taxonomy) -> tuple[str, ...]:
    return (*tax.field_ids(("single", "multi", "rating")), *_SPAN_KEYS)
# Per-annotator span habits (the `habits` table of labels.yaml): how each demo annotator
# marks the extractor's AI mentions, so the three accounts' spans differ as real ones do.
_HABITS = ("mention_determiner", "mention_max_repeats")
_DETERMINER = re.compile(r"\b(?:the|a|an|The|A|An)\s+$")


@dataclass(frozen=True)
class Entry:
    work: str
    starts: str
    labels: dict[str, dict[str, Any]]  # annotator key -> that annotator's full labels


@dataclass(frozen=True)
class Habits:
    """How one annotator marks AI mentions across all passages."""

    mention_determiner: bool = False  # "the robot", not "robot", for bare nouns and names
    mention_max_repeats: int | None = None  # marks at most this many mentions of one term


def _squash(text: str) -> str:
    return " ".join(text.split())


def load_habits(path: Path = LABELS_FILE) -> dict[str, Habits]:
    """Annotator key -> that annotator's span habits (defaults when not listed)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for key in raw["annotators"]:
        given = (raw.get("habits") or {}).get(key) or {}
        unknown = set(given) - set(_HABITS)
        if unknown:
            raise UserError(f"{path}: habits of annotator {key}: unknown field(s) "
                            f"{sorted(unknown)}; allowed: {_HABITS}")
        repeats = given.get("mention_max_repeats")
        if repeats is not None and (not isinstance(repeats, int) or repeats < 1):
            raise UserError(f"{path}: habits of annotator {key}: mention_max_repeats is "
                            f"{repeats!r}; expected a whole number >= 1 or null.")
        out[key] = Habits(**given)
    return out


def _still_valid(decided: str, current: str) -> bool:
    """Labels decided for an earlier MINOR version of the same major stay valid: a minor
    version only adds fields (``ai_role`` in 1.1.0), which the sample leaves unanswered."""
    try:
        had = tuple(int(x) for x in decided.split("."))
        has = tuple(int(x) for x in current.split("."))
    except ValueError:
        return False
    return had[0] == has[0] and had <= has


def load_label_table(path: Path = LABELS_FILE) -> tuple[dict[str, str], list[Entry]]:
    """Annotator key -> demo email, and one Entry per passage with each annotator's labels."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tax = taxonomy.load()
    if not _still_valid(str(raw.get("taxonomy_version")), tax.version):
        raise UserError(f"{path}: labels were decided for taxonomy {raw.get('taxonomy_version')}"
                        f", this checkout has {tax.version}; review the labels first.")
    annotators: dict[str, str] = raw["annotators"]
    entries = []
    for i, item in enumerate(raw["passages"]):
        base = item.get("all", {})
        per = {k: {**base, **item.get(k, {})} for k in annotators}
        for key, labels in per.items():
            unknown = set(labels) - set(_label_keys(tax))
            if unknown:
                raise UserError(f"{path}: passage #{i + 1} ({item['starts']!r}), annotator {key}:"
                                f" unknown field(s) {sorted(unknown)}; "
                                f"allowed: {_label_keys(tax)}")
        entries.append(Entry(item["work"], _squash(item["starts"]), per))
    return annotators, entries


def match_entries(passages: pd.DataFrame, entries: list[Entry]) -> dict[str, Entry]:
    """passage_id -> Entry: the entry of the same work whose `starts` quote occurs earliest
    in the passage. Every passage needs one (else the labels must be reviewed); an entry may
    go unused when the extractor no longer makes its passage."""
    found: dict[str, Entry] = {}
    used: set[int] = set()
    for row in passages.itertuples():
        text = _squash(str(row.text))
        hits = sorted((text.find(e.starts), i) for i, e in enumerate(entries)
                      if e.work == row.work_id and e.starts in text)
        if not hits:
            raise UserError(f"passage {row.passage_id} ({row.work_id}, starts {text[:50]!r}) "
                            f"matches no entry of {LABELS_FILE}; the extractor's windows "
                            "changed: read the passage and add an entry for it.")
        index = hits[0][1]
        if index in used:
            raise UserError(f"{LABELS_FILE}: entry {entries[index].starts!r} matches two "
                            f"passages of {row.work_id}; give each passage its own entry.")
        found[str(row.passage_id)] = entries[index]
        used.add(index)
    skipped = len(entries) - len(used)
    if skipped:
        console.info(f"{skipped} entr(ies) of {LABELS_FILE.name} match no passage (skipped).")
    return found


def _find(text: str, quote: str, where: str) -> tuple[int, int] | None:
    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    if not m:
        console.warn(f"{LABELS_FILE.name}: {where}: quote {quote!r} is no longer in "
                     "the passage; span left out.")
        return None
    return m.start(), m.end()


def mention_spans(labels: dict[str, Any], habits: Habits, text: str,
                  evidence: list[dict[str, Any]], where: str) -> list[tuple[int, int]]:
    """The ai_mention spans one annotator marks: the extractor's mentions minus the terms
    they skip here and the repeats beyond their habit, widened to a preceding determiner
    if that is their habit, plus the mentions the extractor missed that they add."""
    skip = set(labels.get("skip_mentions") or [])
    seen: dict[str, int] = {}
    out = []
    for ev in sorted(evidence, key=lambda e: int(e["start"])):
        term = str(ev["term"])
        if term in skip:
            continue
        seen[term.lower()] = seen.get(term.lower(), 0) + 1
        if habits.mention_max_repeats and seen[term.lower()] > habits.mention_max_repeats:
            continue
        start, end = int(ev["start"]), int(ev["end"])
        if habits.mention_determiner:
            det = _DETERMINER.search(text[max(0, start - 5):start])
            if det:
                start -= len(det.group(0))
        out.append((start, end))
    for quote in labels.get("extra_mentions") or []:
        found = _find(text, quote, where)
        if found is not None:
            out.append(found)
    return out


def result_for(labels: dict[str, Any], text: str, evidence: list[dict[str, Any]],
               where: str, habits: Habits | None = None) -> list[dict[str, Any]]:
    """One annotator's labels as a Label Studio result."""
    def choice(name: str, values: list[str]) -> dict[str, Any]:
        return {"id": f"{name}", "from_name": name, "to_name": TEXT_KEY, "type": "choices",
                "value": {"choices": values}}

    def span(i: str, start: int, end: int, label: str) -> dict[str, Any]:
        return {"id": i, "from_name": "spans", "to_name": TEXT_KEY, "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end],
                          "labels": [label]}}

    out = [choice("ai_present", [labels["ai_present"]])]
    for name in ("persona", "stance", "outcome"):
        if labels.get(name):
            out.append(choice(name, [labels[name]]))
    if labels.get("traits"):
        out.append(choice("traits", list(labels["traits"])))
    if labels.get("role_model") is not None:
        out.append({"id": "role_model", "from_name": "role_model", "to_name": TEXT_KEY,
                    "type": "rating", "value": {"rating": int(labels["role_model"])}})
    if labels["ai_present"] != "absent":
        marked = mention_spans(labels, habits or Habits(), text, evidence, where)
        for i, (start, end) in enumerate(marked):
            out.append(span(f"m{i}", start, end, "ai_mention"))
    for i, quote in enumerate(labels.get("evidence") or []):
        found = _find(text, quote, where)
        if found is not None:
            out.append(span(f"e{i}", *found, "evidence"))
    if labels.get("notes"):
        out.append({"id": "notes", "from_name": "notes", "to_name": TEXT_KEY,
                    "type": "textarea", "value": {"text": [labels["notes"]]}})
    return out


def _user_ids(client: Any, url: str, annotators: dict[str, str]) -> dict[str, int]:
    existing = lsc.user_emails(client, url)
    by_email = {email: uid for uid, email in existing.items()}
    ids = {}
    for key, email in annotators.items():
        if email not in by_email:
            user = lsc.call(url, "creating a demo annotator", client.users.create,
                            username=f"sample-{key}", email=email)
            by_email[email] = int(user.id)
        ids[key] = by_email[email]
    return ids


def to_cli_shape(tasks: list[dict[str, Any]], emails: dict[int, str]) -> list[dict[str, Any]]:
    """The `label-studio export` shape: completed_by is {id, email, first_name, last_name}."""
    for task in tasks:
        for ann in task.get("annotations") or []:
            uid = ann.get("completed_by")
            if isinstance(uid, int):
                ann["completed_by"] = {"id": uid, "email": emails.get(uid, ""),
                                       "first_name": "", "last_name": ""}
    return tasks


def build_sample_export(workdir: str | Path, ls_url: str, token: str,
                        out: Path = EXPORT_FILE, project: str = PROJECT) -> Path:
    """Push W/passages.parquet, annotate it from labels.yaml as 3 accounts, export to ``out``."""
    workdir = Path(workdir)
    passages = pd.read_parquet(workdir / "passages.parquet")
    passages = passages[passages["duplicate_of"].isna() & passages["text"].notna()]
    annotators, entries = load_label_table()
    habits = load_habits()
    matched = match_entries(passages, entries)
    pushed = push(workdir, ls_url, project, token=token, annotators_per_task=len(annotators))
    client = lsc.connect(ls_url, token)
    proj = lsc.LabelStudioProject(ls_url, client, pushed.project_id, project)
    users = _user_ids(client, ls_url, annotators)
    by_pid = {str(r["passage_id"]): r for r in passages.to_dict("records")}
    tasks = proj.call("listing tasks", client.tasks.list, project=proj.id, page_size=1000)
    for task in tasks:
        pid = task.data["passage_id"]
        row = by_pid[pid]
        done = {a.get("completed_by") for a in (task.annotations or [])
                if isinstance(a, dict)}
        for n, (key, uid) in enumerate(users.items()):
            if uid in done:
                continue
            where = f"{row['work_id']} {matched[pid].starts[:40]!r}, annotator {key}"
            result = result_for(matched[pid].labels[key], row["text"],
                                plain(row["evidence"]) or [], where, habits[key])
            # Plausible reading times: a base per annotator plus reading speed.
            lead = round(25.0 + 8.0 * n + len(row["text"]) / (18.0 + 3 * n), 1)
            proj.call("annotating", client.annotations.create, id=task.id,
                      result=result, completed_by=uid, lead_time=lead)
    exported = to_cli_shape(snapshot_export(proj),
                            {uid: annotators[k] for k, uid in users.items()})
    # One task per line: small, and a regenerated file diffs task by task.
    lines = ",\n".join(json.dumps(t, ensure_ascii=False, sort_keys=True) for t in exported)
    atomic_write_text(out, f"[\n{lines}\n]\n")
    os.chmod(out, 0o644)  # package data: readable by everyone
    return out


def regenerate(workdir: str | Path, ls_bin: str | None = None, out: Path = EXPORT_FILE) -> Path:
    """collect + extract the sample into ``workdir``, start Label Studio, rebuild the export."""
    from dataset_builder.annotate.serve import start_local
    from dataset_builder.collect.gutenberg import collect_gutenberg
    from dataset_builder.extract import run_extract

    collect_gutenberg(str(paths.SAMPLE_MIRROR), workdir)
    run_extract(workdir)
    server = start_local(workdir, ls_bin)
    try:
        return build_sample_export(workdir, server.url, server.login.token, out)
    finally:
        server.stop()

