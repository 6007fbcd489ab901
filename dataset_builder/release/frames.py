"""Read, validate and join the work-dir tables into the rows of each released config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dataset_builder.errors import UserError
from dataset_builder.release.splits import SPLITS, check_leakage, read_splits, split_of_works
from dataset_builder.schemas._common import REDISTRIBUTABLE

# Configs that are not partitioned for learning ship as one `train` split (the Hub's
# convention for "all rows"); their rows carry the split of their work where that matters.
SINGLE_SPLIT = "train"


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


def _read_inputs(root: Path, annotations_dir: Path | None) -> dict[str, pd.DataFrame]:
    from dataset_builder.tables import read_annotations, read_table

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
    return {
        "works": read_table(root, "works"),
        "passages": read_table(root, "passages"),
        "labels": read_table(root, "labels"),
        "annotations": read_annotations(ann_dir),
    }


def lookup(keys: pd.Series, index_keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(dict(zip(index_keys, values)))`` without the Python loop (missing -> None)."""
    positions = pd.Index(index_keys.astype(object)).get_indexer(keys.astype(object))
    out = pd.Series(values.to_numpy(dtype=object)[positions], index=keys.index, dtype=object)
    out[positions < 0] = None
    return out


def validate_inputs(tables: dict[str, pd.DataFrame]) -> None:
    """Every table against its pandera schema and each other; refuse with all failures."""
    from dataset_builder.validate import cross_check, validate_frame

    failures = []
    for name, frame in tables.items():
        failures += validate_frame(name, frame)
    failures += cross_check(tables)
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
    tables = _read_inputs(root, Path(annotations_dir) if annotations_dir else None)
    validate_inputs({**tables, "characters": characters})
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
    rows["n_annotators"] = rows["n_annotators"].fillna(0).astype("int64")
    rows["needs_adjudication"] = rows["needs_adjudication"].fillna(False).astype(bool)
    rows.loc[rows["text_withheld"], "text"] = None
    rows["split"] = passage_split.to_numpy()
    rows = rows.sort_values(["work_id", "char_start", "passage_id"], kind="stable")

    live = live_annotations(tables["annotations"])
    ann = live.merge(passages[["passage_id", "work_id"]], on="passage_id", how="left")
    ann_withheld = lookup(ann["work_id"], works["work_id"], withheld).fillna(False).astype(bool)
    # Span texts quote the passage: withhold them with the text.
    hidden = ann.loc[ann_withheld.to_numpy(), "spans"]
    ann.loc[ann_withheld.to_numpy(), "spans"] = pd.Series(
        [[{**dict(s), "text": None} for s in spans] if spans is not None else spans
         for spans in hidden], index=hidden.index, dtype=object)
    ann["split"] = split_of_works(splits, ann["work_id"], splits_path).to_numpy()
    ann = ann.sort_values(["work_id", "passage_id", "row_id"], kind="stable")

    work_rows = works.assign(text_withheld=withheld).merge(
        splits[["work_id", "split"]], on="work_id", how="left").sort_values("work_id")
    data = {
        "passages": {s: rows[rows["split"] == s] for s in SPLITS},
        "annotations": {s: ann[ann["split"] == s] for s in SPLITS},
        "works": {SINGLE_SPLIT: work_rows},
        "characters": {SINGLE_SPLIT: characters.sort_values("character_id")},
    }
    return ReleaseFrames(data=data, works=works, passages=passages, annotations=live,
                         splits=splits, taxonomy_version=tax.version,
                         agreement=read_agreement(root))
