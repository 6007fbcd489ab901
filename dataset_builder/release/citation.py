"""The project's citation (CITATION.cff), stamped with a release's version and date, and BibTeX."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from dataset_builder.errors import UserError
from dataset_builder.project import Project

REQUIRED_KEYS = ("cff-version", "message", "title", "authors")


def load_cff(path: str | Path | None = None) -> dict[str, Any]:
    p = Path(path) if path is not None else Project.find().citation
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{p}: cannot read the citation file ({exc}).") from exc
    if not isinstance(raw, dict) or any(k not in raw for k in REQUIRED_KEYS):
        raise UserError(f"{p}: a CFF 1.2.0 file needs the keys {', '.join(REQUIRED_KEYS)}.")
    return raw


def stamped(cff: dict[str, Any], version: str, date: str) -> dict[str, Any]:
    return {**cff, "version": version, "date-released": date}


def cff_text(cff: dict[str, Any]) -> str:
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)


def _author_names(cff: dict[str, Any]) -> list[str]:
    names = []
    for a in cff.get("authors", []):
        if "name" in a:
            names.append("{" + str(a["name"]) + "}")
        else:
            names.append(f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", "))
    return names


def bibtex(cff: dict[str, Any]) -> str:
    """A @misc entry for the stamped version (the key carries the version: cite what you used)."""
    version = str(cff.get("version", ""))
    date = str(cff.get("date-released", ""))
    key = "fictional_ai_personas_" + re.sub(r"\W", "_", version)
    fields = {
        "title": f"{{{cff['title']}}}",
        "author": " and ".join(_author_names(cff)),
        "year": date[:4],
        "month": date[5:7],
        "version": version,
        "howpublished": str(cff.get("url", cff.get("repository-code", ""))),
        "note": f"Version {version}, released {date}",
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@misc{{{key},\n{body}\n}}\n"
