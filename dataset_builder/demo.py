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
    """The whole chain on the embedded sample, through the front door (``dataset_builder.api``,
    the verbs a notebook calls), into ``workdir`` (which the demo owns and replaces)."""
    from dataset_builder import api as fb
    from dataset_builder.console import info
    from dataset_builder.tables import read_annotations

    root = Path(workdir)
    _fresh(root)
    summary = DemoSummary(workdir=root)

    info("[1/8] collect: the embedded sample mirror")
    collected = fb.collect_gutenberg(root, mirror=SAMPLE_MIRROR, delay=0)
    if not collected.ok:
        raise UserError(f"collect failed for {len(collected.result.failed)} sample work(s).")
    info("[2/8] extract: passages where an artificial mind appears")
    extracted = fb.extract(root).result
    summary.works, summary.passages = extracted.n_works, extracted.n_passages
    info("[3/8] annotate import: the sample annotations")
    fb.import_export(root, export=SAMPLE_ANNOTATIONS / "sample_export.json", project="sample")
    summary.annotation_rows = len(read_annotations(root / "annotations"))
    info("[4/8] agreement")
    summary.agreement = fb.agreement(root).result
    info("[5/8] aggregate")
    labels = fb.aggregate(root).result
    summary.labelled = len(labels)
    summary.needs_adjudication = int(labels["needs_adjudication"].sum())
    info("[6/8] validate")
    report = fb.validate(root).result
    if not report.ok:
        first = "; ".join(f"{f.table} {f.row} {f.column}: {f.check}" for f in report.failures[:5])
        raise UserError(f"the sample tables do not validate: {first}")
    info("[7/8] split and release")
    fb.split(root)  # into the demo's own splits file, root/splits.csv
    # The sample's pseudonyms are made with the public demo key (a real release refuses it).
    summary.release = fb.release(root, version=DEMO_VERSION, out=root / "release",
                                 date=date, allow_demo_key=True).result
    info("[8/8] verify and load every config with datasets.load_dataset")
    checked = fb.verify(summary.release).result
    if not checked.ok:
        raise UserError(f"the demo release does not verify: {'; '.join(checked.problems)}")
    summary.loaded = load_release(summary.release)
    return summary
