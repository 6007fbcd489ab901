"""Stable train/validation/test splits, grouped by work and stratified by dominant persona.

The assignment lives in a committed CSV (``splits/splits.csv``: work_id, split, version).
A work already in the file never moves; new works are placed one by one, in an order given
by a seeded hash, into the split whose share (within the work's stratum, then overall) lags
its target ratio the most — so the result is deterministic, seedable and stable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dataset_builder import semver
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text
from dataset_builder.project import Project

SPLITS: tuple[str, ...] = ("train", "validation", "test")
COLUMNS: tuple[str, ...] = ("work_id", "split", "version")
UNRELEASED = "unreleased"
UNLABELED = "(unlabeled)"


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"80/10/10"`` -> (0.8, 0.1, 0.1); any three non-negative numbers with a positive sum."""
    parts = text.split("/")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    # nan and inf compare False with everything: they would pass the checks below.
    if len(values) != 3 or not all(math.isfinite(v) for v in values) or min(values) < 0 \
            or sum(values) <= 0:
        raise UserError(
            f"--ratios {text!r}: expected three numbers train/validation/test such as 80/10/10."
        )
    total = sum(values)
    return (values[0] / total, values[1] / total, values[2] / total)


def read_splits(path: str | Path) -> pd.DataFrame:
    """Read and check the splits file; a missing file is an empty assignment."""
    p = Path(path)
    if not p.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{p}: not UTF-8 text (byte {exc.start}); restore the file from git or "
                        "delete it and run `faip split`.") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != list(COLUMNS):
        raise UserError(
            f"{p}: line 1: header {header!r}, expected {','.join(COLUMNS)}. "
            "Restore the file from git or delete it and run `faip split`."
        )
    rows: list[tuple[str, str, str]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 3:
            problems.append(f"line {line_no}: expected 3 fields, found {len(row)}")
            continue
        work_id, split, version = (cell.strip() for cell in row)
        if split not in SPLITS:
            problems.append(f"line {line_no}: split {split!r} is not one of {', '.join(SPLITS)}")
        if version != UNRELEASED and not semver.is_semver(version):
            problems.append(f"line {line_no}: version {version!r} is not X.Y.Z or {UNRELEASED}")
        if work_id in seen:
            problems.append(f"line {line_no}: work {work_id!r} already assigned on line "
                            f"{seen[work_id]}")
        seen[work_id] = line_no
        rows.append((work_id, split, version))
    if problems:
        raise UserError(f"{p}: the splits file is damaged:\n  " + "\n  ".join(problems)
                        + "\nFix these lines (git diff shows what changed); a released work "
                        "must keep its split.")
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_splits(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write the file sorted by work id, so that a new version's diff shows only new rows."""
    ordered = frame.sort_values("work_id", kind="stable")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(ordered[list(COLUMNS)].itertuples(index=False, name=None))
    atomic_write_text(path, out.getvalue())
    return Path(path)


def dominant_persona(passages: pd.DataFrame, labels: pd.DataFrame | None,
                     persona_order: tuple[str, ...]) -> dict[str, str]:
    """Per work: its most frequent gold persona (ties -> taxonomy order), else UNLABELED."""
    strata = {w: UNLABELED for w in passages["work_id"].unique()}
    if labels is None or labels.empty:
        return strata
    joined = labels[["passage_id", "persona"]].merge(
        passages[["passage_id", "work_id"]], on="passage_id", how="inner"
    )
    joined = joined[joined["persona"].notna()]
    rank = {p: i for i, p in enumerate(persona_order)}
    for work_id, group in joined.groupby("work_id", sort=True):
        counts = Counter(group["persona"])
        strata[str(work_id)] = min(counts, key=lambda p: (-counts[p], rank.get(p, len(rank)), p))
    return strata


def _hash_key(seed: int, work_id: str) -> str:
    return hashlib.sha256(f"{seed}:{work_id}".encode()).hexdigest()


@dataclass(frozen=True)
class SplitResult:
    assignment: pd.DataFrame
    added: int
    kept: int
    strata: dict[str, str]


def assign(work_ids: list[str], strata: dict[str, str], existing: pd.DataFrame,
           seed: int = 0, ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> SplitResult:
    """Assign every work of ``work_ids`` not in ``existing`` to a split; never move old ones."""
    known = dict(zip(existing["work_id"], existing["split"], strict=True))
    overall: Counter[str] = Counter(known.values())
    by_stratum: dict[str, Counter[str]] = {}
    for work_id, split in known.items():
        by_stratum.setdefault(strata.get(work_id, UNLABELED), Counter())[split] += 1
    new = sorted({w for w in work_ids if w not in known},
                 key=lambda w: (strata.get(w, UNLABELED), _hash_key(seed, w)))
    rows = [tuple(r) for r in existing[list(COLUMNS)].itertuples(index=False, name=None)]
    for work_id in new:
        local = by_stratum.setdefault(strata.get(work_id, UNLABELED), Counter())
        n_local, n_all = sum(local.values()) + 1, sum(overall.values()) + 1

        def lag(i: int, s: str, n_local: int = n_local, n_all: int = n_all,
                local: Counter[str] = local) -> tuple[float, int]:
            deficit = (ratios[i] * n_local - local[s]) + (ratios[i] * n_all - overall[s])
            return (deficit if ratios[i] > 0 else float("-inf"), -i)

        split = max(SPLITS, key=lambda s: lag(SPLITS.index(s), s))
        local[split] += 1
        overall[split] += 1
        rows.append((work_id, split, UNRELEASED))
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).sort_values("work_id", kind="stable")
    return SplitResult(frame.reset_index(drop=True), len(new), len(known), strata)


def assign_splits(workdir: str | Path, splits_path: str | Path | None = None, seed: int = 0,
                  ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
                  write: bool = True, project: Project | None = None) -> SplitResult:
    """Read the work dir, assign new works, and (by default) write the splits file
    (default: ``project``'s, ``Project.find()``).

    The tables are validated first (a damaged works table must not put bad ids into the
    committed file), and the splits file's folder is locked from read to write."""
    from dataset_builder import taxonomy
    from dataset_builder.lock import directory_lock
    from dataset_builder.validate.checked import read_valid

    root = Path(workdir)
    proj = project or Project.find()
    path = Path(splits_path) if splits_path is not None else proj.splits
    if write:
        proj.check_writable(path, "splits file", "--splits")
    tables = read_valid(root, ("works", "passages"), f"{path} was not written",
                        optional=("labels",))
    strata = dominant_persona(tables["passages"], tables.get("labels"),
                              taxonomy.load().ids("persona"))
    for work_id in tables["works"]["work_id"]:
        strata.setdefault(str(work_id), UNLABELED)
    if not write:
        return assign(sorted(strata), strata, read_splits(path), seed, ratios)
    with directory_lock(path.parent, "split"):
        result = assign(sorted(strata), strata, read_splits(path), seed, ratios)
        write_splits(path, result.assignment)
    return result


def split_of_works(splits: pd.DataFrame, work_ids: pd.Series, splits_path: str | Path) -> pd.Series:
    """The split of each work id; a work without one is a UserError that says to run split."""
    index = pd.Index(splits["work_id"].astype(object))
    positions = index.get_indexer(work_ids.astype(object))
    missing = sorted(set(work_ids[positions < 0]))
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        shown = ", ".join(missing[:5]) + more
        raise UserError(
            f"{splits_path}: {len(missing)} work(s) with passages have no split ({shown}). "
            f"Run `faip split --workdir W --splits {splits_path}` and commit the file."
        )
    # get_indexer, not Series.map(dict): the latter is a Python loop over 100k+ rows.
    return pd.Series(splits["split"].to_numpy()[positions], index=work_ids.index)


def check_leakage(passages: pd.DataFrame, split: pd.Series) -> list[str]:
    """Near-duplicate passages (duplicate_of links, equal text_sha256) that sit in two splits."""
    problems: list[str] = []
    linked = passages["duplicate_of"].notna().to_numpy()
    if linked.any():
        where = dict(zip(passages["passage_id"], split, strict=True))
        for pid, dup in zip(passages["passage_id"][linked], passages["duplicate_of"][linked],
                            strict=True):
            if dup in where and where[dup] != where[pid]:
                problems.append(f"passage {pid} ({where[pid]}) duplicates {dup} ({where[dup]})")
    frame = pd.DataFrame({"sha": passages["text_sha256"].to_numpy(),
                          "split": split.to_numpy(), "pid": passages["passage_id"].to_numpy()})
    spread = frame.groupby("sha")["split"].nunique()
    for sha in spread[spread > 1].index:
        group = frame[frame["sha"] == sha].sort_values("pid")
        pairs = ", ".join(f"{p} ({s})" for p, s in zip(group["pid"], group["split"], strict=True))
        problems.append(f"identical text sha256 {sha[:12]}… in {pairs}")
    return problems
