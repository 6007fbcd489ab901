"""Collect local files (.txt, .md, .epub) as works with ids ``local:<slug of the file stem>``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from dataset_builder import console
from dataset_builder.collect.clean import clean_bytes, clean_str
from dataset_builder.collect.epub import read_epub
from dataset_builder.collect.works import CollectReport, WorkStore
from dataset_builder.errors import UserError
from dataset_builder.schemas._common import LICENCES

SUFFIXES = (".txt", ".md", ".epub")
_SLUG_RE = re.compile(r"[^a-z0-9._-]+")
_MD_TITLE_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)


def slug(stem: str) -> str:
    """'The Clockwork Man (1923)' -> 'the-clockwork-man-1923'."""
    text = _SLUG_RE.sub("-", stem.lower()).strip("-._")
    return text or "untitled"


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        else:
            found.append(path)
    return found


def collect_files(
    paths: Iterable[str | Path],
    workdir: str | Path,
    licence: str,
    language: str = "en",
) -> CollectReport:
    """Collect each file (folders are searched for .txt/.md/.epub) into ``workdir``.

    Every work gets ``licence`` (one of schemas._common.LICENCES). Gutenberg boilerplate is
    stripped if the file has it. A bad file is reported and the others are still collected.
    """
    if licence not in LICENCES:
        raise UserError(f"--licence {licence!r} is not one of: {', '.join(LICENCES)}.")
    report = CollectReport()
    store = WorkStore(workdir)
    seen: dict[str, Path] = {}
    files = _expand(paths)
    try:
        for path in console.track(files, "collect files", total=len(files)):
            work_id = f"local:{slug(path.stem)}"
            if work_id in seen:
                report.fail(work_id, f"{path}: same id as {seen[work_id]}; rename one of them.")
                continue
            seen[work_id] = path
            report.attempt(work_id, partial(_collect_file, path, work_id, licence, language, store))
    finally:
        store.save()
    console.info(f"collect files: {report.summary()}")
    return report


def _collect_file(path: Path, work_id: str, licence: str, language: str, store: WorkStore) -> bool:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md or .epub."
        )
    if not path.is_file():
        raise UserError(f"{path}: file not found.")
    data = path.read_bytes()
    meta: dict[str, Any] = {
        "work_id": work_id,
        "source": "local",
        "title": path.stem.replace("_", " ").replace("-", " ").strip() or path.stem,
        "authors": [],
        "year": None,
        "language": language,
        "subjects": [],
        "source_url": "",  # never a local path: it would leak the user's folders into releases
        "licence": licence,
    }
    if suffix == ".epub":
        book = read_epub(data, str(path))
        cleaned = clean_str(book.text, str(path))
        meta["title"] = book.title or meta["title"]
        meta["authors"] = book.authors
        meta["language"] = (book.language or language).split("-")[0]
    else:
        cleaned = clean_bytes(data, (), str(path))
        if suffix == ".md" and (heading := _MD_TITLE_RE.search(cleaned.text[:5000])):
            meta["title"] = heading.group(1).strip()
    return store.put(meta, cleaned.text)
