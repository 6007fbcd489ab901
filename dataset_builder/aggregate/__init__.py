"""Aggregation of the annotations to gold labels (the labels table).

The stage is the verb ``aggregate`` of ``dataset_builder.api``. Under it:
``gold.aggregate(rows, taxonomy, method="majority", min_agreement=0.5) -> DataFrame`` (majority
vote or Dawid-Skene, soft labels, the codebook's gate, adjudication) and, on a work directory,
``workdir.aggregate_workdir``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.aggregate.dawid_skene import dawid_skene
    from dataset_builder.aggregate.gold import aggregate
    from dataset_builder.aggregate.workdir import aggregate_workdir

__all__ = ["aggregate", "aggregate_workdir", "dawid_skene"]
__getattr__, __dir__ = exports(__name__, {
    "aggregate": "gold", "aggregate_workdir": "workdir", "dawid_skene": "dawid_skene",
})
