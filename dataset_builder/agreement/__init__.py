"""Inter-annotator agreement: Krippendorff's alpha per field, with bootstrap intervals.

Python API: ``compute_agreement(rows, taxonomy, bootstrap=1000, seed=0) -> AgreementResult``,
``write_report(result, out_dir) -> Path``; on a work directory, ``agreement_report`` (the
stage ``dataset_builder.api.agreement``). Gold labels are ``dataset_builder.aggregate``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.agreement.compute import AgreementResult, compute_agreement
    from dataset_builder.agreement.report import write_report
    from dataset_builder.agreement.workdir import agreement_report

__all__ = ["AgreementResult", "agreement_report", "compute_agreement", "write_report"]
__getattr__, __dir__ = exports(__name__, {
    "AgreementResult": "compute", "agreement_report": "workdir", "compute_agreement": "compute",
    "write_report": "report",
})
