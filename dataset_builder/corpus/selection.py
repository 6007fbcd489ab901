"""The committed corpus definition (``data/selection.yaml``) and the selection it makes from a
Gutenberg catalogue, read row by row so that only the selected rows are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataset_builder.collect.catalogue import CatalogueEntry, iter_catalogue, subject_matches
from dataset_builder.errors import UserError
from dataset_builder.project import Project
from dataset_builder.release.changelog import parse_version


@dataclass(frozen=True)
class Definition:
    version: str
    languages: tuple[str, ...]
    subjects: tuple[str, ...]
    bookshelves: tuple[str, ...]
    additions: dict[int, str]  # book number -> reason
    exclusions: dict[int, str]
    path: Path


@dataclass
class Candidate:
    """A book the definition selects: how, and its catalogue row (None if it has none)."""

    n: int
    selected_by: list[str] = field(default_factory=list)
    entry: CatalogueEntry | None = None
    excluded: str | None = None  # a reviewer's reason
    title: str = ""

    @property
    def work_id(self) -> str:
        return f"gutenberg:{self.n}"


def _strings(raw: dict[str, Any], key: str, where: Path) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UserError(f"{where}: '{key}' must be a list of non-empty strings; fix the file.")
    return tuple(v.strip() for v in value)


def _reasons(raw: dict[str, Any], key: str, where: Path) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, item in enumerate(raw.get(key) or [], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int) \
                or not str(item.get("reason") or "").strip():
            raise UserError(f"{where}: {key} item {i}: expected 'id: <book number>' and a "
                            f"non-empty 'reason: ...', found {item!r}; fix the file.")
        if item["id"] in out:
            raise UserError(f"{where}: {key} item {i}: book {item['id']} is listed twice.")
        out[item["id"]] = str(item["reason"]).strip()
    return out


def load_definition(path: str | Path | None = None) -> Definition:
    """Read and check the definition; every problem is one line naming the file and key."""
    import yaml

    where = Path(path) if path is not None else Project.find().selection
    try:
        raw = yaml.safe_load(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{where}: cannot read the corpus definition ({exc.strerror}).") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"{where}: not valid YAML ({exc}); fix the file.") from exc
    if not isinstance(raw, dict):
        raise UserError(f"{where}: expected a mapping with version, subjects, bookshelves, ...")
    version = str(raw.get("version", ""))
    try:
        parse_version(version)
    except UserError as exc:
        raise UserError(f"{where}: version: {exc}") from exc
    definition = Definition(
        version=version,
        languages=tuple(lang.lower() for lang in _strings(raw, "languages", where)),
        subjects=_strings(raw, "subjects", where),
        bookshelves=_strings(raw, "bookshelves", where),
        additions=_reasons(raw, "additions", where),
        exclusions=_reasons(raw, "exclusions", where),
        path=where,
    )
    if not (definition.subjects or definition.bookshelves or definition.additions):
        raise UserError(f"{where}: selects nothing; give subjects, bookshelves or additions.")
    return definition


def _matches(entry: CatalogueEntry, definition: Definition, shelves: dict[str, str]) -> list[str]:
    how = [f"subject={s}" for s in definition.subjects
           if any(subject_matches(s, h) for h in entry.subjects)]
    how += [f"bookshelf={shelves[b.lower()]}" for b in entry.bookshelves
            if b.lower() in shelves]
    return how


def _prefilter(definition: Definition) -> Callable[[dict[str, str]], bool]:
    """A substring test on the raw row that every selected row passes (the exact match
    follows), so that the other ~95% of the catalogue is never parsed."""
    subjects = tuple(s.lower() for s in definition.subjects)
    shelves = tuple(b.lower() for b in definition.bookshelves)
    added = {str(n) for n in definition.additions}

    def keep(row: dict[str, str]) -> bool:
        subj, shelf = (row.get("Subjects") or "").lower(), (row.get("Bookshelves") or "").lower()
        return (any(s in subj for s in subjects) or any(b in shelf for b in shelves)
                or (row.get("Text#") or "").strip() in added
                or not (row.get("Text#") or "").strip().isdigit())  # reported, not dropped
    return keep


def select_catalogue(data: bytes, where: str, definition: Definition,
                     warnings: list[str]) -> dict[int, Candidate]:
    """The books of the catalogue feed ``data`` that the definition selects, plus its additions.

    A row with an empty Type or Language is kept when its subjects match (collection then
    checks the book's RDF record and header) and reported in ``warnings``.
    """
    shelves = {b.lower(): b for b in definition.bookshelves}
    languages = set(definition.languages)
    chosen: dict[int, Candidate] = {}
    for item in iter_catalogue(data, where, _prefilter(definition)):
        if isinstance(item, str):
            warnings.append(item)
            continue
        how = _matches(item, definition, shelves)
        if not how and item.id not in definition.additions:
            continue
        if item.type and item.type.lower() != "text":
            continue
        if languages and item.languages and not languages & {x.lower() for x in item.languages}:
            continue
        empty = [name for name, value in (("Type", item.type), ("Title", item.title),
                                          ("Language", item.languages)) if not value]
        if empty:
            warnings.append(f"{where} line {item.line}: book {item.id} has no "
                            f"{', '.join(empty)}; kept, its RDF record or text header fills in.")
        chosen[item.id] = Candidate(item.id, how, item, title=item.title)
    for n, reason in definition.additions.items():
        chosen.setdefault(n, Candidate(n)).selected_by.append(f"manual: {reason}")
    for n, reason in definition.exclusions.items():
        if n in chosen:
            chosen[n].excluded = reason
    return dict(sorted(chosen.items()))


def selected_ids(candidates: Iterable[Candidate]) -> list[int]:
    return [c.n for c in candidates if c.excluded is None]
