"""``faip annotate check``: is a contribution (a Label Studio JSON export) fit to commit?

A pull request adds a volunteer's export under ``data/contrib/``; this check runs on it in
the test suite and says, one line per problem: the taxonomy version it was labelled with,
every annotation against the taxonomy and the table schema, the passages' ids and texts
against the release, no e-mail address, name or token anywhere (notes included), no
duplicates, and the contributor's consent to CC BY 4.0. Nothing is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataset_builder import taxonomy
from dataset_builder.annotate.config import guideline
from dataset_builder.annotate.contributor import CONSENT_KEY, LICENCE
from dataset_builder.annotate.export_rows import (
    Context,
    load_tasks,
    normalise_tasks,
    task_annotations,
)
from dataset_builder.annotate.pull import check_taxonomy_version, require_attribution
from dataset_builder.annotate.store import schema_filter
from dataset_builder.errors import UserError
from dataset_builder.io import sha256_text
from dataset_builder.release.scan import PATTERNS

# Keys of Label Studio exports that hold a person's name or address (the CLI export's
# completed_by object, comment authors, ...): any non-empty value is refused.
PERSONAL_KEYS = frozenset({"email", "first_name", "last_name", "username", "created_username",
                           "phone", "avatar"})
SECRET_PATTERNS = {name: re.compile(p) for name, p in PATTERNS.items()}
# Only to count contributors and find duplicates: the check stores no pseudonym.
_CHECK_KEY = b"faip annotate check"
CONTRIB_DIR = "data/contrib"


@dataclass
class CheckReport:
    source: Path
    problems: list[str] = field(default_factory=list)
    annotations: int = 0
    contributors: int = 0
    passages: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (f"{self.source}: ok — {self.annotations} annotation(s) by "
                    f"{self.contributors} contributor(s) on {self.passages} passage(s)")
        return f"{self.source}: {len(self.problems)} problem(s); fix them and export again"


def _strings(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(JSON path, key, value) of every leaf of a parsed JSON document."""
    if isinstance(value, dict):
        if isinstance(value.get("from_name"), str):  # name the question of a result item
            path += f"({value['from_name']})"
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}")
            if not isinstance(v, dict | list):
                yield f"{path}.{k}", str(k), v
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")
            if not isinstance(v, dict | list):
                yield f"{path}[{i}]", "", v


def personal_data(payload: Any) -> list[str]:
    """Where the export holds an e-mail address, a name or a token (never the value)."""
    found = []
    for where, key, value in _strings(payload, "export"):
        if key in PERSONAL_KEYS and value not in (None, "", 0):
            found.append(f"{where}: a personal field ({key}); export from the web page "
                         "(Export -> JSON), which names annotators by a local id only")
            continue
        if isinstance(value, str):
            for what, rx in SECRET_PATTERNS.items():
                if rx.search(value):
                    found.append(f"{where}: contains {what}; remove it (edit the note in "
                                 "Label Studio) and export again")
    return found


def _duplicates(tasks: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[str]:
    out = []
    ids = Counter(t.get("id") for t in tasks)
    out += [f"task id {i} appears {n} times" for i, n in ids.items() if n > 1]
    pids = Counter(t["data"].get("passage_id") for t in tasks if isinstance(t.get("data"), dict))
    out += [f"passage {p} is in {n} tasks" for p, n in pids.items() if n > 1]
    keys = Counter(r["annotation_id"] for r in rows)
    out += [f"annotation {k} appears {n} times" for k, n in keys.items() if n > 1]
    pairs = Counter((r["passage_id"], r["annotator"]) for r in rows)
    out += [f"passage {p} is annotated {n} times by the same contributor; delete all but one "
            "in Label Studio" for (p, _), n in pairs.items() if n > 1]
    return out


def _consent(tasks: list[dict[str, Any]]) -> list[str]:
    missing = [t.get("id") for t in tasks if task_annotations(t)
               and (not isinstance(t.get("data"), dict) or t["data"].get(CONSENT_KEY) != LICENCE)]
    if not missing:
        return []
    shown = ", ".join(str(i) for i in missing[:5]) + (" …" if len(missing) > 5 else "")
    return [f"{len(missing)} annotated task(s) record no consent to {LICENCE} (tasks {shown});"
            " annotate in a project made by `faip annotate serve --agree-cc-by`"]


def _against_release(tasks: list[dict[str, Any]], release: str, endpoint: str | None
                     ) -> list[str]:
    from dataset_builder.annotate.release_source import open_release, read_passages

    with tempfile.TemporaryDirectory(prefix="faip-check-") as cache:
        folder, label = open_release(release, Path(cache), endpoint)
        passages = read_passages(folder).set_index("passage_id")
    out = []
    for t in tasks:
        data = t.get("data") if isinstance(t.get("data"), dict) else {}
        pid, text = data.get("passage_id"), data.get("text")
        if pid not in passages.index:
            out.append(f"task {t.get('id')}: passage {pid} is not in {label}")
            continue
        row = passages.loc[pid]
        if isinstance(text, str) and sha256_text(text) != row["text_sha256"]:
            out.append(f"task {t.get('id')}: the text of passage {pid} differs from {label}'s")
        elif isinstance(text, str) and bool(row["text_withheld"]):
            out.append(f"task {t.get('id')}: holds the text of passage {pid}, whose work may "
                       "not be redistributed; do not commit this file: send it to a "
                       "maintainer privately")
    return out


def check_export(path: str | Path, release: str | None = None,
                 endpoint: str | None = None) -> CheckReport:
    """Every problem of one contribution file (an empty list: fit to commit)."""
    source = Path(path)
    report = CheckReport(source)
    try:
        payload = json.loads(source.read_text(encoding="utf-8"))
        tasks = load_tasks(payload, str(source))
    except OSError as exc:
        raise UserError(f"{source}: cannot read the export ({exc.strerror}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        report.problems.append(f"not JSON ({exc}); export the project as JSON")
        return report
    except ValueError as exc:
        report.problems.append(str(exc).removeprefix(f"{source}: "))
        return report
    tax = taxonomy.load()
    ctx = Context(taxonomy=tax, project="contribution", guideline_version=guideline(tax).version,
                  key=_CHECK_KEY, id_prefix="import:")
    for step in (lambda: check_taxonomy_version(tasks, tax, str(source)),
                 lambda: require_attribution(tasks, ctx, source)):
        try:
            step()
        except UserError as exc:
            report.problems.append(str(exc).removeprefix(f"{source}: "))
    rows, rejected, _ = normalise_tasks(tasks, ctx)
    rows, schema_rejects = schema_filter(rows)
    report.problems += [f"task {r.task_id}: {r.reason}" for r in rejected + schema_rejects]
    for t in tasks:
        data = t.get("data") if isinstance(t.get("data"), dict) else {}
        text, sha = data.get("text"), data.get("text_sha256")
        if isinstance(text, str) and isinstance(sha, str) and sha256_text(text) != sha:
            report.problems.append(f"task {t.get('id')}: the text does not match its "
                                   "text_sha256 (edited?)")
    report.problems += personal_data(payload)
    report.problems += _duplicates(tasks, rows)
    report.problems += _consent(tasks)
    if release is not None:
        report.problems += _against_release(tasks, release, endpoint)
    report.annotations = len(rows)
    report.contributors = len({r["annotator"] for r in rows})
    report.passages = len({r["passage_id"] for r in rows})
    return report
