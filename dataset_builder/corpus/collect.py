"""The collect stage of ``faip build``: the selected books a mirror has, into the work dir.

A local mirror's books are cleaned in worker processes, and a book whose text, RDF record and
catalogue row are unchanged since the last build is skipped unread (``W/.build/collect.json``);
an HTTP mirror is fetched one polite request at a time (its raw cache makes reruns cheap).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataset_builder import console
from dataset_builder.corpus.selection import Candidate
from dataset_builder.corpus.works_list import ABSENT, EXCLUDED, FAILED, NO_PASSAGE
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_json


def is_local(mirror: str) -> bool:
    return not mirror.startswith(("http://", "https://"))


def digest(paths: list[Path], extra: str) -> str:
    """What a stage's output depends on: these files' names and bytes, and ``extra``."""
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()


@dataclass
class Collected:
    """Per work id its (outcome, note) so far, and the counts of the summary."""

    outcomes: dict[str, tuple[str, str]]
    present: int
    collected: int
    failed: list[tuple[str, str]]
    warnings: int


def collect_selected(mirror: str, root: Path, candidates: dict[int, Candidate], delay: float,
                     workers: int) -> Collected:
    """Collect every selected book the mirror has into ``root`` (works.parquet, texts/)."""
    from dataset_builder.collect.gutenberg import mirror_text_path
    from dataset_builder.collect.works import CollectReport, WorkStore

    outcomes: dict[str, tuple[str, str]] = {}
    wanted = [c for c in candidates.values() if c.excluded is None]
    for c in candidates.values():
        if c.excluded is not None:
            outcomes[c.work_id] = (EXCLUDED, c.excluded)
    local = Path(mirror) if is_local(mirror) else None
    if local is not None:  # a stat per book, instead of a failed read each
        for c in wanted:
            if not (local / mirror_text_path(c.n)).is_file():
                outcomes[c.work_id] = (ABSENT, "")
        wanted = [c for c in wanted if c.work_id not in outcomes]
    store = WorkStore(root)
    dropped = store.keep_only({c.work_id for c in wanted})
    if dropped:
        console.info(f"      {len(dropped)} work(s) no longer selected dropped from the work dir")
    report = CollectReport()

    def done(c: Candidate, changed: bool) -> None:
        (report.collected if changed else report.skipped).append(c.work_id)
        outcomes[c.work_id] = (NO_PASSAGE, "")  # until extract finds a passage
        c.title = c.title or str(store.rows[c.work_id]["title"])

    def failed(c: Candidate, exc: UserError) -> None:
        from dataset_builder.collect.gutenberg import NotInMirror

        if isinstance(exc, NotInMirror):
            outcomes[c.work_id] = (ABSENT, "")
            return
        report.fail(c.work_id, str(exc))
        outcomes[c.work_id] = (FAILED, _portable(str(exc), mirror))

    if local is not None:
        _collect_local(local, root, wanted, store, workers, done, failed, report)
    else:
        _collect_remote(mirror, root, wanted, store, delay, done, failed, report)
    present = sum(1 for o, _ in outcomes.values() if o not in (ABSENT, EXCLUDED))
    console.info(f"      {present:,} present in the mirror: {len(report.collected)} "
                 f"collected, {len(report.skipped)} unchanged, {len(report.failed)} failed")
    return Collected(outcomes, present, len(report.collected) + len(report.skipped),
                     list(report.failed), len(report.warnings))


_SAVE_EVERY = 1000  # books between saves of works.parquet and the collect stamp


def _collect_remote(mirror: str, root: Path, wanted: list[Candidate], store: Any,
                    delay: float, done: Callable[[Candidate, bool], None],
                    failed: Callable[[Candidate, UserError], None], report: Any) -> None:
    """An HTTP mirror: one polite request at a time (the raw cache makes reruns cheap)."""
    from dataset_builder.collect.gutenberg import collect_book
    from dataset_builder.collect.mirror import open_mirror

    source = open_mirror(mirror, root, delay=delay)
    try:
        for c in console.track(wanted, "collect", total=len(wanted)):
            try:
                done(c, collect_book(c.n, c.entry, source, store, report))
            except UserError as exc:
                failed(c, exc)
    finally:
        store.save()  # what was collected survives an interruption
        source.close()


def _book_key(local: Path, c: Candidate) -> str:
    """What a local book's collection depends on: its files' size and mtime, its row."""
    from dataset_builder.collect.gutenberg import mirror_text_path, rdf_path

    parts = []
    for rel in (mirror_text_path(c.n), rdf_path(c.n)):
        try:
            st = (local / rel).stat()
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("-")
    row = repr(dataclasses.replace(c.entry, line=0)) if c.entry else "-"
    parts.append(hashlib.sha256(row.encode()).hexdigest()[:16])
    return "/".join(parts)


def _collect_local(local: Path, root: Path, wanted: list[Candidate], store: Any, workers: int,
                   done: Callable[[Candidate, bool], None],
                   failed: Callable[[Candidate, UserError], None], report: Any) -> None:
    """A local mirror: books whose files and row are unchanged since the last build are
    skipped unread; the others are cleaned in ``workers`` processes."""
    import json

    from dataset_builder.collect.mirror_pool import collect_local

    code = sorted(Path(__file__).resolve().parent.parent.joinpath("collect").glob("*.py"))
    stamp_path = root / ".build" / "collect.json"
    stamp = {"code": digest(code, "collect-v1"), "books": {}}
    if stamp_path.is_file():
        try:
            old = json.loads(stamp_path.read_text(encoding="utf-8"))
        except ValueError:
            old = {}
        if old.get("code") == stamp["code"]:
            stamp["books"] = old.get("books", {})
    keys = {c.work_id: _book_key(local, c) for c in wanted}
    books: dict[str, str] = {k: v for k, v in stamp["books"].items()  # type: ignore[attr-defined]
                             if k in keys}
    stamp["books"] = books
    todo = []
    for c in wanted:
        row = store.rows.get(c.work_id)
        if books.get(c.work_id) == keys[c.work_id] and row is not None \
                and (root / row["text_path"]).is_file():
            done(c, False)
        else:
            books.pop(c.work_id, None)
            todo.append(c)
    by_n = {c.n: c for c in todo}

    def save() -> None:
        store.save()  # the rows first: the stamp never names a book whose row is not saved
        atomic_write_json(stamp_path, stamp)

    try:
        results = collect_local(local, [(c.n, c.entry) for c in todo], root, workers)
        for i, book in enumerate(console.track(results, "collect", total=len(todo)), 1):
            c = by_n[book.n]
            for warning in book.warnings:
                report.warn(warning)
            try:
                if book.error is not None:
                    raise book.error
                assert book.meta is not None and book.stored is not None
                done(c, store.put_stored(book.meta, book.stored))
                books[c.work_id] = keys[c.work_id]
            except UserError as exc:
                failed(c, exc)
            if i % _SAVE_EVERY == 0:
                save()
    finally:
        save()


def _portable(message: str, mirror: str) -> str:
    """A failure note for the committed works list: the mirror's own path left out."""
    return message.replace(mirror.rstrip("/") + "/", "").replace(mirror, "MIRROR")
