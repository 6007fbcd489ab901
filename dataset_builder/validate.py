"""Validate every table of a work directory and report ALL failures at once.

Each table is checked lazily against its pandera model, then the tables are checked against
each other (every passage's work exists, every annotation's passage exists, spans fit inside
their passage, linked characters exist in the catalogue).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.errors import UserError
from dataset_builder.schemas import TABLES, model
from dataset_builder.schemas._common import arrow_cells, python_cells
from dataset_builder.tables import read_annotations, read_table

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


def _short(value: object, limit: int = 60) -> str:
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
                f"{c}={_short(df[c].iloc[position], 24)}"
                for c in _columns_named_in(check, df.columns)
                if position is not None
            )
        else:
            column = case.column if isinstance(case.column, str) else "(table)"
            value = _short(case.failure_case)
        out.append(Failure(table, row, column, check, value, hint, position))
    return df, out


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
        raise UserError(f"validation failed ({len(failures)} failure(s)); {outcome}:"
                        f"\n  {shown}{more}\nRun `faip validate` for the full report.")
    return checked


def _strings(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column of ids as Arrow strings (pandas' own Arrow data when it has it). A value of
    another type (an integer id: the schema check reports it) is compared as its text."""
    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series, pa.string(), from_pandas=True)
    cells = series.astype(object)
    try:
        return pa.array(cells, pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v if v is None or isinstance(v, str) else str(v) for v in cells],
                        pa.string())


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """``values.isin(known)`` through pyarrow: pandas' isin on strings loops in Python."""
    found = pc.is_in(_strings(values), value_set=_strings(known))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _missing_refs(table: str, frame: pd.DataFrame, col: str, known: pd.Series, target: str,
                  id_col: str, hint: str) -> list[Failure]:
    bad = frame[~_isin(frame[col], known)]
    return [Failure(table, str(r), col, f"exists in {target}", _short(v), hint)
            for r, v in zip(bad[id_col], bad[col], strict=True)]


def cross_check(tables: dict[str, pd.DataFrame]) -> list[Failure]:
    """Referential integrity between the tables that are present, vectorised so that it
    stays fast on release-size tables (hundreds of thousands of annotations)."""
    out: list[Failure] = []
    works, passages = tables.get("works"), tables.get("passages")
    if works is not None and passages is not None:
        out += _missing_refs("passages", passages, "work_id", works["work_id"], "works",
                             "passage_id", "collect the work or drop its passages")
    if passages is None:
        return out
    gone = "the passage was removed or renamed: re-extract or drop the row"
    for name in ("annotations", "labels"):
        frame = tables.get(name)
        if frame is not None:
            out += _missing_refs(name, frame, "passage_id", passages["passage_id"], "passages",
                                 ID_COLUMNS[name], gone)
    annotations = tables.get("annotations")
    if annotations is not None:
        out += _spans_in_range(annotations, passages)
    characters = tables.get("characters")
    if characters is not None:
        linked = _exploded(passages, "passage_id", "character_ids")
        out += _missing_refs("passages", linked, "character_ids", characters["character_id"],
                             "characters", "passage_id", "add the character to data/characters.csv")
    return out


def _exploded(frame: pd.DataFrame, key: str, column: str) -> pd.DataFrame:
    """``frame[[key, column]].explode(column).dropna()``; in Arrow for Arrow list cells."""
    if not isinstance(frame[column].dtype, pd.ArrowDtype):
        return frame[[key, column]].explode(column).dropna()
    cells = arrow_cells(frame[column])
    items = pc.list_flatten(cells)
    keys = frame[key].to_numpy(dtype=object)[pc.list_parent_indices(cells).to_numpy()]
    present = items.is_valid().to_numpy(zero_copy_only=False) & pd.notna(keys)
    return pd.DataFrame({key: keys[present],
                         column: items.filter(present).to_numpy(zero_copy_only=False)})


def _span_ends(cells: pa.Array | None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per span (not-None items of the ``spans`` lists, in order): its row, its position in
    the row's list and its end; None unless every span carries an integer ``end``."""
    if not isinstance(cells, pa.ListArray):
        return None
    kind = cells.type.value_type
    items = pc.list_flatten(cells)
    if pa.types.is_struct(kind) and kind.get_field_index("end") >= 0 \
            and pa.types.is_signed_integer(kind.field("end").type):
        ends = pc.struct_field(items, "end")
    elif pa.types.is_null(kind):
        ends = pa.nulls(len(items), pa.int64())
    else:
        return None
    present = items.is_valid()
    if pc.any(pc.and_(present, ends.is_null())).as_py():
        return None  # a span without an end: let the row-by-row path report it as it does
    rows = pc.list_parent_indices(cells).to_numpy(zero_copy_only=False)
    offsets = cells.offsets.to_numpy()
    keep = present.to_numpy(zero_copy_only=False)
    within = np.arange(len(items)) - offsets[rows] if len(items) else rows
    return (rows[keep], within[keep],
            ends.filter(present).to_numpy(zero_copy_only=False).astype(np.int64))


def _spans_in_range(annotations: pd.DataFrame, passages: pd.DataFrame) -> list[Failure]:
    def limits(passage_ids: pd.Series) -> np.ndarray:
        """Per id, its passage's length (no limit for an unknown passage)."""
        length = (passages["char_end"] - passages["char_start"]).to_numpy()
        found = pc.index_in(_strings(passage_ids), value_set=_strings(passages["passage_id"]))
        # Not found: -1, which picks the appended "no limit".
        positions = found.fill_null(-1).to_numpy(zero_copy_only=False)
        return np.append(length, np.iinfo(np.int64).max)[positions]

    located = _span_ends(arrow_cells(annotations["spans"]))
    if located is not None:
        rows, within, ends = located
        if not len(rows):
            return []
        limit = limits(annotations["passage_id"])[rows]
        cells = annotations["spans"]
        over = np.flatnonzero(ends > limit)
        return [
            Failure("annotations", str(annotations["row_id"].iloc[rows[i]]), "spans",
                    "span end <= passage length",
                    _short(dict(cells.iloc[rows[i]][within[i]])),
                    f"the passage has {int(limit[i])} characters: fix or reject the span")
            for i in over
        ]
    spans = annotations[["row_id", "passage_id"]].assign(
        spans=python_cells(annotations["spans"])).explode("spans")
    spans = spans.dropna(subset=["spans"])
    if spans.empty:
        return []
    limit = limits(spans["passage_id"])
    # A span without a usable end is the schema check's to report; here it never overruns.
    ends = np.fromiter((_end(s) for s in spans["spans"]), dtype=np.int64, count=len(spans))
    over = ends > limit
    bad = spans[over]
    return [
        Failure("annotations", str(row), "spans", "span end <= passage length",
                _short(dict(span)), f"the passage has {int(k)} characters: fix or reject the span")
        for row, span, k in zip(bad["row_id"], bad["spans"], limit[over], strict=True)
    ]


def _end(span: object) -> int:
    """A span's end as an int64 (-1 when it has none that converts)."""
    try:
        end = int(span["end"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError, IndexError, OverflowError):
        return -1
    return max(-1, min(end, int(np.iinfo(np.int64).max)))


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


def read_valid(workdir: str | Path, names: tuple[str, ...], outcome: str,
               optional: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The one checked way a command reads work-dir tables: each of ``names`` (and of
    ``optional`` when its file exists) read, checked against its schema and against the
    others, as the schemas coerce them; any failure is a UserError saying ``outcome``."""
    from dataset_builder.tables import table_path

    root = Path(workdir)
    present = names + tuple(n for n in optional if table_path(root, n).exists())
    return require_valid({n: read_table(root, n) for n in present}, outcome)
