"""The whole chain on the embedded sample corpus: what `make demo` runs.

collect (sample Gutenberg mirror) -> extract -> import the sample annotations -> agreement
-> aggregate -> validate -> split -> release -> verify -> load every config back with
`datasets.load_dataset`. Each step is the same Python API the CLI commands use.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataset_builder.errors import UserError
from dataset_builder.paths import SAMPLE_ANNOTATIONS, SAMPLE_MIRROR

_MARKER = ".faip-demo"
DEMO_VERSION = "1.0.0"


@dataclass
class DemoSummary:
    workdir: Path
    works: int = 0
    passages: int = 0
    annotation_rows: int = 0
    labelled: int = 0
    needs_adjudication: int = 0
    release: Path | None = None
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)
    agreement: Any = None


def _fresh(workdir: Path) -> None:
    """The demo owns its work dir: start clean, but never wipe a folder it did not make."""
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / _MARKER).exists():
            raise UserError(
                f"{workdir}: not empty and not a demo work dir; pass another --workdir."
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / _MARKER).write_text("made by `faip demo`; rerunning the demo replaces it\n")


def load_release(folder: Path) -> dict[str, dict[str, int]]:
    """Rows per config and split, as `datasets.load_dataset` reads them from the folder."""
    import json

    import datasets
    from datasets import load_dataset

    datasets.disable_progress_bars()

    configs = json.loads((folder / "release.json").read_text(encoding="utf-8"))["configs"]
    loaded: dict[str, dict[str, int]] = {}
    for config in sorted(configs):
        ds = load_dataset(str(folder), config)
        loaded[config] = {split: len(part) for split, part in ds.items()}
    return loaded


def run_demo(workdir: str | Path, date: str | None = None) -> DemoSummary:
    from dataset_builder.agreement.workdir import aggregate_workdir, agreement_report
    from dataset_builder.annotate.pull import import_export
    from dataset_builder.catalog.model import load_catalogue
    from dataset_builder.collect.gutenberg import collect_gutenberg
    from dataset_builder.console import info
    from dataset_builder.extract import run_extract
    from dataset_builder.release.build import build_release
    from dataset_builder.release.splits import assign_splits
    from dataset_builder.release.verify import verify
    from dataset_builder.tables import read_annotations
    from dataset_builder.validate import validate_workdir

    root = Path(workdir)
    _fresh(root)
    summary = DemoSummary(workdir=root)

    info("[1/8] collect: the embedded sample mirror")
    collected = collect_gutenberg(SAMPLE_MIRROR, root, delay=0)
    if collected.failed:
        raise UserError(f"collect failed for {len(collected.failed)} sample work(s).")
    info("[2/8] extract: passages where an artificial mind appears")
    extracted = run_extract(root)
    summary.works, summary.passages = extracted.n_works, extracted.n_passages
    info("[3/8] annotate import: the sample annotations")
    import_export(SAMPLE_ANNOTATIONS / "sample_export.json", workdir=root, project="sample")
    summary.annotation_rows = len(read_annotations(root / "annotations"))
    info("[4/8] agreement")
    summary.agreement, _ = agreement_report(root)
    info("[5/8] aggregate")
    labels, _ = aggregate_workdir(root)
    summary.labelled = len(labels)
    summary.needs_adjudication = int(labels["needs_adjudication"].sum())
    info("[6/8] validate")
    report = validate_workdir(root, characters=load_catalogue())
    if not report.ok:
        first = "; ".join(f"{f.table} {f.row} {f.column}: {f.check}" for f in report.failures[:5])
        raise UserError(f"the sample tables do not validate: {first}")
    info("[7/8] split and release")
    splits = root / "splits.csv"
    assign_splits(root, splits)
    summary.release = build_release(DEMO_VERSION, root, root / "release", splits_path=splits,
                                    date=date, allow_demo_key=True)
    info("[8/8] verify and load every config with datasets.load_dataset")
    checked = verify(summary.release)
    if not checked.ok:
        raise UserError(f"the demo release does not verify: {'; '.join(checked.problems)}")
    summary.loaded = load_release(summary.release)
    return summary
