"""Read a Wikidata query's results (SPARQL 1.1 Query Results JSON) into one item per QID,
checking every binding; every problem is listed in one UserError."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataset_builder.errors import UserError

REQUIRED_VARS = ("item", "itemLabel", "work", "workLabel", "year", "creatorLabel")
OPTIONAL_VARS = ("mediumLabel", "aliases", "classLabel")
_ENTITY = re.compile(r"^https?://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
_DATE = re.compile(r"^([+-]?\d{1,})-\d{2}-\d{2}(T.*)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
MAX_SHOWN = 20  # problems listed in one error message


@dataclass
class WikidataItem:
    """All bindings of one QID folded together (the query returns one row per combination)."""

    qid: str
    label: str
    works: list[str] = field(default_factory=list)
    years: set[int] = field(default_factory=set)
    creators: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def read_results(path: str | Path) -> list[WikidataItem]:
    """Parse and check a SPARQL JSON results file; every problem is listed in one UserError."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{source}: cannot read the Wikidata results file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{source}: not UTF-8 text: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "download the query result as 'SPARQL JSON'."
        ) from exc
    bindings = _bindings(source, data)
    errors: list[str] = []
    items: dict[str, WikidataItem] = {}
    for number, binding in enumerate(bindings):
        _fold(binding, number, items, errors)
    if errors:
        shown = "\n  ".join(errors[:MAX_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_SHOWN} more" if len(errors) > MAX_SHOWN else ""
        raise UserError(f"{source}: {len(errors)} problem(s) in the results:\n  {shown}{more}")
    return list(items.values())


def _bindings(source: Path, data: Any) -> list[Any]:
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a JSON object with 'head' and 'results' "
                        "(SPARQL 1.1 JSON results format).")
    head, results = data.get("head"), data.get("results")
    variables = head.get("vars") if isinstance(head, dict) else None
    if not isinstance(variables, list):
        raise UserError(f"{source}: missing 'head.vars' (the list of query variables).")
    missing = [v for v in REQUIRED_VARS if v not in variables]
    if missing:
        raise UserError(
            f"{source}: the query result lacks variable(s) {', '.join(missing)} "
            f"(has {', '.join(map(str, variables))}); run the query in SPARQL_QUERY unchanged."
        )
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not isinstance(bindings, list):
        raise UserError(f"{source}: missing 'results.bindings' (the list of result rows).")
    return bindings


def _term(binding: dict[str, Any], var: str, where: str, errors: list[str]) -> str | None:
    term = binding.get(var)
    if term is None:
        return None
    if not isinstance(term, dict) or not isinstance(term.get("value"), str):
        errors.append(f"{where}: variable '{var}' must be an object with a string 'value'")
        return None
    value: str = term["value"].strip()
    return value or None


def _year(term: dict[str, Any]) -> int | None:
    value = str(term.get("value", "")).strip()
    if (date := _DATE.match(value)) is not None:
        return int(date.group(1))
    if _INTEGER.match(value):
        return int(value)
    return None


def _fold(binding: Any, number: int, items: dict[str, WikidataItem], errors: list[str]) -> None:
    where = f"binding {number}"
    if not isinstance(binding, dict):
        kind = type(binding).__name__
        errors.append(f"{where}: expected an object of variable -> term, got {kind}")
        return
    uri = _term(binding, "item", where, errors)
    if uri is None:
        errors.append(f"{where}: no 'item' (every row needs the character's entity URI)")
        return
    entity = _ENTITY.match(uri)
    if entity is None:
        errors.append(f"{where}: item {uri!r} is not a Wikidata entity URI "
                      "(expected http://www.wikidata.org/entity/Q<digits>)")
        return
    qid = entity.group(1)
    label = _term(binding, "itemLabel", where, errors)
    if label is None:
        errors.append(f"{where} ({qid}): no 'itemLabel'")
        return
    year: int | None = None
    if "year" in binding:
        _term(binding, "year", where, errors)
        if isinstance(binding["year"], dict):
            year = _year(binding["year"])
            if year is None:
                errors.append(f"{where} ({qid}): year {binding['year'].get('value')!r} is neither "
                              "an integer nor an xsd:dateTime like 1968-04-02T00:00:00Z")
    item = items.setdefault(qid, WikidataItem(qid=qid, label=label))
    if year is not None:
        item.years.add(year)
    for var, bucket in (("workLabel", item.works), ("creatorLabel", item.creators),
                        ("mediumLabel", item.media), ("classLabel", item.classes)):
        value = _term(binding, var, where, errors)
        if value is not None and value not in bucket:
            bucket.append(value)
    aliases = _term(binding, "aliases", where, errors)
    for alias in (aliases or "").split("|"):
        alias = alias.strip()
        if alias and alias not in item.aliases:
            item.aliases.append(alias)
