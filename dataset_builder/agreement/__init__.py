"""Inter-annotator agreement (Krippendorff's alpha per field) and aggregation to gold labels.

Python API: ``compute_agreement(rows, taxonomy, bootstrap=1000, seed=0) -> AgreementResult``,
``write_report(result, out_dir) -> Path`` and ``aggregate(rows, taxonomy, method="majority",
min_agreement=0.5) -> DataFrame`` (the labels table).
"""

from dataset_builder.agreement.aggregate import aggregate
from dataset_builder.agreement.compute import AgreementResult, compute_agreement
from dataset_builder.agreement.report import write_report

__all__ = ["AgreementResult", "aggregate", "compute_agreement", "write_report"]
