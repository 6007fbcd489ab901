"""`faip agreement` and `faip aggregate`: thin wrappers over fb.agreement and fb.aggregate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dataset_builder.cli.options import ANNOTATIONS_DIR as _ANN_DIR
from dataset_builder.cli.options import WORKDIR as _WORKDIR

if TYPE_CHECKING:
    from dataset_builder.agreement.compute import AgreementResult


@click.command()
@_WORKDIR
@_ANN_DIR
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Report folder (default: WORKDIR/agreement).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="stdout: a table, or JSON field -> alpha, ci_low, "
              "ci_high, units, pairable (for scripts).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap replicates for the 95% CIs (0: no CIs).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the bootstrap resampling (same seed, same CIs).")
def agreement(workdir: Path, annotations_dir: Path | None, out: Path | None, fmt: str,
              bootstrap: int, seed: int) -> None:
    """Krippendorff's alpha for every label field, with bootstrap confidence intervals.

    \b
    Levels: nominal for ai_present, ai_role, persona, stance, outcome; one binary alpha per
    trait (a trait an annotator of the passage did not choose is 0); ordinal for role_model
    (and interval as role_model:interval); character-level binary alpha and pairwise F1 for
    spans. Also per-annotator counts and agreement with the others' majority, and a persona
    confusion matrix between annotator pairs.

    \b
    Writes OUT/report.md, OUT/agreement.json, OUT/alpha_by_field.png and
    OUT/persona_confusion.png. Rows of a taxonomy major version other than the current
    one are refused. Adjudication rows are not counted. Passage lengths for span agreement
    come from WORKDIR/passages.parquet when it exists.
    """
    from dataset_builder import api
    from dataset_builder.console import info

    stage = api.agreement(workdir, annotations_dir=annotations_dir, out=out,
                          bootstrap=bootstrap, seed=seed)
    result, report = stage.result, stage.written[0]  # report.md comes first
    if fmt == "json":
        click.echo(json.dumps(result.field_table(), indent=2, sort_keys=True, allow_nan=False))
    else:
        print_alpha_table(result)
    info(f"report: {report}")


def print_alpha_table(result: AgreementResult) -> None:
    from rich.console import Console

    from dataset_builder.agreement.report import alpha_table

    out = Console()
    # Pipes and CI logs default to 80 columns, too narrow for trait names and intervals.
    Console(width=max(out.width, 110)).print(alpha_table(result))


@click.command()
@_WORKDIR
@_ANN_DIR
@click.option("--method", type=click.Choice(["majority", "dawid_skene"]), default="majority",
              show_default=True, help="How annotators' answers become one gold label.")
@click.option("--min-agreement", type=click.FloatRange(0.0, 1.0), default=0.5,
              show_default=True,
              help="Passages whose pairwise agreement is below this need adjudication.")
def aggregate(workdir: Path, annotations_dir: Path | None, method: str,
              min_agreement: float) -> None:
    """Aggregate the latest live annotations into WORKDIR/labels.parquet (one row a passage).

    \b
    majority: most frequent answer; a tie gives a null label and needs_adjudication.
      Traits: chosen by more than half of the annotators (exactly half is a tie).
    dawid_skene: per-annotator confusion matrices fitted by EM; highest posterior.
    role_model is the median rating. Soft labels: share of the passage's annotators
      who chose each class, in taxonomy order.
    Gold ai_present not 'present' (absent, uncertain, tie) -> null ai_role, persona,
      stance, outcome, role_model; no traits.
    Adjudication rows override the vote (method 'adjudicated').
    A passage with one annotator has a null agreement and is not flagged.
    """
    from dataset_builder import api
    from dataset_builder.console import info

    stage = api.aggregate(workdir, annotations_dir=annotations_dir, method=method,
                          min_agreement=min_agreement)
    labels, path = stage.result, stage.written[0]
    flagged = int(labels["needs_adjudication"].sum())
    adjudicated = int((labels["method"] == "adjudicated").sum())
    info(f"labels: {len(labels):,} passages ({adjudicated:,} adjudicated, {flagged:,} need "
         f"adjudication) -> {path}")
