"""``data/works.csv``: every work the corpus definition selected, how, and its outcome in the
last build (included with N passages; excluded: no passage, not in the mirror, by a reviewer;
failed, with the one-line reason)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from dataset_builder.corpus.selection import Candidate
from dataset_builder.io import atomic_write_text
from dataset_builder.project import Project

WORKS_COLUMNS = ("work_id", "title", "selected_by", "outcome", "passages", "note")
INCLUDED, NO_PASSAGE, ABSENT, FAILED, EXCLUDED = (
    "included", "excluded: no passage", "excluded: not in mirror", "failed",
    "excluded by reviewer")


def write_works_csv(path: str | Path | None, candidates: dict[int, Candidate],
                    outcomes: dict[str, tuple[str, str]], per_work: dict[str, int]) -> Path:
    """data/works.csv: every work considered, how it was selected, and its outcome."""
    target = Path(path) if path is not None else Project.find().works_list
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WORKS_COLUMNS)
    for _, c in sorted(candidates.items()):
        outcome, note = outcomes.get(c.work_id, (ABSENT, ""))
        title = " ".join(c.title.split())
        writer.writerow([c.work_id, title, "; ".join(c.selected_by), outcome,
                         per_work.get(c.work_id, 0), note])
    atomic_write_text(target, buffer.getvalue())
    return target
