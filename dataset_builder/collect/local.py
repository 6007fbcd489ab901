"""Read, clean and store one local file (.txt, .md, .epub): the part of ``collect files`` that
runs in worker processes. It imports nothing heavy, so a worker starts in a fraction of a
second, and it sends back only metadata: the text goes straight into the text cache.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dataset_builder.collect.clean import clean_bytes, clean_str
from dataset_builder.collect.epub import read_epub
from dataset_builder.collect.texts import StoredText, store_text
from dataset_builder.errors import UserError
from dataset_builder.processes import worker_context

SUFFIXES = (".txt", ".md", ".epub")
_MD_TITLE_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
_IN_FLIGHT = 4  # files per worker read ahead: enough to keep it busy, few texts in memory


@dataclass(frozen=True)
class LocalText:
    """A stored text and what the file itself says about the work."""

    stored: StoredText
    title: str = ""  # from a markdown heading or the EPUB metadata; "" = use the file name
    authors: list[str] = field(default_factory=list)
    language: str = ""  # from the EPUB metadata; "" = the --language given


def read_local(path: Path, workdir: Path) -> LocalText:
    """Clean ``path`` into the text cache of ``workdir``; UserError says what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md or .epub."
        )
    if not path.is_file():
        raise UserError(f"{path}: file not found.")
    data = path.read_bytes()
    title, authors, language = "", [], ""
    if suffix == ".epub":
        book = read_epub(data, str(path))
        text = clean_str(book.text, str(path)).text
        title, authors, language = book.title or "", book.authors, book.language or ""
    else:
        text = clean_bytes(data, (), str(path)).text
        if suffix == ".md" and (heading := _MD_TITLE_RE.search(text[:5000])):
            title = heading.group(1).strip()
    return LocalText(store_text(workdir, text), title, authors, language)


def _read_or_error(path: Path, workdir: Path) -> LocalText | UserError:
    """For the pool: a bad file comes back as its error, so the other files go on."""
    try:
        return read_local(path, workdir)
    except UserError as exc:
        return exc


def read_all(
    paths: Sequence[Path], workdir: Path, workers: int = 1
) -> Iterator[LocalText | UserError]:
    """Each file's LocalText (or error), in the order of ``paths``.

    With ``workers`` > 1 the files are cleaned in a pool of processes; at most a few
    files per worker are read ahead, so memory does not grow with the number of files.
    """
    if workers <= 1 or len(paths) <= 1:
        yield from (_read_or_error(path, workdir) for path in paths)
        return
    context = worker_context()
    with ProcessPoolExecutor(min(workers, len(paths)), mp_context=context) as pool:
        pending: deque[Future[LocalText | UserError]] = deque()
        todo = iter(paths)
        for path in todo:
            pending.append(pool.submit(_read_or_error, path, workdir))
            if len(pending) >= workers * _IN_FLIGHT:
                break
        while pending:
            result = pending.popleft().result()
            for path in todo:  # refill one
                pending.append(pool.submit(_read_or_error, path, workdir))
                break
            yield result
