"""Load and check ``schema/taxonomy.yaml``, the one source of truth for every label field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from dataset_builder import semver
from dataset_builder.errors import UserError
from dataset_builder.project import Project

Kind = Literal["single", "multi", "rating", "spans"]
_KINDS = ("single", "multi", "rating", "spans")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD_KEYS = {"id", "name", "kind", "required", "definition", "choices", "min", "max", "levels"}
_CHOICE_KEYS = {"id", "name", "definition", "alignment_relevant"}
_TOP_KEYS = {"name", "version", "fields"}
# Fields a MINOR version added, and that version: tables and exports written before it may
# lack the field, which then reads as unanswered (and stays out of an annotation's fingerprint
# while unanswered, so rows stored before it still match their unchanged annotation).
ADDED_IN_MINOR: dict[str, str] = {"ai_role": "1.1.0"}


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    definition: str
    alignment_relevant: bool | None = None


@dataclass(frozen=True)
class Field:
    id: str
    name: str
    kind: Kind
    definition: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min: int | None = None
    max: int | None = None
    levels: tuple[tuple[int, str], ...] = ()

    @property
    def choice_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices)

    def as_dict(self) -> dict[str, Any]:
        """The field as plain data, in the file's own shape."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind,
                               "required": self.required, "definition": self.definition}
        if self.kind == "rating":
            out.update(min=self.min, max=self.max,
                       levels=[{"value": v, "definition": d} for v, d in self.levels])
        else:
            out["choices"] = [
                {"id": c.id, "name": c.name, "definition": c.definition}
                | ({"alignment_relevant": c.alignment_relevant}
                   if c.alignment_relevant is not None else {})
                for c in self.choices
            ]
        return out


@dataclass(frozen=True)
class Taxonomy:
    name: str
    version: str
    fields: tuple[Field, ...]
    path: Path = field(compare=False)

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def field_ids(self, kind: Kind | tuple[Kind, ...] | None = None) -> tuple[str, ...]:
        """The ids of the label fields (of one kind, or of several), in taxonomy order: the
        columns every table, form and report derives from this file."""
        kinds = (kind,) if isinstance(kind, str) else kind
        return tuple(f.id for f in self.fields if kinds is None or f.kind in kinds)

    def added_field_ids(self) -> tuple[str, ...]:
        """The fields of this taxonomy that a minor version added (see ``ADDED_IN_MINOR``)."""
        return tuple(f for f in self.field_ids() if f in ADDED_IN_MINOR)

    def ids(self, field_id: str) -> tuple[str, ...]:
        """The choice ids of one field, in taxonomy order (also the ClassLabel order)."""
        return self.field(field_id).choice_ids

    def all_ids(self) -> list[str]:
        """Every field id and choice id; all are unique across the taxonomy."""
        out: list[str] = []
        for f in self.fields:
            out.append(f.id)
            out.extend(f.choice_ids)
        return out

    def as_dict(self, field_id: str | None = None) -> dict[str, Any]:
        """The taxonomy as plain data (what ``faip taxonomy --format json/yaml`` prints),
        optionally one field only."""
        fields = [self.field(field_id)] if field_id else list(self.fields)
        return {"name": self.name, "version": self.version,
                "fields": [f.as_dict() for f in fields]}

    def rows(self, field_id: str | None = None) -> list[tuple[str, ...]]:
        """(field, id, name, alignment-relevant, definition) rows, for a table of the taxonomy;
        rating levels use the value as id."""
        rows: list[tuple[str, ...]] = []
        for f in [self.field(field_id)] if field_id else list(self.fields):
            for c in f.choices:
                flag = "" if c.alignment_relevant is None else (
                    "yes" if c.alignment_relevant else "no")
                rows.append((f.id, c.id, c.name, flag, c.definition))
            for value, definition in f.levels:
                rows.append((f.id, str(value), f"level {value}", "", definition))
        return rows

    @property
    def major(self) -> int:
        return semver.major(self.version) or 0  # parse() checked that it is semantic


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> Taxonomy:
    return parse(path.read_text(encoding="utf-8"), path)


def load(path: str | Path | None = None) -> Taxonomy:
    """Load and check a taxonomy file (default: the project's ``schema/taxonomy.yaml``)."""
    p = Path(path) if path is not None else Project.find().taxonomy
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise UserError(f"{p}: cannot read the taxonomy ({exc.strerror}).") from exc
    return _load_cached(p.resolve(), mtime)


def parse(text: str, path: Path) -> Taxonomy:
    """Parse taxonomy YAML text; every problem names the file, the entry and what is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping with keys name, version, fields.")
    _no_unknown(path, "the top level", raw, _TOP_KEYS)
    version = str(raw.get("version", ""))
    if not semver.is_semver(version):
        raise UserError(f"{path}: version {version!r} is not semantic (expected e.g. 1.2.0).")
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise UserError(f"{path}: 'fields' must be a non-empty list of label fields.")
    seen: dict[str, str] = {}
    fields = tuple(_parse_field(path, i, f, seen) for i, f in enumerate(raw_fields))
    return Taxonomy(name=str(raw.get("name", "")), version=version, fields=fields, path=path)


def _no_unknown(path: Path, where: str, entry: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise UserError(
            f"{path}: {where}: unknown key(s) {', '.join(unknown)}; "
            f"allowed keys are {', '.join(sorted(allowed))}."
        )


def _claim_id(path: Path, where: str, value: Any, seen: dict[str, str]) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise UserError(
            f"{path}: {where}: id {value!r} must be lower_snake_case (letters, digits, _)."
        )
    if value in seen:
        raise UserError(f"{path}: {where}: duplicate id {value!r} (already used by {seen[value]}).")
    seen[value] = where
    return value


def _text(path: Path, where: str, entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{path}: {where}: missing {key} (a non-empty sentence is required).")
    return value.strip()


def _entry(path: Path, label: str, number: int, raw: Any, allowed: set[str],
           seen: dict[str, str]) -> tuple[str, str]:
    """Check one entry (a field, a choice): a mapping with known keys and a new id. Returns
    where it is (``label`` and its id, else its number) and its id."""
    where = f"{label} #{number}"
    if not isinstance(raw, dict):
        raise UserError(f"{path}: {where}: expected a mapping.")
    if isinstance(raw.get("id"), str):
        where = f"{label} {raw['id']!r}"
    _no_unknown(path, where, raw, allowed)
    return where, _claim_id(path, where, raw.get("id"), seen)


def _parse_field(path: Path, index: int, raw: Any, seen: dict[str, str]) -> Field:
    where, fid = _entry(path, "field", index + 1, raw, _FIELD_KEYS, seen)
    kind = raw.get("kind")
    if kind not in _KINDS:
        raise UserError(f"{path}: {where}: kind {kind!r} must be one of {', '.join(_KINDS)}.")
    choices: list[Choice] = []
    for j, c in enumerate(raw.get("choices") or []):
        cwhere, cid = _entry(path, f"{where}, choice", j + 1, c, _CHOICE_KEYS, seen)
        relevant = c.get("alignment_relevant")
        if kind == "multi" and not isinstance(relevant, bool):
            raise UserError(f"{path}: {cwhere}: alignment_relevant must be true or false.")
        choices.append(
            Choice(cid, _text(path, cwhere, c, "name"), _text(path, cwhere, c, "definition"),
                   relevant)
        )
    levels: list[tuple[int, str]] = []
    lo = hi = None
    if kind == "rating":
        lo, hi = raw.get("min"), raw.get("max")
        if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
            raise UserError(f"{path}: {where}: a rating needs integer min < max.")
        for k, lvl in enumerate(raw.get("levels") or []):
            lwhere = f"{where}, level #{k + 1}"
            if not isinstance(lvl, dict) or not isinstance(lvl.get("value"), int):
                raise UserError(f"{path}: {lwhere}: expected {{value: <int>, definition: <text>}}.")
            levels.append((lvl["value"], _text(path, lwhere, lvl, "definition")))
        if [v for v, _ in levels] != list(range(lo, hi + 1)):
            raise UserError(f"{path}: {where}: levels must define every value {lo}..{hi} in order.")
    elif not choices:
        raise UserError(f"{path}: {where}: a {kind} field needs at least one choice.")
    return Field(
        id=fid, name=_text(path, where, raw, "name"), kind=kind,
        definition=_text(path, where, raw, "definition"), required=bool(raw.get("required")),
        choices=tuple(choices), min=lo, max=hi, levels=tuple(levels),
    )
