"""The one checked way a stage reads its input tables: schema and cross checks, or a
``ValidationError`` listing the failures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataset_builder.errors import ValidationError
from dataset_builder.tables import read_table
from dataset_builder.validate.cross import cross_check
from dataset_builder.validate.schema import checked_frame


def require_valid(tables: dict[str, pd.DataFrame], outcome: str) -> dict[str, pd.DataFrame]:
    """Every table against its schema and the others present; refuse with the failures
    (``outcome`` says what did not happen). Returns the tables as their schemas coerce them:
    the values that were checked, which are the ones to use."""
    failures = []
    checked, passed = {}, {}
    for name, frame in tables.items():
        checked[name], found = checked_frame(name, frame)
        failures += found
        if not found:
            passed[name] = checked[name]
    # A table that failed its schema may lack the very columns the cross-checks join on.
    failures += cross_check(passed)
    if failures:
        shown = "\n  ".join(f"{f.table} {f.row} {f.column}: {f.check} ({f.value}) — {f.hint}"
                            for f in failures[:20])
        more = f"\n  … and {len(failures) - 20} more" if len(failures) > 20 else ""
        raise ValidationError(f"validation failed ({len(failures)} failure(s)); {outcome}:"
                              f"\n  {shown}{more}\nRun `faip validate` for the full report.",
                              failures)
    return checked


def read_valid(workdir: str | Path, names: tuple[str, ...], outcome: str,
               optional: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The one checked way a command reads work-dir tables: each of ``names`` (and of
    ``optional`` when its file exists) read, checked against its schema and against the
    others, as the schemas coerce them; any failure is a UserError saying ``outcome``."""
    from dataset_builder.tables import table_path

    root = Path(workdir)
    present = names + tuple(n for n in optional if table_path(root, n).exists())
    return require_valid({n: read_table(root, n) for n in present}, outcome)
