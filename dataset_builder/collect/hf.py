"""Collect the rows of any text dataset (on the Hugging Face Hub or in a local folder) as
works with ids ``hf:<dataset>/<row id>``, streaming so that huge datasets never load whole."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

from dataset_builder import console
from dataset_builder.collect.clean import clean_str
from dataset_builder.collect.works import CollectReport, WorkStore
from dataset_builder.errors import UserError
from dataset_builder.lock import writes
from dataset_builder.schemas._common import LICENCES

_ID_UNSAFE_RE = re.compile(r"\s+")


def dataset_name(dataset: str) -> str:
    """The name used in work ids: the Hub id, or the folder name of a local dataset."""
    path = Path(dataset)
    return path.resolve().name if path.exists() else dataset


@writes("collect hf", "workdir")
def collect_hf(
    dataset: str,
    workdir: str | Path,
    config: str | None = None,
    split: str = "train",
    text_column: str = "text",
    id_column: str | None = None,
    title_column: str | None = None,
    limit: int | None = None,
    licence: str = "unknown",
    language: str = "en",
    revision: str | None = None,
) -> CollectReport:
    """Stream ``split`` of ``dataset`` and collect each row's ``text_column`` as one work.

    Row ids come from ``id_column`` (else the row number). ``licence`` applies to every row
    (the Hub has no per-row licence); pass the dataset's licence if it is one we know.
    """
    if licence not in LICENCES:
        raise UserError(f"--licence {licence!r} is not one of: {', '.join(LICENCES)}.")
    import datasets  # heavy: imported only when this command runs

    name = dataset_name(dataset)
    is_local = Path(dataset).exists()
    try:
        rows = datasets.load_dataset(
            dataset, name=config, split=split, streaming=True, revision=revision
        )
    except Exception as exc:  # datasets raises many types (FileNotFound, DatasetNotFound, ...)
        raise UserError(
            f"{dataset}: cannot open split {split!r}"
            f"{f' of config {config!r}' if config else ''}: {exc}. Check the dataset id, "
            "--config and --split (and your network or HF_TOKEN for gated datasets)."
        ) from exc
    report = CollectReport()
    store = WorkStore(workdir)
    url = "" if is_local else f"https://huggingface.co/datasets/{dataset}"
    try:
        for index, row in enumerate(console.track(rows, f"collect {name}", total=limit)):
            if limit is not None and index >= limit:
                break
            if index == 0:
                _check_columns(dataset, row, text_column, id_column, title_column)
            row_id = _ID_UNSAFE_RE.sub("_", str(row[id_column] if id_column else index))
            work_id = f"hf:{name}/{row_id}"
            report.attempt(work_id, partial(_collect_row, row, work_id, name, url, text_column,
                                            title_column, licence, language, store))
    finally:
        store.save()
    console.info(f"collect hf: {report.summary()}")
    return report


def _check_columns(dataset: str, row: dict[str, Any], *columns: str | None) -> None:
    missing = [c for c in columns if c and c not in row]
    if missing:
        raise UserError(
            f"{dataset}: no column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(row)}. Pass --text-column/--id-column/--title-column."
        )


def _collect_row(
    row: dict[str, Any],
    work_id: str,
    name: str,
    url: str,
    text_column: str,
    title_column: str | None,
    licence: str,
    language: str,
    store: WorkStore,
) -> bool:
    text = row[text_column]
    if not isinstance(text, str):
        raise UserError(f"column {text_column!r} holds {type(text).__name__}, not text.")
    cleaned = clean_str(text, f"{text_column!r} of {work_id}")
    title = str(row[title_column]).strip() if title_column and row[title_column] else ""
    meta = {
        "work_id": work_id,
        "source": "hf",
        "title": title or f"{name} {work_id.rsplit('/', 1)[1]}",
        "authors": [],
        "year": None,
        "language": language,
        "subjects": [],
        "source_url": url,
        "licence": licence,
    }
    return store.put(meta, cleaned.text)
