"""Read, validate and join the work-dir tables into the rows of each released config."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.errors import UserError
from dataset_builder.release.features import SINGLE_FIELDS
from dataset_builder.release.splits import SPLITS, check_leakage, read_splits, split_of_works
from dataset_builder.schemas._common import REDISTRIBUTABLE

# Configs that are not partitioned for learning ship as one `train` split (the Hub's
# convention for "all rows"); their rows carry the split of their work where that matters.
SINGLE_SPLIT = "train"
# Columns added to the joined frames: each row's position in the input tables.
PASSAGE_ROW, WORK_ROW, LABEL_ROW = "_passage_row", "_work_row", "_label_row"
ANNOTATION_ROW = "_annotation_row"


@dataclass
class ReleaseFrames:
    """Per config, per split: the rows to publish (columns named as in features.py)."""

    data: dict[str, dict[str, pd.DataFrame]]
    works: pd.DataFrame
    passages: pd.DataFrame
    annotations: pd.DataFrame
    splits: pd.DataFrame
    taxonomy_version: str
    agreement: dict[str, dict[str, float]] = field(default_factory=dict)
    # Per config: column -> (Arrow array of the input table, column of ``data`` frames holding
    # each row's position in it, -1 for none); features.to_arrow takes list columns from
    # there instead of converting the frames' Python objects.
    sources: dict[str, dict[str, tuple[pa.Array, str]]] = field(default_factory=dict)


def _read_inputs(root: Path, annotations_dir: Path | None
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, pa.Table]]:
    """The frames to validate and join, and the Arrow tables they were converted from."""
    from dataset_builder.tables import read_annotations_arrow, read_arrow

    missing = [name for name in ("works.parquet", "passages.parquet", "labels.parquet")
               if not (root / name).exists()]
    ann_dir = annotations_dir or root / "annotations"
    if not ann_dir.is_dir() or not any(ann_dir.glob("*.parquet")):
        missing.append(f"{ann_dir.name}/*.parquet")
    if missing:
        raise UserError(
            f"{root}: missing table(s) {', '.join(missing)}; a release needs works, passages, "
            "annotations and labels: run collect, extract, annotate pull and aggregate first."
        )
    arrow = {name: read_arrow(root, name) for name in ("works", "passages", "labels")}
    pulls = read_annotations_arrow(ann_dir)
    # As read_table / read_annotations do: pd.read_parquet is read_table + to_pandas().
    frames = {name: table.to_pandas() for name, table in arrow.items()}
    frames["annotations"] = pd.concat([t.to_pandas() for t in pulls], ignore_index=True)
    # Pull files of incompatible types: to_arrow converts the frame's cells instead.
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        arrow["annotations"] = pa.concat_tables(pulls, promote_options="permissive")
    return frames, arrow


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


def validate_inputs(tables: dict[str, pd.DataFrame],
                    arrow: dict[str, pa.Table] | None = None) -> None:
    """Every table against its pandera schema and each other; refuse with all failures.

    ``arrow``: the Arrow tables the frames were converted from, if at hand (saves converting
    list cells back for the cross-table checks)."""
    from dataset_builder.validate import cross_check, validate_frame

    failures = []
    for name, frame in tables.items():
        failures += validate_frame(name, frame)
    source = (arrow or {}).get("annotations")
    spans = _column(source, "spans") if source is not None else None
    failures += cross_check(tables, spans)
    if failures:
        shown = "\n  ".join(f"{f.table} {f.row} {f.column}: {f.check} ({f.value}) — {f.hint}"
                            for f in failures[:20])
        more = f"\n  … and {len(failures) - 20} more" if len(failures) > 20 else ""
        raise UserError(f"validation failed ({len(failures)} failure(s)); nothing was released:"
                        f"\n  {shown}{more}\nRun `faip validate` for the full report.")


def read_agreement(root: Path) -> dict[str, dict[str, float]]:
    import json

    path = root / "agreement" / "agreement.json"
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); rerun `faip agreement`.") from exc
    fields = raw.get("fields", raw) if isinstance(raw, dict) else {}
    return {k: v for k, v in fields.items() if isinstance(v, dict) and "alpha" in v}


def load_frames(workdir: str | Path, splits_path: str | Path, characters: pd.DataFrame,
                annotations_dir: str | Path | None = None) -> ReleaseFrames:
    from dataset_builder import taxonomy
    from dataset_builder.tables import live_annotations

    root = Path(workdir)
    if not root.is_dir():
        raise UserError(f"{root}: work directory not found; pass the --workdir you built.")
    tables, arrow = _read_inputs(root, Path(annotations_dir) if annotations_dir else None)
    validate_inputs({**tables, "characters": characters}, arrow)
    tax = taxonomy.load()
    splits = read_splits(splits_path)
    if not Path(splits_path).exists():
        raise UserError(f"{splits_path}: splits file not found; run `faip split --workdir "
                        f"{root} --splits {splits_path}` and commit the file.")
    works, passages = tables["works"], tables["passages"]
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
        WORK_ROW: np.arange(len(works)),
        "work_id": works["work_id"],
        "work_title": works["title"],
        "authors": works["authors"],
        "year": works["year"],
        "licence": works["licence"],
        "text_withheld": withheld,
    })
    labels = tables["labels"].rename(columns={"method": "label_method"})
    labels[LABEL_ROW] = np.arange(len(labels))
    rows = passages.assign(**{PASSAGE_ROW: np.arange(len(passages))}).merge(
        work_info, on="work_id", how="left").merge(
        labels.drop(columns=["taxonomy_version"]), on="passage_id", how="left")
    for position in (WORK_ROW, LABEL_ROW):  # a row without a match reads null (-1)
        rows[position] = rows[position].fillna(-1).astype("int64")
    rows["taxonomy_version"] = tax.version
    rows["n_annotators"] = rows["n_annotators"].fillna(0).astype("int64")
    rows["needs_adjudication"] = rows["needs_adjudication"].fillna(False).astype(bool)
    rows.loc[rows["text_withheld"], "text"] = None
    rows["split"] = passage_split.to_numpy()

    live = live_annotations(tables["annotations"].assign(
        **{ANNOTATION_ROW: np.arange(len(tables["annotations"]))}))
    ann = live.merge(passages[["passage_id", "work_id"]], on="passage_id", how="left")
    ann_withheld = lookup(ann["work_id"], works["work_id"], withheld).fillna(False).astype(bool)
    # Span texts quote the passage: withhold them with the text.
    hidden = ann.loc[ann_withheld.to_numpy(), "spans"]
    ann.loc[ann_withheld.to_numpy(), "spans"] = pd.Series(
        [[{**dict(s), "text": None} for s in spans] if spans is not None else spans
         for spans in hidden], index=hidden.index, dtype=object)
    ann["split"] = split_of_works(splits, ann["work_id"], splits_path).to_numpy()

    work_rows = works.assign(text_withheld=withheld).merge(
        splits[["work_id", "split"]], on="work_id", how="left").sort_values("work_id")
    data = {
        "passages": by_split(rows, ["work_id", "char_start", "passage_id"]),
        "annotations": by_split(ann, ["work_id", "passage_id", "row_id"]),
        "works": {SINGLE_SPLIT: work_rows},
        "characters": {SINGLE_SPLIT: characters.sort_values("character_id")},
    }
    # The list columns, as read: to_arrow takes them from there rather than converting the
    # frames' Python objects back (the scalar columns convert cheaply from the frames).
    wanted = {
        "passages": [(arrow["passages"], PASSAGE_ROW, c) for c in ("evidence", "character_ids")]
        + [(arrow["works"], WORK_ROW, "authors")]
        + [(arrow["labels"], LABEL_ROW, c)
           for c in ("traits", *(f"{f}_soft" for f in (*SINGLE_FIELDS, "traits")))],
        "annotations": [],
    }
    sources: dict[str, dict[str, tuple[pa.Array, str]]] = {}
    if "annotations" in arrow:
        source = arrow["annotations"]
        wanted["annotations"].append((source, ANNOTATION_ROW, "traits"))
        hide = np.zeros(source.num_rows, dtype=bool)
        hide[ann.loc[ann_withheld.to_numpy(), ANNOTATION_ROW].to_numpy()] = True
        spans = _without_span_text(_column(source, "spans"), hide)
        if spans is not None:
            sources["annotations"] = {"spans": (spans, ANNOTATION_ROW)}
    for config, columns in wanted.items():
        for table, position, name in columns:
            array = _column(table, name)
            if array is not None:
                sources.setdefault(config, {})[name] = (array, position)
    return ReleaseFrames(data=data, works=works, passages=passages, annotations=live,
                         splits=splits, taxonomy_version=tax.version,
                         agreement=read_agreement(root), sources=sources)


def _column(table: pa.Table, name: str) -> pa.Array | None:
    """One column as a single array (None if the table lacks it)."""
    return table[name].combine_chunks() if name in table.column_names else None


def _without_span_text(spans: pa.Array | None, hide: np.ndarray) -> pa.Array | None:
    """``spans`` with the ``text`` of every span of the rows flagged in ``hide`` set to null
    (as the frame's cells get ``"text": None``); None if the spans are not lists of structs
    with a text field (to_arrow then converts the frame's cells)."""
    if spans is None or not isinstance(spans, pa.ListArray) \
            or not pa.types.is_struct(spans.type.value_type) \
            or spans.type.value_type.get_field_index("text") < 0:
        return None
    items = spans.values  # the raw child: offsets index into it
    offsets = spans.offsets.to_numpy()
    hidden = np.zeros(len(items), dtype=bool)
    hidden[offsets[0]:offsets[-1]] = np.repeat(hide, np.diff(offsets))
    kind = items.type
    fields = [items.field(i) for i in range(kind.num_fields)]
    position = kind.get_field_index("text")
    fields[position] = pc.if_else(pa.array(hidden), pa.nulls(len(items), fields[position].type),
                                  fields[position])
    rebuilt = pa.StructArray.from_arrays(fields, fields=list(kind),
                                         mask=items.is_null() if items.null_count else None)
    return pa.ListArray.from_arrays(spans.offsets, rebuilt,
                                    mask=spans.is_null() if spans.null_count else None)
