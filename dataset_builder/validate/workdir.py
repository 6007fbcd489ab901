"""Validate every table of a work directory and report ALL failures at once (``faip validate``).

Each table is checked lazily against its pandera model, then the tables are checked against
each other (see :mod:`.cross`) and scanned for e-mail addresses and tokens."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from dataset_builder.errors import UserError
from dataset_builder.schemas import TABLES
from dataset_builder.tables import read_annotations, read_table
from dataset_builder.validate.cross import cross_check
from dataset_builder.validate.schema import Failure, ValidationReport, checked_frame


def validate_workdir(
    workdir: str | Path,
    annotations_dir: str | Path | None = None,
    characters: pd.DataFrame | None = None,
) -> ValidationReport:
    """Validate every table present in ``workdir``; raise UserError if there is nothing to check."""
    root = Path(workdir)
    if not root.is_dir():
        raise UserError(f"{root}: work directory not found; pass the --workdir you collected into.")
    report = ValidationReport()
    tables: dict[str, pd.DataFrame] = {}
    passed: dict[str, pd.DataFrame] = {}
    for name, (location, _) in TABLES.items():
        path = (
            Path(annotations_dir) if name == "annotations" and annotations_dir else root / location
        )
        if name == "characters" and characters is not None:
            tables[name] = characters
        elif not path.exists():
            continue
        else:
            try:
                tables[name] = (
                    read_annotations(path) if name == "annotations" else read_table(root, name)
                )
            except UserError as exc:
                report.failures.append(
                    Failure(name, "-", "(file)", "readable", str(path), str(exc))
                )
                continue
        frame = tables[name]
        report.rows[name] = len(frame)
        if frame.empty:
            report.failures.append(
                Failure(
                    name,
                    "-",
                    "(table)",
                    "not empty",
                    str(path),
                    "the table has no rows: rerun the stage that writes it",
                )
            )
            continue
        tables[name], found = checked_frame(name, frame)
        report.failures += found
        if not found:
            passed[name] = tables[name]
    from_workdir = set(tables) - ({"characters"} if characters is not None else set())
    if not from_workdir and not report.failures:
        raise UserError(
            f"{root}: no tables to validate (expected e.g. works.parquet); "
            "run `faip collect` and `faip extract` first."
        )
    # Only tables that passed their schema (as it coerces them, the values release uses): a
    # failed one may lack the columns the cross-checks join on.
    report.failures += cross_check(passed)
    report.failures += private_data(passed)
    return report


# Book text (passages, the span quotes) is left to the release's scan of what it publishes:
# 1M passages carry ~1.5 GB of it, ~17 s of scanning against ~3 s for the rest of validate.
# Traits are taxonomy ids (the schema checked them), and converting them costs more than the
# scan.
_NOT_SCANNED = {"passages": ["text"], "annotations": ["spans", "traits"]}


def private_data(tables: dict[str, pd.DataFrame]) -> list[Failure]:
    """E-mail addresses and tokens, found by the scan the release runs, in what people typed
    or imported (notes, names, metadata, ids), so that validate refuses what release would."""
    from dataset_builder.release.scan import findings

    out = []
    for name, frame in tables.items():
        skip = [c for c in _NOT_SCANNED.get(name, []) if c in frame.columns]
        try:
            table = pa.Table.from_pandas(frame.drop(columns=skip), preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            continue  # cells Arrow cannot hold: the schema check has said so
        out += [Failure(name, "-", column, "no e-mail address or token", f"{n} value(s)",
                        f"the values contain {what}, which a release refuses to publish: "
                        "remove it at its source (annotation notes, texts, the catalogue)")
                for column, n, what in findings(table)]
    return out
