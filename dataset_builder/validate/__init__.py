"""Validation: every table against its pandera model and against the others, all failures at once.

The stage is the verb ``validate`` of ``dataset_builder.api`` (``workdir.validate_workdir``).
Under it: ``schema`` checks one table, ``cross`` the tables against each other, and
``checked.read_valid`` / ``require_valid`` are the one checked way every other stage reads
its input tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.validate.checked import read_valid, require_valid
    from dataset_builder.validate.cross import cross_check
    from dataset_builder.validate.schema import Failure, ValidationReport, validate_frame
    from dataset_builder.validate.workdir import validate_workdir

__all__ = ["Failure", "ValidationReport", "cross_check", "read_valid", "require_valid",
           "validate_frame", "validate_workdir"]
__getattr__, __dir__ = exports(__name__, {
    "Failure": "schema", "ValidationReport": "schema", "cross_check": "cross",
    "read_valid": "checked", "require_valid": "checked", "validate_frame": "schema",
    "validate_workdir": "workdir",
})
