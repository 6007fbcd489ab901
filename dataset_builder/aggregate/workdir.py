"""The work-directory side of aggregate: live annotations in, ``labels.parquet`` out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataset_builder import taxonomy as taxonomy_mod
from dataset_builder.aggregate.gold import aggregate
from dataset_builder.agreement.workdir import load_rows
from dataset_builder.lock import writes
from dataset_builder.tables import write_table


@writes("aggregate", "workdir")
def aggregate_workdir(workdir: Path, annotations_dir: Path | None = None,
                      method: str = "majority", min_agreement: float = 0.5
                      ) -> tuple[pd.DataFrame, Path]:
    """Aggregate a work dir's annotations into WORKDIR/labels.parquet."""
    rows = load_rows(workdir, annotations_dir)
    labels = aggregate(rows, taxonomy_mod.load(), method=method, min_agreement=min_agreement)
    return labels, write_table(workdir, "labels", labels)
