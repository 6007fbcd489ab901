"""The project's citation: CITATION.cff is the one source; a release stamps its version, date,
URL and (once the Hub has issued one) DOI, and the card shows the BibTeX that ``cffconvert -f
bibtex`` renders from that file, field for field (cffconvert itself cannot be installed beside
label-studio-sdk: it pins jsonschema<4)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from dataset_builder.errors import UserError
from dataset_builder.paths import project_file

REQUIRED_KEYS = ("cff-version", "message", "title", "authors")
DOI = re.compile(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$")


def load_cff(path: str | Path | None = None) -> dict[str, Any]:
    p = Path(path) if path is not None else project_file("CITATION.cff")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{p}: cannot read the citation file ({exc}).") from exc
    if not isinstance(raw, dict) or any(k not in raw for k in REQUIRED_KEYS):
        raise UserError(f"{p}: a CFF 1.2.0 file needs the keys {', '.join(REQUIRED_KEYS)}.")
    return raw


def stamped(cff: dict[str, Any], version: str, date: str, url: str | None = None,
            doi: str | None = None) -> dict[str, Any]:
    """The release's citation: version, date, the release's URL and its DOI if given (the
    ``identifiers`` slot a maintainer fills once the Hub issues a DOI)."""
    out = {**cff, "version": version, "date-released": date}
    if url:
        out["url"] = url
    if doi:
        if not DOI.match(doi):
            raise UserError(f"--doi {doi!r}: expected a DOI such as 10.57967/hf/1234.")
        others = [i for i in out.get("identifiers", []) if i.get("type") != "doi"]
        out["identifiers"] = [{"type": "doi", "value": doi,
                               "description": f"DOI of release {version}"}, *others]
    return out


def doi_of(cff: dict[str, Any]) -> str | None:
    for ident in cff.get("identifiers", []) or []:
        if ident.get("type") == "doi":
            return str(ident["value"])
    return str(cff["doi"]) if cff.get("doi") else None


def cff_text(cff: dict[str, Any]) -> str:
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)


def _author(a: dict[str, Any]) -> str | None:
    family = " ".join(str(a[k]) for k in ("name-particle", "family-names", "name-suffix")
                      if a.get(k) is not None) if a.get("family-names") else None
    given = a.get("given-names")
    if given and family:
        return f"{family}, {given}"
    return given or family or a.get("alias") or a.get("name")


def entity_note(cff: dict[str, Any]) -> str:
    """cffconvert writes an organisation's name in single braces, which BibTeX splits into
    given names and a surname: say how to keep it whole (the entry stays cffconvert's)."""
    names = [str(a["name"]) for a in cff.get("authors", [])
             if a.get("name") and not a.get("family-names") and not a.get("given-names")]
    if not names:
        return ""
    return (f"The author {names[0]!r} is an organisation: in BibTeX, write it in double "
            f"braces (`author = {{{{{names[0]}}}}}`) so that it is not read as a person's name.")


def _url(cff: dict[str, Any]) -> str | None:
    for ident in cff.get("identifiers", []) or []:
        if ident.get("type") == "url":
            return str(ident["value"])
    for key in ("url", "repository-code", "repository", "repository-artifact"):
        if cff.get(key):
            return str(cff[key])
    return None


def bibtex(cff: dict[str, Any], key: str | None = None) -> str:
    """The @misc entry cffconvert 2 writes for ``cff`` (same fields, order and layout), under
    ``key`` (default: the version, so that a paper cites what it used)."""
    date = str(cff.get("date-released", ""))
    key = key or "fictional_ai_personas_" + re.sub(r"\W", "_", str(cff.get("version", "")))
    authors = [n for n in (_author(a) for a in cff.get("authors", [])) if n]
    doi = doi_of(cff)
    url = _url(cff)
    items = [
        "author = {" + " and ".join(authors) + "}",
        f"doi = {{{doi}}}" if doi else None,
        f"month = {{{date.split('-')[1].lstrip('0')}}}" if date else None,
        f"title = {{{cff['title']}}}",
        f"url = {{{url}}}" if url else None,
        f"year = {{{date[:4]}}}" if date else None,
    ]
    return "@misc{" + key + ",\n" + ",\n".join(i for i in items if i) + "\n}\n"
