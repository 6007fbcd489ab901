"""Inter-annotator agreement (Krippendorff's alpha per field) and aggregation to gold labels.

Python API: ``compute_agreement(rows, taxonomy, bootstrap=1000, seed=0) -> AgreementResult``,
``write_report(result, out_dir) -> Path`` and ``aggregate(rows, taxonomy, method="majority",
min_agreement=0.5) -> DataFrame`` (the labels table); on a work directory, ``agreement_report``
and ``aggregate_workdir`` (the stages ``dataset_builder.api.agreement`` and ``.aggregate``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.agreement.aggregate import aggregate
    from dataset_builder.agreement.compute import AgreementResult, compute_agreement
    from dataset_builder.agreement.report import write_report
    from dataset_builder.agreement.workdir import aggregate_workdir, agreement_report

__all__ = ["AgreementResult", "aggregate", "aggregate_workdir", "agreement_report",
           "compute_agreement", "write_report"]
__getattr__, __dir__ = exports(__name__, {
    "AgreementResult": "compute", "aggregate": "aggregate", "aggregate_workdir": "workdir",
    "agreement_report": "workdir", "compute_agreement": "compute", "write_report": "report",
})
