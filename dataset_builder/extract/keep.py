"""What a rerun of extract must not lose: the passages of works it had to skip.

A work is skipped when its text is missing, edited or unreadable. Writing the new table
without it would drop its passages -- annotated ones included -- while the run looks fine.
So a run that skipped works with passages in the current table writes nothing and names them,
unless the user says to drop them (``--drop-skipped``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataset_builder.errors import UserError


def _annotated(workdir: Path, passage_ids: set[str]) -> int:
    """How many of ``passage_ids`` the work dir's annotation pulls refer to."""
    seen: set[str] = set()
    for pull in sorted((workdir / "annotations").glob("*.parquet")):
        try:
            seen |= set(pq.read_table(pull, columns=["passage_id"]).column(0).to_pylist())
        except Exception:  # a damaged pull file: validate reports it; count what we can
            continue
    return len(passage_ids & seen)


def refuse_to_drop(workdir: Path, target: Path, skipped: Iterable[str]) -> None:
    """UserError when the table ``target`` holds passages of a ``skipped`` work."""
    skipped = sorted(set(skipped))
    if not skipped or not target.exists():
        return
    try:
        current = pq.read_table(target, columns=["passage_id", "work_id"])
    except Exception:  # an unreadable table has nothing left to lose
        return
    mask = pc.is_in(current.column("work_id"), value_set=pa.array(skipped, pa.string()))
    lost = current.filter(mask)
    if lost.num_rows == 0:
        return
    works = sorted(set(lost.column("work_id").to_pylist()))
    annotated = _annotated(workdir, set(lost.column("passage_id").to_pylist()))
    shown = ", ".join(works[:10]) + (f" and {len(works) - 10} more" if len(works) > 10 else "")
    raise UserError(
        f"{target}: not rewritten: {len(works)} skipped work(s) ({shown}) have "
        f"{lost.num_rows} passage(s) in it, {annotated} of them annotated, which the new "
        "table would lose. Restore their texts (`faip collect`) and rerun, or rerun with "
        "--drop-skipped to drop those passages on purpose.")
