"""Extract passages where an artificial mind appears: works + texts -> passages.parquet.

Python API::

    from dataset_builder.extract import run_extract
    report = run_extract("work", workers=2)            # local process pool
    report = run_extract("work", executor="ray")        # same steps on a Ray cluster

The pipeline is ``read -> detect -> segment -> score`` per work (see :mod:`.steps`), then
``dedup -> write`` over all passages (see :mod:`.sink`). Works are sharded in ``work_id``
order, independent of the number of workers, so every executor writes identical passages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dataset_builder.characters.name import Name
from dataset_builder.errors import UserError
from dataset_builder.extract.steps import ExtractConfig, StepStats, WorkItem, map_steps
from dataset_builder.lock import writes

if TYPE_CHECKING:
    import pandas as pd

# pandas, pyarrow and the table layer are imported inside run_extract: worker processes import
# this package too, and they only need the light step modules.

SHARD_SIZE = 8  # works per task: small enough to balance, big enough to amortise task cost


@dataclass
class ExtractReport:
    path: Path
    n_works: int
    n_passages: int
    n_duplicates: int
    seconds: float
    stats: list[StepStats] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # works whose text could not be used

    def stats_table(self) -> str:
        lines = [f"{'step':<8} {'in':>8} {'out':>8} {'seconds':>8}  counters"]
        for s in self.stats:
            counters = ", ".join(f"{k}={v}" for k, v in sorted(s.counters.items()))
            lines.append(f"{s.name:<8} {s.n_in:>8} {s.n_out:>8} {s.seconds:>8.2f}  {counters}")
        return "\n".join(lines)


def load_names(catalogue: str | Path | None = None) -> tuple[Name, ...]:
    """Catalogue names with their scope (see ``dataset_builder.characters.model.scoped_names``)."""
    from dataset_builder.characters.model import load_catalogue, scoped_names

    return tuple(sorted(set(scoped_names(load_catalogue(catalogue))),
                        key=lambda n: (n.surface, n.character_id, n.work_id or "")))


def _work_items(works: pd.DataFrame, where: Path) -> list[WorkItem]:
    import pandas as pd

    missing = {"work_id", "text_path"} - set(works.columns)
    if missing:
        raise UserError(
            f"{where}: columns {sorted(missing)} missing; expected the works table written by "
            "`faip collect`."
        )
    if works.empty:
        raise UserError(f"{where}: the works table has no rows; run `faip collect` first.")
    # The checks of the works schema extract relies on (pandera itself is imported later, see
    # run_extract): one row per work id, every id a string.
    ids = works["work_id"]
    bad = sorted({repr(w) for w in ids[~ids.map(lambda w: isinstance(w, str) and bool(w))]})
    dupes = sorted(set(ids[ids.duplicated()].astype(str)))
    if bad or dupes:
        problem = (f"work_id values that are not ids: {', '.join(bad[:5])}" if bad
                   else f"work ids listed twice: {', '.join(dupes[:5])}")
        raise UserError(f"{where}: {problem}; rerun `faip collect` (`faip validate` lists "
                        "every problem).")
    items = []
    subjects = works["subjects"] if "subjects" in works else pd.Series([[]] * len(works))
    digests = works["sha256"] if "sha256" in works else pd.Series([None] * len(works))
    for work_id, text_path, subj, digest in zip(works["work_id"], works["text_path"], subjects,
                                                digests, strict=True):
        items.append(WorkItem(
            str(work_id), str(text_path),
            tuple(str(s) for s in subj) if subj is not None and not isinstance(subj, str) else (),
            str(digest) if isinstance(digest, str) else None,
        ))
    items.sort(key=lambda item: item.work_id)
    return items


@writes("extract", "workdir")
def run_extract(
    workdir: str | Path,
    workers: int = 1,
    executor: str = "local",
    target_words: tuple[int, int] = (150, 400),
    min_score: float = 0.5,
    catalogue: str | Path | None = None,
    names: Sequence[Name] | None = None,
    shard_size: int = SHARD_SIZE,
    drop_skipped: bool = False,
) -> ExtractReport:
    """Read ``W/works.parquet`` + ``W/texts``, write ``W/passages.parquet``; see the module doc.

    ``names`` overrides the catalogue (tests and benchmarks); missing texts are reported in
    ``report.problems`` and skipped. A skipped work that has passages in the current table
    is a UserError and nothing is written, unless ``drop_skipped`` (see :mod:`.keep`).
    """
    from dataset_builder import console
    from dataset_builder.extract.executors import make_executor
    from dataset_builder.extract.keep import refuse_to_drop
    from dataset_builder.tables import read_table, table_path

    min_words, max_words = target_words
    if not 0 < min_words <= max_words:
        raise UserError(
            f"target length {min_words}-{max_words} words: expected 0 < --min-words <= "
            "--max-words."
        )
    if not 0.0 <= min_score <= 1.0:
        raise UserError(f"--min-score {min_score}: expected a number between 0 and 1.")
    t0 = time.perf_counter()
    workdir = Path(workdir)
    # Made first: a Ray cluster starts while the tables below are read (a local pool starts
    # when it is given the shards).
    runner = make_executor(executor, workers)
    try:
        items = _work_items(read_table(workdir, "works"), table_path(workdir, "works"))
        scoped = tuple(names) if names is not None else load_names(catalogue)
        # Names scoped to works outside this run only slow the automaton down.
        present = {item.work_id for item in items}
        scoped = tuple(n for n in scoped if n.work_id is None or n.work_id in present)
        config = ExtractConfig(min_words, max_words, min_score, scoped)
        steps = map_steps(workdir, config)
        shards = [items[i:i + shard_size] for i in range(0, len(items), shard_size)]
        totals = [StepStats(step.name) for step in steps]
        problems: list[str] = []
        skipped: list[str] = []
        target = table_path(workdir, "passages")
        results = runner.map(steps, shards)
        # Imported once the workers have their shards: pandera takes a second to import.
        from dataset_builder.extract.sink import PassageSink

        with PassageSink(target) as sink:
            for rows, stats, shard_problems in console.track(results, "extract",
                                                             total=len(shards)):
                sink.add(rows)
                for total, part in zip(totals, stats, strict=True):
                    total.merge(part)
                for p in shard_problems:
                    console.problem(p.message)
                    problems.append(p.message)
                    skipped.append(p.work_id)
            if not drop_skipped:
                refuse_to_drop(workdir, target, skipped)
            n_duplicates = sink.finish()
            totals += [sink.dedup_stats, sink.write_stats]
    finally:
        runner.close()
    return ExtractReport(
        path=target, n_works=len(items), n_passages=len(sink.keys), n_duplicates=n_duplicates,
        seconds=time.perf_counter() - t0, stats=totals, problems=problems, skipped=skipped,
    )


__all__ = ["ExtractReport", "Name", "load_names", "run_extract"]
