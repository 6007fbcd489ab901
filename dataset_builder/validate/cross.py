"""The tables against each other: every passage's work exists, every annotation's passage
exists, spans fit inside their passage, linked characters exist in the catalogue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.schemas._common import arrow_cells, python_cells
from dataset_builder.validate.schema import ID_COLUMNS, Failure, short_value


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
    return [Failure(table, str(r), col, f"exists in {target}", short_value(v), hint)
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
                    short_value(dict(cells.iloc[rows[i]][within[i]])),
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
                short_value(dict(span)),
                f"the passage has {int(k)} characters: fix or reject the span")
        for row, span, k in zip(bad["row_id"], bad["spans"], limit[over], strict=True)
    ]


def _end(span: object) -> int:
    """A span's end as an int64 (-1 when it has none that converts)."""
    try:
        end = int(span["end"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError, IndexError, OverflowError):
        return -1
    return max(-1, min(end, int(np.iinfo(np.int64).max)))
