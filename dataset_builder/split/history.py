"""A released work never changes split: where a work was released, from the previous release
folder and from the splits file's own committed history (git).

Users compare results across versions; a work moved from train to test would leak what a
model was trained on into what it is tested on. So ``faip release`` refuses when any work's
split differs from the split it was released in, and names the works.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from dataset_builder.errors import UserError
from dataset_builder.split.assign import SPLITS, UNRELEASED

# work_id -> (split, where that split was recorded)
Released = dict[str, tuple[str, str]]


def from_release(folder: Path) -> Released:
    """The split of every work of a release folder (its ``works`` config)."""
    out: Released = {}
    for shard in sorted((folder / "data" / "works").glob("*.parquet")):
        try:
            table = pq.read_table(shard, columns=["work_id", "split"])
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise UserError(f"{shard}: cannot read the released works ({exc}); is --previous "
                            "a release folder built by `faip release`?") from exc
        for work_id, split in zip(*(table.column(c).to_pylist() for c in ("work_id", "split")),
                                  strict=True):
            if split is not None:
                out[str(work_id)] = (str(split), str(folder))
    return out


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None  # no git here: the history check is skipped, --previous still applies
    return done.stdout if done.returncode == 0 else None


def from_git(splits_file: Path) -> Released:
    """Per work, the split of its first committed row stamped with a version (oldest commit
    first); empty when the file is not in a git repository."""
    path = splits_file.resolve()
    commits = _git(path.parent, "log", "--reverse", "--format=%H", "--", path.name)
    if not commits:
        return {}
    top = _git(path.parent, "rev-parse", "--show-toplevel")
    if top is None:
        return {}
    rel = path.relative_to(Path(top.strip()).resolve()).as_posix()
    out: Released = {}
    for commit in commits.split():
        text = _git(path.parent, "show", f"{commit}:{rel}")
        if text is None:
            continue
        for row in csv.reader(io.StringIO(text)):
            if len(row) != 3:
                continue
            work_id, split, version = (cell.strip() for cell in row)
            if split in SPLITS and version not in (UNRELEASED, "version") and work_id not in out:
                out[work_id] = (split, f"{rel} as committed in {commit[:10]} ({version})")
    return out


def moved_works(current: pd.DataFrame, *sources: Released) -> list[str]:
    """One line per work of ``current`` (the splits file) whose split differs from a split it
    was released in."""
    now = dict(zip(current["work_id"], current["split"], strict=True))
    lines: list[str] = []
    for work_id in sorted(now):
        for source in sources:
            if work_id in source and source[work_id][0] != now[work_id]:
                split, where = source[work_id]
                lines.append(f"{work_id}: {split} in {where}, {now[work_id]} now")
                break
    return lines


def refuse_moves(splits_file: Path, current: pd.DataFrame, previous: Path | None) -> None:
    """UserError naming every released work whose split changed."""
    sources = [from_release(previous)] if previous is not None else []
    sources.append(from_git(splits_file))
    moved = moved_works(current, *sources)
    if moved:
        shown = "\n  ".join(moved[:20])
        more = f"\n  … and {len(moved) - 20} more" if len(moved) > 20 else ""
        raise UserError(
            f"{splits_file}: {len(moved)} released work(s) changed split; nothing was "
            f"released:\n  {shown}{more}\nA released work never moves (results across "
            "versions would not be comparable, and test data could have been trained on): "
            "restore their rows (`git checkout` the file) and rerun.")
