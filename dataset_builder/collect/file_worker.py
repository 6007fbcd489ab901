"""Read, clean and store one local file (.txt, .md, .epub): the part of ``collect files`` that
runs in worker processes. It imports nothing heavy, so a worker starts in a fraction of a
second, and it sends back only metadata: the text goes straight into the text cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from dataset_builder.collect.clean import clean_bytes, clean_str
from dataset_builder.collect.epub import read_epub
from dataset_builder.collect.texts import StoredText, store_text
from dataset_builder.errors import UserError
from dataset_builder.io import read_input
from dataset_builder.processes import OrderedMap

SUFFIXES = (".txt", ".md", ".epub")
_MD_TITLE_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
_MAX_CHUNK = 8  # files per task at most: fewer round trips, still balanced on big runs


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
    data = read_input(path)
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


def _read_chunk(paths: list[Path], workdir: Path) -> list[LocalText | UserError]:
    return [_read_or_error(path, workdir) for path in paths]


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

    With ``workers`` > 1 the files are cleaned in a pool of processes. Only paths go out and
    metadata comes back (the texts stay in the workers and the cache), so memory does not
    grow with the number of files.
    """
    if workers <= 1 or len(paths) <= 1:
        yield from (_read_or_error(path, workdir) for path in paths)
        return
    workers = min(workers, len(paths))
    size = max(1, min(_MAX_CHUNK, len(paths) // (4 * workers)))
    chunks = (list(paths[i:i + size]) for i in range(0, len(paths), size))
    with OrderedMap(partial(_read_chunk, workdir=workdir), chunks, workers,
                    ahead=4 * workers) as results:
        for chunk in results:
            yield from chunk
