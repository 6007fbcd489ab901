"""``faip build``: the committed corpus definition + a Gutenberg mirror -> a verified release.

select -> collect -> extract -> annotations -> validate -> split -> release -> verify, in a
work directory that keeps every stage's output, so that a rerun (after a crash, or with one
more book in the mirror) redoes only what changed: collection skips unchanged books, and
extraction is skipped when its inputs (works, texts, catalogue, extractor code) are the same.
A failed book does not stop the stages that can go on, but the build then ends before the
split and the release (nothing partial is released) with a non-zero exit.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dataset_builder import console
from dataset_builder.corpus.collect import collect_selected, digest, is_local
from dataset_builder.corpus.meter import Measure, Meter
from dataset_builder.corpus.selection import Candidate, load_definition, select_catalogue
from dataset_builder.corpus.works_list import INCLUDED, NO_PASSAGE, write_works_csv
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_json
from dataset_builder.lock import writes
from dataset_builder.project import Project

STAGES = ("select", "collect", "extract", "annotations", "validate", "split", "release",
          "verify")
T = TypeVar("T")


@dataclass
class BuildSummary:
    version: str = ""
    selected: int = 0
    excluded: int = 0
    present: int = 0
    collected: int = 0
    with_passages: int = 0
    passages: int = 0
    annotations: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: int = 0
    release: Path | None = None
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)
    stages: dict[str, Measure] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and self.release is not None

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.stages.values())

    @property
    def peak_mb(self) -> float:
        return max((m.peak_mb for m in self.stages.values()), default=0.0)

    def rows(self) -> list[tuple[str, str]]:
        """The summary table: what the build did, its time and its peak memory."""
        return [
            ("works selected", f"{self.selected:,} ({self.excluded:,} excluded by reviewer)"),
            ("works present in the mirror", f"{self.present:,}"),
            ("works collected", f"{self.collected:,}"),
            ("works with passages", f"{self.with_passages:,}"),
            ("passages", f"{self.passages:,}"),
            ("annotations", f"{self.annotations:,}"),
            ("failed", f"{len(self.failed):,}"),
            ("time", f"{self.seconds:,.1f} s"),
            ("peak memory (all processes)", f"{self.peak_mb:,.0f} MB"),
        ]


def _check_mirror(mirror: str) -> None:
    if not is_local(mirror):
        return
    root = Path(mirror)
    if not root.is_dir():
        raise UserError(f"{root}: mirror folder not found; pass the folder you rsynced a "
                        "Gutenberg mirror into, or an http(s):// mirror URL.")
    if not (root / "cache" / "epub").is_dir():
        raise UserError(f"{root}: not a Gutenberg mirror (no cache/epub/ folder); pass the "
                        "folder that holds cache/epub/<N>/pg<N>.txt and "
                        "cache/epub/feeds/pg_catalog.csv.")


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out}: already exists and is not empty; pass a new --out folder "
                        "(a release folder is never overwritten).")


@writes("build", "workdir", "out^")
def build_corpus(
    mirror: str | Path,
    out: str | Path,
    date: str | None = None,
    workdir: str | Path = "work/corpus",
    workers: int = 1,
    executor: str = "local",
    *,
    definition: str | Path | None = None,
    splits_path: str | Path | None = None,
    works_csv: str | Path | None = None,
    annotations_dir: str | Path | None = None,
    delay: float = 2.0,
    until: str = "verify",
    project: Project | None = None,
) -> BuildSummary:
    """Build the corpus release of the committed definition from ``mirror`` into ``out``.

    ``definition``, ``splits_path``, ``works_csv`` and ``annotations_dir`` default to
    ``project``'s (``Project.find()``: the committed ``data/selection.yaml``,
    ``splits/splits.csv``, ``data/works.csv`` and ``data/annotations/``), as do the catalogue,
    card template and citation. Returns the summary; ``summary.ok`` is False if any book failed
    (then nothing is released and the splits file is left as it was). ``until="extract"``
    stops after extraction (benchmarks), writing neither works.csv nor splits nor a release.
    """
    from dataset_builder.release.build import check_date

    if until not in ("extract", "verify"):
        raise UserError(f"until={until!r}: expected 'extract' or 'verify'.")
    mirror, out, root = str(mirror), Path(out), Path(workdir)
    if date:
        date = check_date(date)
    _check_out(out)
    _check_mirror(mirror)
    proj = project or Project.find()
    spec = load_definition(definition or proj.selection)
    summary = BuildSummary(version=spec.version)
    meter = Meter()
    root.mkdir(parents=True, exist_ok=True)

    def stage(i: int, name: str, run: Callable[[], T]) -> T:
        console.info(f"[{i}/{len(STAGES)}] {name}")
        with meter:
            result = run()
        summary.stages[name] = meter.last
        console.info(f"      {name}: {meter.last.seconds:.1f} s, peak {meter.last.peak_mb:.0f} MB")
        return result

    candidates = stage(1, "select", lambda: _select(mirror, root, spec, summary, delay))
    collected = stage(2, "collect",
                      lambda: collect_selected(mirror, root, candidates, delay, workers))
    outcomes = collected.outcomes
    summary.present, summary.collected = collected.present, collected.collected
    summary.failed += collected.failed
    summary.warnings += collected.warnings
    per_work = stage(3, "extract",
                     lambda: _extract(root, workers, executor, proj.catalogue, summary))
    if until == "extract":
        return summary
    for work_id, n in per_work.items():
        if outcomes.get(work_id, ("",))[0] == NO_PASSAGE and n:
            outcomes[work_id] = (INCLUDED, "")
    corpus = stage(4, "annotations",
                   lambda: _assemble(root, per_work, annotations_dir or proj.annotations,
                                     summary))
    stage(5, "validate", lambda: _validate(corpus, proj.catalogue))
    write_works_csv(works_csv or proj.works_list, candidates, outcomes, per_work)
    if summary.failed:
        console.problem(f"{len(summary.failed)} book(s) failed; nothing was released and the "
                        "splits file was not changed. Fix the inputs named above and rerun.")
    else:
        splits_file = Path(splits_path or proj.splits)
        stage(6, "split", lambda: _split(corpus, splits_file))
        summary.release = stage(7, "release", lambda: _release(
            spec.version, corpus, out, splits_file, date, proj))
        summary.loaded = stage(8, "verify", lambda: _verify(out))
    return summary


def _select(mirror: str, root: Path, spec: Any, summary: BuildSummary,
            delay: float) -> dict[int, Candidate]:
    from dataset_builder.collect.gutenberg import CATALOGUE_PATH
    from dataset_builder.collect.mirror import open_mirror

    source = open_mirror(mirror, root, delay=delay)
    try:
        data = source.read(CATALOGUE_PATH)
        if data is None:
            raise UserError(f"{source.describe(CATALOGUE_PATH)}: catalogue not found, so this is "
                            "not a Gutenberg mirror (or not its root); check --mirror.")
        warnings: list[str] = []
        candidates = select_catalogue(data, source.describe(CATALOGUE_PATH), spec, warnings)
    finally:
        source.close()
    for warning in warnings:
        console.warn(warning)
    summary.warnings += len(warnings)
    summary.selected = len(candidates)
    summary.excluded = sum(c.excluded is not None for c in candidates.values())
    console.info(f"      {summary.selected:,} books selected by {spec.path.name}, "
                 f"{summary.excluded} excluded by reviewers")
    return candidates


def _extract(root: Path, workers: int, executor: str, catalogue: Path,
             summary: BuildSummary) -> dict[str, int]:
    """Passages per work id; skipped when the inputs are those of the last extraction."""
    import json

    import pandas as pd

    from dataset_builder.extract import run_extract
    from dataset_builder.tables import table_path

    works, passages = table_path(root, "works"), table_path(root, "passages")
    if not works.exists():
        raise UserError("no book of the selection could be collected; check --mirror.")
    code = sorted(Path(__file__).resolve().parent.parent.joinpath("extract").glob("*.py"))
    inputs = digest([works, catalogue, *code], "extract-v1")
    stamp = root / ".build" / "extract.json"
    done = stamp.is_file() and passages.is_file() and \
        json.loads(stamp.read_text(encoding="utf-8")).get("inputs") == inputs
    if done:
        console.info("      unchanged since the last build; passages kept")
    else:
        report = run_extract(root, workers=workers, executor=executor, catalogue=catalogue)
        for p in report.problems:
            summary.failed.append(("extract", p))
        atomic_write_json(stamp, {"inputs": inputs})
    counts = pd.read_parquet(passages, columns=["work_id"])["work_id"].value_counts()
    per_work = {str(k): int(v) for k, v in counts.items()}
    summary.with_passages, summary.passages = len(per_work), int(counts.sum())
    console.info(f"      {summary.passages:,} passages from {summary.with_passages:,} works")
    return per_work


def _assemble(root: Path, per_work: dict[str, int], annotations_dir: str | Path,
              summary: BuildSummary) -> Path:
    """``W/corpus``: the works with passages, their passages, and the annotations of
    ``data/annotations/`` aggregated into labels (when there are any)."""
    from dataset_builder.tables import read_table, table_path, write_table

    corpus = root / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)  # rebuilt from the stages' outputs every time
    corpus.mkdir(parents=True)
    works = read_table(root, "works")
    write_table(corpus, "works", works[works["work_id"].isin(per_work)].reset_index(drop=True))
    shutil.copyfile(table_path(root, "passages"), table_path(corpus, "passages"))
    source = Path(annotations_dir)
    pulls = sorted(source.glob("*.parquet")) if source.is_dir() else []
    if not pulls:
        console.info(f"      no annotation in {source}: released without human labels")
        return corpus
    target = corpus / "annotations"
    target.mkdir()
    for pull in pulls:
        shutil.copyfile(pull, target / pull.name)
    from dataset_builder.aggregate.workdir import aggregate_workdir
    from dataset_builder.agreement.workdir import agreement_report
    from dataset_builder.tables import read_annotations

    summary.annotations = len(read_annotations(target))
    agreement_report(corpus)
    labels, _ = aggregate_workdir(corpus)
    console.info(f"      {summary.annotations:,} annotation rows from {len(pulls)} pull file(s),"
                 f" {len(labels):,} passages labelled")
    return corpus


def _validate(corpus: Path, catalogue: Path) -> None:
    from dataset_builder.characters.model import load_catalogue
    from dataset_builder.validate.workdir import validate_workdir

    report = validate_workdir(corpus, characters=load_catalogue(catalogue))
    if not report.ok:
        shown = "; ".join(f"{f.table} {f.row} {f.column}: {f.check}" for f in report.failures[:5])
        raise UserError(f"the corpus tables do not validate ({len(report.failures)} "
                        f"failure(s)): {shown}. Run `faip validate -w {corpus}`.")


def _split(corpus: Path, splits_path: Path) -> None:
    from dataset_builder.split.assign import assign_splits

    result = assign_splits(corpus, splits_path)
    console.info(f"      {result.added} new work(s) assigned, {result.kept} kept where they were")


def _release(version: str, corpus: Path, out: Path, splits_path: Path, date: str | None,
             project: Project) -> Path:
    from dataset_builder.release.build import build_release

    return build_release(version, corpus, out, splits_path=splits_path, date=date,
                         project=project)


def _verify(out: Path) -> dict[str, dict[str, int]]:
    import datasets

    from dataset_builder.demo import load_release
    from dataset_builder.publish.verify import verify

    datasets.disable_progress_bars()

    checked = verify(out)
    if not checked.ok:
        raise UserError(f"{out}: the release does not verify: {'; '.join(checked.problems)}")
    return load_release(out)


