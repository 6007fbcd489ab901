"""Collect local files (.txt, .md, .epub) as works with ids ``local:<slug of the file stem>``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from dataset_builder import console
from dataset_builder.collect.file_worker import SUFFIXES, LocalText, read_all
from dataset_builder.collect.works import CollectReport, WorkStore
from dataset_builder.constants import LICENCES
from dataset_builder.errors import UserError
from dataset_builder.lock import writes

_SLUG_RE = re.compile(r"[^a-z0-9._-]+")


def slug(stem: str) -> str:
    """'The Clockwork Man (1923)' -> 'the-clockwork-man-1923'."""
    text = _SLUG_RE.sub("-", stem.lower()).strip("-._")
    return text or "untitled"


def _expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """The files to collect, and the files found in a folder that are links to somewhere
    outside it (``story.txt -> /etc/passwd``): refused, a folder only gives its own files.
    A link named on the command line is the user's explicit choice and is followed."""
    found: list[Path] = []
    outside: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            root = path.resolve()
            for p in sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES):
                target = p.resolve()
                (found if target == root or root in target.parents else outside).append(p)
        else:
            found.append(path)
    return found, outside


@writes("collect files", "workdir")
def collect_files(
    paths: Iterable[str | Path],
    workdir: str | Path,
    licence: str,
    language: str = "en",
    workers: int = 1,
) -> CollectReport:
    """Collect each file (folders are searched for .txt/.md/.epub) into ``workdir``.

    Every work gets ``licence`` (one of constants.LICENCES). Gutenberg boilerplate is
    stripped if the file has it. A bad file is reported and the others are still collected.
    ``workers`` > 1 cleans the files in that many processes; the result is the same.
    """
    if licence not in LICENCES:
        raise UserError(f"--licence {licence!r} is not one of: {', '.join(LICENCES)}.")
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}.")
    report = CollectReport()
    store = WorkStore(workdir)
    seen: dict[str, Path] = {}
    jobs: list[tuple[str, Path]] = []
    found, outside = _expand(paths)
    for path in outside:
        report.fail(f"local:{slug(path.stem)}", f"{path}: a link to {path.resolve()}, outside "
                    "the folder given; not collected (name the file itself to collect it).")
    for path in found:
        work_id = f"local:{slug(path.stem)}"
        if work_id in seen:
            report.fail(work_id, f"{path}: same id as {seen[work_id]}; rename one of them.")
            continue
        seen[work_id] = path
        jobs.append((work_id, path))
    try:
        results = read_all([path for _, path in jobs], Path(workdir), workers)
        for (work_id, path), result in console.track(zip(jobs, results, strict=True),
                                                     "collect files", total=len(jobs)):
            report.attempt(work_id, partial(_store, store, path, work_id, licence, language,
                                            result))
    finally:
        store.save()
    console.info(f"collect files: {report.summary()}")
    return report


def _store(store: WorkStore, path: Path, work_id: str, licence: str, language: str,
           result: LocalText | UserError) -> bool:
    if isinstance(result, UserError):
        raise result
    meta: dict[str, Any] = {
        "work_id": work_id,
        "source": "local",
        "title": result.title
        or path.stem.replace("_", " ").replace("-", " ").strip() or path.stem,
        "authors": result.authors,
        "year": None,
        # EPUB metadata says "en-GB" where works want "en"; --language is taken as given.
        "language": (result.language or language).split("-")[0]
        if path.suffix.lower() == ".epub" else language,
        "subjects": [],
        "source_url": "",  # never a local path: it would leak the user's folders into releases
        "licence": licence,
    }
    return store.put_stored(meta, result.stored)
