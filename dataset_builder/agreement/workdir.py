"""The work-directory side of agreement: which files are read and written (``faip agreement``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataset_builder import taxonomy as taxonomy_mod
from dataset_builder.agreement.compute import AgreementResult, compute_agreement
from dataset_builder.agreement.report import write_report
from dataset_builder.console import warn
from dataset_builder.errors import UserError
from dataset_builder.lock import writes
from dataset_builder.tables import read_annotations, table_path
from dataset_builder.validate.checked import read_valid, require_valid


def load_rows(workdir: Path, annotations_dir: Path | None) -> pd.DataFrame:
    """The whole append-only history, as its schema checks it (a bad row is refused here,
    with its id, before any statistic); the API keeps the live rows and notes silent
    annotators."""
    folder = annotations_dir if annotations_dir is not None else Path(workdir) / "annotations"
    rows = read_annotations(folder)
    return require_valid({"annotations": rows}, "nothing was computed")["annotations"]


def passage_lengths(workdir: Path) -> dict[str, int] | None:
    """Passage id -> length in characters, when the passages table is there (for spans)."""
    path = table_path(workdir, "passages")
    if not path.exists():
        return None
    try:
        df = read_valid(workdir, ("passages",), "span agreement uses span ends")["passages"]
    except UserError as exc:  # a damaged passages table only weakens span agreement
        warn(f"{path}: cannot use passage lengths ({str(exc).splitlines()[0]}); span agreement "
             "uses span ends.")
        return None
    lengths = (df["char_end"] - df["char_start"]).astype(int)
    return dict(zip(df["passage_id"], lengths, strict=True))


def passage_evidence(workdir: Path) -> pd.DataFrame | None:
    """passage_id and the extractor's evidence (its suggestions), when passages are there."""
    path = table_path(workdir, "passages")
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path, columns=["passage_id", "evidence"])
    except Exception as exc:  # only the suggestions section is lost
        warn(f"{path}: cannot read the extractor's evidence ({exc}); the report leaves out "
             "how often annotators kept its suggestions.")
        return None


@writes("agreement", "out|workdir/agreement")
def agreement_report(workdir: Path, annotations_dir: Path | None = None,
                     out: Path | None = None, bootstrap: int = 1000,
                     seed: int = 0) -> tuple[AgreementResult, Path]:
    """Compute agreement for a work dir and write the report (default WORKDIR/agreement)."""
    rows = load_rows(workdir, annotations_dir)
    result = compute_agreement(rows, taxonomy_mod.load(), bootstrap=bootstrap, seed=seed,
                               passage_lengths=passage_lengths(workdir))
    evidence = passage_evidence(workdir)
    if evidence is not None:
        from dataset_builder.annotate.suggestions import suggestion_uptake
        from dataset_builder.tables import live_annotations

        result.summary["suggestions"] = suggestion_uptake(live_annotations(rows), evidence)
    report = write_report(result, out if out is not None else Path(workdir) / "agreement")
    return result, report
