"""The ``characters`` table: the curated catalogue of fictional artificial minds.

One row per character *in one work*: facts only (names, work, year, medium, creator,
embodiment, Wikidata id), never persona or trait labels — those come from annotation.
The committed copy is ``data/characters.csv``; releases ship it as the ``characters`` config.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import DataFrame, Series

from dataset_builder.schemas._common import WORK_ID, ListCells, is_list_of_str
from dataset_builder.schemas.derived import ITEMS, RELEASE

# Controlled vocabularies; extend them here (and in the annotation guide) before using a new value.
MEDIA: tuple[str, ...] = (
    "novel", "short_story", "play", "film", "tv", "game", "comics", "other",
)
EMBODIMENTS: tuple[str, ...] = (
    "humanoid_robot", "android", "computer", "ship_mind", "network", "automaton", "cyborg",
    "virtual", "other",
)

CHARACTER_ID = r"^[a-z0-9][a-z0-9-]*$"
QID = r"^Q[1-9][0-9]*$"
# The oldest catalogued works are from the 1790s; 1700 leaves room for eighteenth-century
# automaton fiction without admitting typos such as 197 or 19680.
MIN_YEAR = 1700


def max_year() -> int:
    """Computed at validation time so the bound moves with the calendar (next year's releases)."""
    return dt.date.today().year + 1


def work_key(df: pd.DataFrame) -> pd.Series:
    """Which work a row belongs to: its work_id, else its normalised title (uncollected works)."""
    title = df["work_title"].astype("string").str.strip().str.casefold()
    work_id = df["work_id"].astype("string")
    return work_id.where(work_id.notna() & (work_id != ""), "title:" + title.fillna(""))


def surfaces(name: object, aliases: object) -> set[str]:
    """The casefolded names a row can be found by (name + aliases), for clash detection."""
    found: set[str] = set()
    if isinstance(name, str) and name.strip():
        found.add(name.strip().casefold())
    if aliases is not None and not isinstance(aliases, str | bytes | float):
        # Not a list: the aliases column check reports it, this check just skips the cell.
        with contextlib.suppress(TypeError):
            found.update(a.strip().casefold() for a in aliases if isinstance(a, str) and a.strip())
    return found


def shared_surface_rows(df: pd.DataFrame) -> pd.Series:
    """Per row: False when one of its names is also a name of another character of the same work.

    Two characters answering to the same name in one work make the extractor's mention
    attribution ambiguous, so the catalogue must disambiguate (drop or qualify the alias).
    """
    if not {"name", "aliases", "work_title", "work_id"} <= set(df.columns):
        return pd.Series(True, index=df.index)  # the missing column is reported on its own
    owners: dict[tuple[str, str], set[object]] = {}
    keys = work_key(df)
    for idx, key, name, aliases in zip(df.index, keys, df["name"], df["aliases"], strict=True):
        for surface in surfaces(name, aliases):
            owners.setdefault((str(key), surface), set()).add(idx)
    clashing = {i for ids in owners.values() if len(ids) > 1 for i in ids}
    return pd.Series([i not in clashing for i in df.index], index=df.index, dtype=bool)


def _clean_aliases(cell: object) -> bool:
    try:
        items = list(cell)  # type: ignore[call-overload]
    except TypeError:
        return False
    return all(isinstance(a, str) and a and a.strip() == a and "|" not in a for a in items)


class CharacterSchema(pa.DataFrameModel):
    character_id: Series[str] = pa.Field(unique=True, str_matches=CHARACTER_ID)
    name: Series[str] = pa.Field(str_matches=r"\S")
    # list[str]; in the CSV the aliases of one row are joined with "|".
    aliases: Series[ListCells] = pa.Field(metadata={ITEMS: "string"})
    work_title: Series[str] = pa.Field(str_matches=r"\S")
    work_id: Series[str] = pa.Field(nullable=True, str_matches=WORK_ID)
    year: Series[int] = pa.Field(metadata={RELEASE: "int32"})
    medium: Series[str] = pa.Field(isin=MEDIA)
    creator: Series[str] = pa.Field(nullable=True)
    embodiment: Series[str] = pa.Field(isin=EMBODIMENTS)
    wikidata_qid: Series[str] = pa.Field(nullable=True, str_matches=QID)
    source_note: Series[str] = pa.Field(str_matches=r"\S")

    @pa.check("aliases", name="list of non-empty, trimmed strings without '|'")
    def _aliases(cls, series: Series[ListCells]) -> Series[bool]:
        return is_list_of_str(series) & series.map(_clean_aliases).astype(bool)

    @pa.check("year", name=f"{MIN_YEAR} <= year <= current year + 1")
    def _year(cls, series: Series[int]) -> Series[bool]:
        # Non-integers are already reported by the dtype coercion; don't fail them twice.
        years = pd.to_numeric(series, errors="coerce")
        return years.isna() | ((years >= MIN_YEAR) & (years <= max_year()))

    @pa.dataframe_check(name="no name or alias shared by two characters of the same work")
    def _no_shared_alias(cls, df: DataFrame) -> Series[bool]:
        return shared_surface_rows(df)

    class Config:
        name = "characters"
        strict = True
        coerce = True
