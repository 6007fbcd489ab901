"""Merge Wikidata query results into the AI-character catalogue without trusting them blindly.

Run :data:`SPARQL_QUERY` at https://query.wikidata.org/ and download the result as
"SPARQL JSON" (the W3C SPARQL 1.1 Query Results JSON format); then
``faip characters import-wikidata results.json``.

Rules:

* An item is the same character as a catalogue row when the row carries the item's QID, or
  else when a name/alias and the work title both match (after case, accent and punctuation
  folding). A name+work match fills an empty ``wikidata_qid`` only if nothing conflicts.
* Disagreements about year, creator or work (or a different QID) are *conflicts*: reported,
  never written. Curated facts win until a person resolves the conflict by hand.
* Items not in the catalogue are added with a slug made from their English label.
* Any malformed input fails the whole import with a message naming the binding and the
  problem; nothing is written then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dataset_builder.characters.model import COLUMNS, alias_list, validate_catalogue
from dataset_builder.characters.wikidata_results import MAX_SHOWN, WikidataItem, read_results
from dataset_builder.errors import UserError
from dataset_builder.schemas.characters import MIN_YEAR, max_year

SPARQL_QUERY = """\
# Fictional robots, androids and AI characters with their work, first year and creator.
# Classes: anything that is an instance of (a subclass of) a class that is the
# "fictional analog of" (P1074) robot (Q11012) or artificial intelligence (Q11660).
SELECT ?item ?itemLabel ?work ?workLabel ?year ?creatorLabel ?mediumLabel ?classLabel
       (GROUP_CONCAT(DISTINCT ?alias; separator="|") AS ?aliases)
WHERE {
  VALUES ?analogOf { wd:Q11012 wd:Q11660 }
  ?class wdt:P1074 ?analogOf .
  ?item wdt:P31/wdt:P279* ?class .
  OPTIONAL { ?item wdt:P1441 ?work .                     # present in work
             OPTIONAL { ?work wdt:P577 ?workDate . }     # publication date
             OPTIONAL { ?work wdt:P31 ?medium . } }
  OPTIONAL { ?item wdt:P4584 ?first .                    # first appearance
             ?first wdt:P577 ?firstDate . }
  OPTIONAL { ?item wdt:P170 ?creator . }                 # creator
  OPTIONAL { ?item skos:altLabel ?alias . FILTER(LANG(?alias) = "en") }
  BIND(YEAR(COALESCE(?firstDate, ?workDate)) AS ?year)
  SERVICE wikibase:label {
    bd:serviceParam wikibase:language "en" .
    ?item rdfs:label ?itemLabel . ?work rdfs:label ?workLabel .
    ?creator rdfs:label ?creatorLabel . ?medium rdfs:label ?mediumLabel .
    ?class rdfs:label ?classLabel .
  }
}
GROUP BY ?item ?itemLabel ?work ?workLabel ?year ?creatorLabel ?mediumLabel ?classLabel
ORDER BY ?itemLabel
"""

SOURCE_NOTE = "Wikidata import"

# Wikidata work classes -> catalogue medium; first match wins, "literary work" says nothing.
_MEDIA_RULES: tuple[tuple[str, str], ...] = (
    ("short story", "short_story"), ("novelette", "short_story"), ("novella", "novel"),
    ("novel", "novel"), ("musical", "play"), ("play", "play"), ("opera", "other"),
    ("television", "tv"), ("anime", "tv"), ("episode", "tv"), ("video game", "game"),
    ("game", "game"), ("manga", "comics"), ("comic", "comics"), ("film", "film"),
)
_EMBODIMENT_RULES: tuple[tuple[str, str], ...] = (
    ("android", "android"), ("gynoid", "android"), ("cyborg", "cyborg"),
    ("automaton", "automaton"), ("humanoid", "humanoid_robot"), ("computer", "computer"),
    ("spaceship", "ship_mind"), ("starship", "ship_mind"), ("virtual", "virtual"),
)


@dataclass(frozen=True)
class Match:
    character_id: str
    qid: str
    by: str  # "qid" or "name+work"
    qid_filled: bool = False


@dataclass(frozen=True)
class Conflict:
    character_id: str
    qid: str
    field: str
    catalogue: str
    wikidata: str

    def __str__(self) -> str:
        return (f"{self.character_id} vs {self.qid}: {self.field} is {self.catalogue!r} in the "
                f"catalogue but {self.wikidata!r} on Wikidata (kept the catalogue's)")


@dataclass(frozen=True)
class Skipped:
    qid: str
    label: str
    reason: str


@dataclass
class ImportReport:
    catalogue: pd.DataFrame  # the merged catalogue (input rows first, then additions)
    added: list[str] = field(default_factory=list)
    matched: list[Match] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added) or any(m.qid_filled for m in self.matched)


# --- matching --------------------------------------------------------------------------------


def match_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used to compare names and titles."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = re.sub(r"[^\w\s]|_", " ", folded)
    words = folded.split()
    if words and words[0] in {"the", "a", "an"}:
        words = words[1:]
    return " ".join(words)


def title_variants(title: str) -> set[str]:
    """A title with and without its parenthetical and its subtitle ("Frankenstein; or, ...")."""
    variants = {title}
    variants.update(re.findall(r"\(([^)]*)\)", title))
    no_parens = re.sub(r"\([^)]*\)", " ", title)
    variants.add(no_parens)
    variants.add(re.split(r"[;:]", no_parens)[0])
    return {n for n in (match_key(v) for v in variants) if n}


def _is_present(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _row_names(row: pd.Series) -> set[str]:
    names = [row["name"], *alias_list(row["aliases"])]
    return {match_key(n) for n in names if isinstance(n, str)} - {""}


def _conflicts(row: pd.Series, item: WikidataItem) -> list[Conflict]:
    cid = str(row["character_id"])
    found: list[Conflict] = []
    if item.years and int(row["year"]) not in item.years:
        found.append(Conflict(cid, item.qid, "year", str(row["year"]),
                              ", ".join(str(y) for y in sorted(item.years))))
    if item.creators and _is_present(row["creator"]):
        ours = {match_key(c) for c in str(row["creator"]).split(";")}
        theirs = {match_key(c) for c in item.creators}
        if not ours & theirs:
            found.append(Conflict(cid, item.qid, "creator", str(row["creator"]),
                                  "; ".join(item.creators)))
    if item.works:
        theirs_titles = set().union(*(title_variants(w) for w in item.works))
        if not title_variants(str(row["work_title"])) & theirs_titles:
            found.append(Conflict(cid, item.qid, "work_title", str(row["work_title"]),
                                  "; ".join(item.works)))
    return found


def _first_rule(labels: Iterable[str], rules: tuple[tuple[str, str], ...], default: str) -> str:
    for label in labels:
        lowered = label.casefold()
        for needle, value in rules:
            if needle in lowered:
                return value
    return default


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "character"


def _unique_slug(label: str, work: str | None, taken: set[str]) -> str:
    candidates = [slugify(label)]
    if work:
        candidates.append(f"{slugify(label)}-{slugify(work)}")
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    n = 2
    while f"{candidates[-1]}-{n}" in taken:
        n += 1
    return f"{candidates[-1]}-{n}"


def import_wikidata(catalogue_df: pd.DataFrame, results_json_path: str | Path) -> ImportReport:
    """Merge a results file into a copy of ``catalogue_df``; the input frame is not modified.

    Raises UserError for a malformed file or when the merged catalogue would not validate.
    """
    invalid = validate_catalogue(catalogue_df)
    if invalid:
        raise UserError(f"the catalogue itself is invalid ({len(invalid)} problem(s), first: "
                        f"{invalid[0]}); run `faip characters check` and fix it before importing.")
    items = read_results(results_json_path)
    merged = catalogue_df.copy()
    report = ImportReport(catalogue=merged)
    by_qid: dict[str, list[Any]] = {}
    for idx, qid in merged["wikidata_qid"].items():
        if _is_present(qid):
            by_qid.setdefault(str(qid), []).append(idx)
    taken = set(merged["character_id"].astype(str))
    new_rows: list[dict[str, object]] = []
    # Names and title variants of every row, computed once: results can hold thousands of items.
    keys = [(idx, _row_names(row), title_variants(str(row["work_title"])))
            for idx, row in merged.iterrows()]
    added_keys: list[tuple[str, set[str], set[str]]] = []

    for item in items:
        if item.label == item.qid:
            report.skipped.append(Skipped(item.qid, item.label, "no English label on Wikidata"))
            continue
        if item.qid in by_qid:
            for idx in by_qid[item.qid]:
                row = merged.loc[idx]
                report.matched.append(Match(str(row["character_id"]), item.qid, "qid"))
                report.conflicts.extend(_conflicts(row, item))
            continue
        names = {match_key(n) for n in [item.label, *item.aliases]} - {""}
        works = set().union(*(title_variants(w) for w in item.works)) if item.works else set()
        candidates = [idx for idx, known, titles in keys if known & names and titles & works]
        twin = next((cid for cid, n, t in added_keys if n & names and t & works), None)
        if twin is not None and not candidates:
            # Wikidata sometimes holds two items for one character; adding both would clash.
            report.skipped.append(Skipped(item.qid, item.label, f"same name and work as {twin}, "
                                          "added from another item of this file"))
            continue
        if len(candidates) > 1:
            ids = ", ".join(str(merged.at[i, "character_id"]) for i in candidates)
            report.skipped.append(Skipped(item.qid, item.label, f"matches several rows: {ids}"))
            continue
        if candidates:
            idx = candidates[0]
            row = merged.loc[idx]
            cid = str(row["character_id"])
            if _is_present(row["wikidata_qid"]):
                report.conflicts.append(Conflict(cid, item.qid, "wikidata_qid",
                                                 str(row["wikidata_qid"]), item.qid))
                continue
            conflicts = _conflicts(row, item)
            report.conflicts.extend(conflicts)
            fill = not conflicts  # an unconfirmed identity must not stamp a QID on a row
            if fill:
                merged.at[idx, "wikidata_qid"] = item.qid
            report.matched.append(Match(cid, item.qid, "name+work", qid_filled=fill))
            continue
        reason = _why_not_addable(item)
        if reason:
            report.skipped.append(Skipped(item.qid, item.label, reason))
            continue
        work = item.works[0]
        cid = _unique_slug(item.label, work, taken)
        taken.add(cid)
        label_key = item.label.casefold()
        added_keys.append((cid, names, works))
        new_rows.append({
            "character_id": cid,
            "name": item.label,
            "aliases": [a for a in item.aliases if a.casefold() != label_key and "|" not in a
                        and not a.startswith(FORMULA_STARTS)],
            "work_title": work,
            "work_id": None,
            "year": min(item.years),
            "medium": _first_rule(item.media, _MEDIA_RULES, "other"),
            "creator": "; ".join(item.creators) or None,
            "embodiment": _first_rule(item.classes, _EMBODIMENT_RULES, "other"),
            "wikidata_qid": item.qid,
            "source_note": SOURCE_NOTE,
        })
        report.added.append(cid)

    if new_rows:
        additions = pd.DataFrame(new_rows, columns=list(COLUMNS))
        additions["aliases"] = pd.Series([r["aliases"] for r in new_rows], dtype=object)
        merged = pd.concat([merged, additions], ignore_index=True)
        report.catalogue = merged
    failures = validate_catalogue(merged)
    if failures:
        shown = "\n  ".join(str(f) for f in failures[:MAX_SHOWN])
        raise UserError(
            f"{results_json_path}: the merged catalogue would be invalid (nothing written):\n"
            f"  {shown}\nFix the catalogue (`faip characters check`) or the results file."
        )
    return report


# A cell starting with one of these is run as a formula when the CSV is opened in a
# spreadsheet (CSV injection): such a value from Wikidata is never written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _why_not_addable(item: WikidataItem) -> str | None:
    if not item.works:
        return "no work (P1441) on Wikidata"
    for value in (item.label, item.works[0], *item.creators):
        if value.startswith(FORMULA_STARTS):
            return (f"{value!r} starts with {value[:1]!r}, which a spreadsheet runs as a "
                    "formula; add the character by hand if the value is real")
    if not item.years:
        return "no first-appearance or publication year on Wikidata"
    year = min(item.years)
    if not MIN_YEAR <= year <= max_year():
        return f"year {year} outside {MIN_YEAR}..{max_year()}"
    return None
