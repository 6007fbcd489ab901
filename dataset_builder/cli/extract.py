"""`faip extract`: find passages where an artificial mind appears (thin wrapper over the API)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dataset_builder.cli.options import CATALOGUE, WORKDIR


@click.command("extract")
@WORKDIR
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes (local executor) or CPUs (ray executor) to use.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local",
              show_default=True,
              help="local: this machine, a process pool when --workers > 1. ray: the same steps "
                   "as Ray tasks on a local cluster, or on the cluster named by RAY_ADDRESS "
                   "(pip install 'fictional-ai-personas[ray]').")
@click.option("--min-words", default=150, show_default=True, type=click.IntRange(min=1),
              help="Target length of a passage: grow a window to at least this many words.")
@click.option("--max-words", default=400, show_default=True, type=click.IntRange(min=1),
              help="Target length of a passage: never grow a window beyond this many words.")
@click.option("--min-score", default=0.5, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="Drop passages scored below this (0..1; the score is kept for annotators).")
@CATALOGUE
@click.option("--drop-skipped", is_flag=True,
              help="Write the table even when a skipped work (missing or edited text) had "
                   "passages in it, dropping them (annotated ones too).")
def extract(
    workdir: Path, workers: int, executor: str, min_words: int, max_words: int,
    min_score: float, catalogue: Path | None, drop_skipped: bool,
) -> None:
    """Extract passages where an artificial mind appears into WORKDIR/passages.parquet.

    \b
    Each work's cleaned text is scanned once for the AI lexicon (robot, android, automaton,
    computer, thinking machine, ...), the catalogue's character names (scoped to their work)
    and names the book introduces as an AI ("the robot, Jerry"). Hits in metaphors, next to
    mindless mechanisms, meaning human calculators or used as a person's nickname score low.
    Windows of whole paragraphs (--min-words..--max-words) around the hits become passages
    with a score in [0, 1], evidence offsets and catalogue character ids; exact and
    near-duplicate passages (one story in two collections) are linked by duplicate_of.

    \b
    A work whose text is missing or edited is skipped and the exit status is 1. If the
    current table has passages of a skipped work, nothing is written (they may be
    annotated) unless --drop-skipped.

    \b
    Example:
      faip extract --workdir work --workers 2
      faip extract --workdir work --executor ray --workers 8 --min-score 0.6
    """
    from dataset_builder import api, console

    report = api.extract(
        workdir, workers=workers, executor=executor, target_words=(min_words, max_words),
        min_score=min_score, catalogue=catalogue, drop_skipped=drop_skipped,
    ).result
    console.info(report.stats_table())
    problems = f"; {len(report.problems)} works skipped (see above)" if report.problems else ""
    console.info(
        f"{report.n_passages} passages from {report.n_works} works "
        f"({report.n_duplicates} linked as duplicates) -> {report.path} "
        f"in {report.seconds:.1f} s{problems}"
    )
    if report.skipped:
        sys.exit(1)
