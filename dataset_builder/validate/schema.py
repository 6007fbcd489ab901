"""One table against its pandera model, lazily, so that every failing cell is one ``Failure``."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dataset_builder.schemas import model

# The column that identifies a row of each table in the report.
ID_COLUMNS = {
    "works": "work_id",
    "passages": "passage_id",
    "annotations": "row_id",
    "labels": "passage_id",
    "characters": "character_id",
}


_HINTS = {
    "str_matches": "the value does not have the expected form (see the pattern in the check)",
    "isin": "use one of the allowed ids (`faip taxonomy` lists the label ids)",
    "field_uniqueness": "ids must be unique: remove or merge the duplicate rows",
    "column_in_dataframe": "the column is missing: rerun the stage that writes this table",
    "column_in_schema": "unexpected column: drop it or rerun the stage with this version",
    "dtype": "wrong type: rerun the stage that writes this table",
    "coerce_dtype": "the value cannot be converted to the column's type",
    "not_nullable": "a value is required here",
    "greater_than_or_equal_to": "the value is below the allowed minimum",
    "less_than_or_equal_to": "the value is above the allowed maximum",
    "greater_than": "the value must be larger",
    "str_length": "the text must not be empty",
    "char_start < char_end": "a passage must end after it starts: re-extract the work",
    "len(text)": "the text does not match its offsets: re-extract or rehydrate the passage",
    "a live annotation": "answer the gate field ai_present (present/absent/uncertain)",
    "traits are": "use trait ids from `faip taxonomy --field traits`",
    "span labels": "span labels must be ai_mention/evidence with 0 <= start < end",
    "list_of_strings": "expected a list of strings",
    "evidence has": "each evidence item needs a term, a kind and 0 <= start < end: re-extract "
                    "the work",
    "soft labels": "soft labels are vote shares, one per taxonomy choice: rerun `faip aggregate`",
    "no name or alias shared": "two characters of one work answer to one name: drop or "
                               "qualify the alias in data/characters.csv",
}


@dataclass(frozen=True)
class Failure:
    table: str
    row: str
    column: str
    check: str
    value: str
    hint: str
    # 0-based position of the failing row in the validated frame (None: not about one row), so
    # that callers can point into the file the frame came from even when ids are duplicated.
    position: int | None = field(default=None, compare=False)


@dataclass
class ValidationReport:
    rows: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _hint(check: str) -> str:
    for key, hint in _HINTS.items():
        if check.startswith(key):
            return hint
    return "see the check name; fix the row or rerun the stage that wrote it"


def short_value(value: object, limit: int = 60) -> str:
    if isinstance(value, np.generic):
        value = value.item()  # 5, not np.int64(5)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _position(df: pd.DataFrame, label: object) -> int | None:
    """Position of an index label that pandera reported; None if it names no single row."""
    if label is None or (not isinstance(label, str) and pd.isna(label)):  # type: ignore[call-overload]
        return None
    try:
        found = df.index.get_loc(label)
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        return None
    return int(found) if isinstance(found, int | np.integer) else None


def _row_id(ids: pd.Series | None, position: int | None) -> str:
    if position is None:
        return "-"
    return str(ids.iloc[position]) if ids is not None else f"#{position}"


def _columns_named_in(check: str, columns: pd.Index) -> list[str]:
    """The columns a table-level check's name is about ("alias" names ``aliases``)."""
    words = set(re.findall(r"\w+", check))
    return [str(c) for c in columns
            if {str(c), str(c).removesuffix("s"), str(c).removesuffix("es")} & words]


def validate_frame(table: str, df: pd.DataFrame) -> list[Failure]:
    """Check one table against its pandera model; every failing cell becomes one Failure."""
    return checked_frame(table, df)[1]


def checked_frame(table: str, df: pd.DataFrame) -> tuple[pd.DataFrame, list[Failure]]:
    """``validate_frame``, and the frame as the model coerces it (the values that passed:
    an integer note becomes the string the schema asks for); ``df`` itself if any failed."""
    import pandera.errors as pa_errors

    id_col = ID_COLUMNS[table]
    if not df.index.is_unique:
        df = df.reset_index(drop=True)  # so that every failure points at exactly one row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            coerced = model(table).validate(df, lazy=True)
        except pa_errors.SchemaErrors as exc:
            cases = exc.failure_cases
        else:
            return coerced, []
    ids = df[id_col] if id_col in df.columns else None
    # A value that cannot be coerced also fails the dtype check: report the cell once.
    not_coerced = {(c.column, _position(df, c.index)) for c in cases.itertuples(index=False)
                   if str(c.check).startswith("coerce_dtype")}
    out: list[Failure] = []
    seen: set[tuple[str, int | None]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        position = _position(df, case.index)
        if check.startswith("dtype(") and (case.column, position) in not_coerced:
            continue
        row, hint = _row_id(ids, position), _hint(check)
        if check.startswith("column_in_dataframe"):
            column, value = str(case.failure_case), "(missing)"
        elif check.startswith("column_in_schema"):
            column, value = str(case.failure_case), "(unexpected)"
            hint += " (allowed: " + ", ".join(model(table).to_schema().columns) + ")"
        elif case.schema_context == "DataFrameSchema" and " " in check:
            # A table-level check fails once per column of the row: report it once, showing
            # only the columns the check is about.
            if (check, position) in seen:
                continue
            seen.add((check, position))
            column = "(table)"
            value = ", ".join(
                f"{c}={short_value(df[c].iloc[position], 24)}"
                for c in _columns_named_in(check, df.columns)
                if position is not None
            )
        else:
            column = case.column if isinstance(case.column, str) else "(table)"
            value = short_value(case.failure_case)
        out.append(Failure(table, row, column, check, value, hint, position))
    return df, out
