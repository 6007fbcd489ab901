"""Read, validate and join the work-dir tables into the rows of each released config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.constants import REDISTRIBUTABLE
from dataset_builder.errors import UserError
from dataset_builder.schemas._common import arrow_cells
from dataset_builder.split.assign import SPLITS, check_leakage, read_splits, split_of_works

# Configs that are not partitioned for learning ship as one `train` split (the Hub's
# convention for "all rows"); their rows carry the split of their work where that matters.
SINGLE_SPLIT = "train"


@dataclass
class ReleaseFrames:
    """Per config, per split: the rows to publish (columns named as in features.py; list
    columns as read, in Arrow, which features.to_arrow takes without converting cells)."""

    data: dict[str, dict[str, pd.DataFrame]]
    works: pd.DataFrame
    passages: pd.DataFrame
    annotations: pd.DataFrame
    splits: pd.DataFrame
    taxonomy_version: str
    agreement: dict[str, dict[str, float]] = field(default_factory=dict)
    # How often annotators kept the extractor's suggested spans (the agreement report's).
    suggestions: dict[str, Any] = field(default_factory=dict)


def _read_inputs(root: Path, annotations_dir: Path | None) -> dict[str, pd.DataFrame]:
    """The tables to validate and join, their list columns kept as Arrow (``frame_of``)."""
    from dataset_builder.tables import frame_of, read_annotations_arrow, read_arrow, table_path

    ann_dir = annotations_dir or root / "annotations"
    annotated = ann_dir.is_dir() and any(ann_dir.glob("*.parquet"))
    has_labels = (root / "labels.parquet").exists()
    missing = [name for name in ("works.parquet", "passages.parquet")
               if not (root / name).exists()]
    if annotated != has_labels:  # both or neither: a release before any annotation is valid
        missing.append("labels.parquet" if annotated else f"{ann_dir.name}/*.parquet")
    if missing:
        raise UserError(
            f"{root}: missing table(s) {', '.join(missing)}; a release needs works and "
            "passages, and labels with their annotations once there are any: run collect, "
            "extract, annotate pull and aggregate first."
        )
    frames = {name: frame_of(read_arrow(root, name), table_path(root, name), keep_lists=True)
              for name in ("works", "passages")}
    if not annotated:
        frames["labels"], frames["annotations"] = empty_table("labels"), empty_table("annotations")
        return frames
    frames["labels"] = frame_of(read_arrow(root, "labels"), table_path(root, "labels"),
                                keep_lists=True)
    pulls = read_annotations_arrow(ann_dir)
    try:
        combined = pa.concat_tables(pulls, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Pull files whose column types do not combine: as read_annotations reads them, one
        # Python object per cell (validation then reports the cells that do not fit).
        frames["annotations"] = pd.concat([frame_of(t, ann_dir) for t in pulls],
                                          ignore_index=True)
    else:
        frames["annotations"] = frame_of(combined, ann_dir, keep_lists=True)
    return frames


def empty_table(name: str) -> pd.DataFrame:
    """A zero-row table with the columns of its schema (validation coerces the types)."""
    from dataset_builder.schemas import model

    return pd.DataFrame({c: pd.Series(dtype="object") for c in model(name).to_schema().columns})


def lookup(keys: pd.Series, index_keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(dict(zip(index_keys, values)))`` without the Python loop (missing -> None)."""
    positions = pd.Index(index_keys.astype(object)).get_indexer(keys.astype(object))
    out = pd.Series(values.to_numpy(dtype=object)[positions], index=keys.index, dtype=object)
    out[positions < 0] = None
    return out


def by_split(frame: pd.DataFrame, keys: list[str]) -> dict[str, pd.DataFrame]:
    """Per split, its rows sorted by ``keys`` (as a stable sort_values, then a split filter).

    One Arrow sort of the key columns, with the row position as the last key (so ties keep
    their order without relying on a stable sort), and one take per split, instead of sorting
    and then filtering every (object) column.
    """
    columns = {k: pa.array(frame[k], from_pandas=True) for k in keys}
    columns["_position"] = pa.array(np.arange(len(frame)))
    # Nulls last, as in sort_values (Arrow's default).
    order = pc.sort_indices(pa.table(columns),
                            sort_keys=[(k, "ascending") for k in columns]).to_numpy()
    split = frame["split"].to_numpy(dtype=object)[order]
    return {s: frame.take(order[split == s]) for s in SPLITS}


def _agreement_json(root: Path) -> dict[str, Any]:
    import json

    path = root / "agreement" / "agreement.json"
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); rerun `faip agreement`.") from exc
    return raw if isinstance(raw, dict) else {}


def read_agreement(root: Path) -> dict[str, dict[str, float]]:
    raw = _agreement_json(root)
    fields = raw.get("fields", raw)
    return {k: v for k, v in fields.items() if isinstance(v, dict) and "alpha" in v}


def read_suggestions(root: Path) -> dict[str, Any]:
    summary = _agreement_json(root).get("summary")
    found = summary.get("suggestions") if isinstance(summary, dict) else None
    return found if isinstance(found, dict) else {}


def load_frames(workdir: str | Path, splits_path: str | Path, characters: pd.DataFrame,
                annotations_dir: str | Path | None = None) -> ReleaseFrames:
    from dataset_builder import taxonomy
    from dataset_builder.tables import live_annotations
    from dataset_builder.validate.checked import require_valid

    root = Path(workdir)
    if not root.is_dir():
        raise UserError(f"{root}: work directory not found; pass the --workdir you built.")
    inputs = _read_inputs(root, Path(annotations_dir) if annotations_dir else None)
    tables = require_valid({**inputs, "characters": characters}, "nothing was released")
    characters = tables["characters"]
    tax = taxonomy.load()
    splits = read_splits(splits_path)
    if not Path(splits_path).exists():
        raise UserError(f"{splits_path}: splits file not found; run `faip split --workdir "
                        f"{root} --splits {splits_path}` and commit the file.")
    works, passages = released_works(tables["works"]), tables["passages"]
    passage_split = split_of_works(splits, passages["work_id"], splits_path)
    leaks = check_leakage(passages, passage_split)
    if leaks:
        raise UserError(
            f"{len(leaks)} near-duplicate passage(s) sit in two splits (leakage):\n  "
            + "\n  ".join(leaks[:20])
            + "\nMove the works into one split in the splits file before the first release, "
            "or drop the duplicate passages (`duplicate_of`)."
        )
    withheld = ~works["licence"].isin(REDISTRIBUTABLE)
    work_info = pd.DataFrame({
        "work_id": works["work_id"],
        "work_title": works["title"],
        "authors": works["authors"],
        "year": works["year"],
        "licence": works["licence"],
        "text_withheld": withheld,
    })
    labels = tables["labels"].rename(columns={"method": "label_method"})
    rows = passages.merge(work_info, on="work_id", how="left").merge(
        labels.drop(columns=["taxonomy_version"]), on="passage_id", how="left")
    rows["taxonomy_version"] = tax.version
    if "predicted_ai_role" not in rows:  # a passages table extracted before taxonomy 1.1.0
        rows["predicted_ai_role"] = None
    rows["n_annotators"] = rows["n_annotators"].fillna(0).astype("int64")
    rows["needs_adjudication"] = rows["needs_adjudication"].fillna(False).astype(bool)
    rows.loc[rows["text_withheld"], "text"] = None
    rows["split"] = passage_split.to_numpy()

    live = live_annotations(tables["annotations"])
    ann = live.merge(passages[["passage_id", "work_id"]], on="passage_id", how="left")
    ann_withheld = lookup(ann["work_id"], works["work_id"], withheld).fillna(False).astype(bool)
    # Span texts quote the passage: withhold them with the text.
    ann["spans"] = without_span_text(ann["spans"], ann_withheld.to_numpy())
    ann["split"] = split_of_works(splits, ann["work_id"], splits_path).to_numpy()
    for column in ("created_at", "updated_at"):  # ISO strings -> UTC timestamps
        ann[column] = pd.to_datetime(ann[column].astype(object), utc=True, format="ISO8601")

    work_rows = works.assign(text_withheld=withheld).merge(
        splits[["work_id", "split"]], on="work_id", how="left").sort_values("work_id")
    data = {
        "passages": by_split(rows, ["work_id", "char_start", "passage_id"]),
        "annotations": by_split(ann, ["work_id", "passage_id", "row_id"]),
        "works": {SINGLE_SPLIT: work_rows},
        "characters": {SINGLE_SPLIT: characters.sort_values("character_id")},
    }
    return ReleaseFrames(data=data, works=works, passages=passages, annotations=live,
                         splits=splits, taxonomy_version=tax.version,
                         agreement=read_agreement(root), suggestions=read_suggestions(root))


def released_works(works: pd.DataFrame) -> pd.DataFrame:
    """The works as released: a title on one line (Gutenberg puts a subtitle on a second
    line: "Title: Subtitle"), and no source URL for the project's sample stories, whose
    Gutenberg-style ebook numbers are invented."""
    from dataset_builder.release.facts import is_sample

    out = works.copy()
    out["title"] = out["title"].astype(object).map(
        lambda t: t if not isinstance(t, str) else _one_line(t))
    sample = out["subjects"].map(is_sample).to_numpy(dtype=bool)
    out["source_url"] = out["source_url"].astype(object).where(~sample, None)
    return out


def _one_line(title: str) -> str:
    import re

    lines = [part.strip() for part in re.split(r"[\r\n]+", title) if part.strip()]
    return ": ".join(lines)


def without_span_text(spans: pd.Series, hide: np.ndarray) -> pd.Series:
    """``spans`` with the ``text`` of every span of the rows flagged in ``hide`` set to None."""
    if not isinstance(spans.dtype, pd.ArrowDtype):  # Python cells: rebuilt one by one
        cells = spans.to_numpy(dtype=object).copy()
        for i in np.flatnonzero(hide):
            if cells[i] is not None:
                cells[i] = [{**dict(s), "text": None} for s in cells[i]]
        return pd.Series(cells, index=spans.index, dtype=object)
    arrow = arrow_cells(spans)
    if not isinstance(arrow, pa.ListArray) or not pa.types.is_struct(arrow.type.value_type) \
            or arrow.type.value_type.get_field_index("text") < 0:
        return spans  # no span carries a text
    items = arrow.values  # the raw child: offsets index into it
    offsets = arrow.offsets.to_numpy()
    hidden = np.zeros(len(items), dtype=bool)
    hidden[offsets[0]:offsets[-1]] = np.repeat(hide, np.diff(offsets))
    kind = items.type
    fields = [items.field(i) for i in range(kind.num_fields)]
    position = kind.get_field_index("text")
    fields[position] = pc.if_else(pa.array(hidden), pa.nulls(len(items), fields[position].type),
                                  fields[position])
    rebuilt = pa.StructArray.from_arrays(fields, fields=list(kind),
                                         mask=items.is_null() if items.null_count else None)
    lists = pa.ListArray.from_arrays(arrow.offsets, rebuilt,
                                     mask=arrow.is_null() if arrow.null_count else None)
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=spans.index)
