"""Load, validate and save the AI-character catalogue, and derive the names the extractor seeks.

The catalogue is a plain CSV (``data/characters.csv``) so that contributors can review changes
in a diff; in memory it is a DataFrame whose ``aliases`` cells are ``list[str]`` and whose
empty ``work_id`` / ``wikidata_qid`` cells are missing values.

Which names are matched where (see :func:`scoped_names`):

1. Every surface of a character (its name and each alias) is matched inside the character's
   own work when the row has a ``work_id``: in its own book even "Radius", "Helena" or
   "Data" almost surely mean the character.
2. A surface is *also* matched globally (in every work) only when it is distinctive: it has
   at least 4 letters/digits, and either it contains a digit together with a code-like or
   uncommon token ("HAL 9000", "R2-D2", "T-800"; not "Number 5", "F-1", "B-12"), or it has
   a hyphen or two or more words besides articles/prepositions, one of which is not a common
   English word ("Tik-Tok", "Jon Venex", "Robby the Robot"; not "The Terminator",
   "Deep Thought", "The Steam Man", "Maid-of-All-Work").
   Never global either: names in ``NEVER_GLOBAL`` (also borne by human characters
   elsewhere, e.g. "Porfiry Petrovich") and surfaces starting with a lower-case letter,
   which are descriptions written for one work ("the household robot", "brass creature").
3. A surface claimed globally by two different characters is ambiguous and is not matched
   globally (each keeps its work-scoped match), so no mention is silently attributed to the
   wrong character. Rows with the same name and creator are one character catalogued once
   per work (Tik-Tok in three Oz books): the global match goes to the earliest row, and
   inside each catalogued work its own row wins (see :func:`names_for_work`).

Characters without a ``work_id`` are therefore found only by their distinctive names; one
with neither stays in the catalogue as metadata until its work is collected.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from dataset_builder.characters.name import Name  # what the extractor searches for
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text
from dataset_builder.project import Project
from dataset_builder.validate.schema import Failure, validate_frame

COLUMNS: tuple[str, ...] = (
    "character_id", "name", "aliases", "work_title", "work_id", "year", "medium", "creator",
    "embodiment", "wikidata_qid", "source_note",
)
OPTIONAL_COLUMNS = ("work_id", "wikidata_qid", "creator")
ALIAS_SEPARATOR = "|"
# The CSV's first data row is line 2 (line 1 is the header).
FIRST_DATA_LINE = 2

# Tokens too common to make a multi-word name distinctive on their own. Deliberately short:
# it only has to cover the words that robot names are built from, not all of English.
_COMMON_WORDS_TEXT = """
    a an the of and or in on at to for with by from all is it its his her my our your their
    mr mrs ms miss dr sir lady lord king queen prince princess master mister madam
    man men woman women boy girl child baby person people friend brother sister mother
    father grandmother grandfather grandma grandpa uncle aunt son daughter wife husband
    one two three four five six seven eight nine ten first second third last number
    big little old new great good bad red blue green black white grey gray gold silver
    deep thought mind brain heart soul spirit ghost voice eye eyes face head hand
    machine machines mechanical electric electrical electronic automatic automated automaton
    computer robot robots android androids droid cyborg engine motor steam iron tin steel
    metal clockwork
    ship house home city world earth star stars sun moon space station system core unit model
    series program control central main prime super ultimate artificial intelligence
    maid housemaid servant butler player chess dancing partner work worker soldier wounded
    guardian oracle architect doctor professor captain major general agent officer puppet
    creature monster daemon demon giant beast bird birds claw claws cloud variety
    sleeper service day night light dark
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())
# Articles and prepositions do not make a name multi-word ("The Cyber" is one word).
_FUNCTION_WORDS_TEXT = "a an the of and or in on at to for with by from"
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
# Shorter codes ("F-1", "B-12", "2B", "K-9") collide with vitamins, roads, pencils and visas.
MIN_GLOBAL_CHARS = 4
# Distinctive-looking names that are also ordinary human characters elsewhere (Dostoevsky's
# Porfiry Petrovich, countless Mrs. Davises); matched only inside their own work.
NEVER_GLOBAL = frozenset({
    "porfiry petrovich", "mrs davis", "mrs. davis", "agent smith", "professor thomas",
    "alex murphy", "andrew martin", "cameron phillips", "huey, dewey and louie",
})
_POSSESSIVE = re.compile(r"['’]s\b")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class CatalogueFailure(Failure):
    """A failed check located by its CSV line, so that a contributor can fix the file by hand."""

    line: int | None = None  # CSV line (header is line 1); None for column/table-wide failures

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "table"
        who = f" ({self.row})" if self.row != "-" else ""
        return (f"{where}{who}: column {self.column}: failed {self.check}: "
                f"bad value {self.value} ({self.hint})")


# --- reading and writing -------------------------------------------------------------------


def parse_aliases(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [a.strip() for a in cell.split(ALIAS_SEPARATOR) if a.strip()]


def alias_list(cell: object) -> list[str]:
    """Aliases of one row as a list, whether the cell holds a list, tuple or numpy array
    (parquet round trips give arrays) or nothing."""
    if cell is None or isinstance(cell, str | bytes | float):
        return []
    try:
        return [a for a in cell if isinstance(a, str)]  # type: ignore[attr-defined]
    except TypeError:
        return []


def from_csv_text(text: str, source: str = "<catalogue>") -> pd.DataFrame:
    """Parse catalogue CSV text; bad *values* are kept as they are so validation can name them."""
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(f"{source}: not a readable CSV file: {exc}") from exc
    df = raw.apply(lambda col: col.str.strip()).astype(object)
    if "aliases" in df:
        df["aliases"] = pd.Series([parse_aliases(c) for c in df["aliases"]], index=df.index,
                                  dtype=object)
    for column in OPTIONAL_COLUMNS:
        if column in df:
            df[column] = df[column].map(lambda v: v if v else None)
    if "year" in df:
        years = pd.to_numeric(df["year"], errors="coerce")
        # Keep the original strings when any year is not an integer: the schema then reports
        # the offending rows with their values instead of a silent NaN.
        if years.notna().all() and (years == years.round()).all():
            df["year"] = years.astype("int64")
    return df


def load_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    """Read the catalogue CSV without validating it (``validate_catalogue`` does that)."""
    csv_path = Path(path) if path is not None else Project.find().catalogue
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise UserError(f"{csv_path}: catalogue not found (expected a CSV with columns "
                        f"{', '.join(COLUMNS)}).") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{csv_path}: not UTF-8 text ({exc}); save the file as UTF-8.") from exc
    return from_csv_text(text, source=str(csv_path))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) and hasattr(value, "__iter__"):
        return ALIAS_SEPARATOR.join(alias_list(value))
    if not isinstance(value, str) and pd.isna(value):  # type: ignore[call-overload]
        return ""
    return str(value)


def to_csv_text(df: pd.DataFrame) -> str:
    """Serialise in the committed column order with "\\n" line ends, so diffs stay minimal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in df.loc[:, list(COLUMNS)].itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def save_catalogue(df: pd.DataFrame, path: str | Path | None = None) -> Path:
    """Validate, then write atomically (temp file beside the target + os.replace).

    Validation comes first so that a broken catalogue is never what a crash or a bad import
    leaves behind on disk.
    """
    failures = validate_catalogue(df)
    if failures:
        shown = "\n  ".join(str(f) for f in failures[:20])
        more = f"\n  ... and {len(failures) - 20} more" if len(failures) > 20 else ""
        raise UserError(f"refusing to write an invalid catalogue:\n  {shown}{more}")
    csv_path = Path(path) if path is not None else Project.find().catalogue
    atomic_write_text(csv_path, to_csv_text(df))
    return csv_path


# --- validation ----------------------------------------------------------------------------


def validate_catalogue(df: pd.DataFrame) -> list[CatalogueFailure]:
    """Every failed check of ``CharacterSchema`` at once (lazy validation), in CSV line order."""
    failures = []
    for failure in validate_frame("characters", df):
        # Rows keep the CSV's order, so the row position gives the line even for a duplicated id.
        line = None if failure.position is None else failure.position + FIRST_DATA_LINE
        failures.append(CatalogueFailure(**asdict(failure), line=line))
    failures.sort(key=lambda f: (f.line is not None, f.line or 0, f.column))
    return failures


# --- names for the extractor ---------------------------------------------------------------


def is_distinctive(surface: str) -> bool:
    """True when ``surface`` is safe to match in any work (rule 2 of the module docstring)."""
    if surface.casefold() in NEVER_GLOBAL:
        return False
    if not surface[:1].isupper() and not surface[:1].isdigit():
        return False  # lower-case entries are descriptions ("the household robot"), not names
    tokens = [t.casefold() for t in _TOKEN.findall(_POSSESSIVE.sub("", surface))]
    if sum(len(t) for t in tokens) < MIN_GLOBAL_CHARS:
        return False
    informative = [t for t in tokens if t not in COMMON_WORDS and not t.isdigit()]
    if any(ch.isdigit() for ch in surface):
        # "HAL 9000", "R2-D2", "T-800" yes; "Number 5", "Model 101" no.
        coded = any(any(c.isdigit() for c in t) and any(c.isalpha() for c in t) for t in tokens)
        return coded or bool(informative)
    content = [t for t in tokens if t not in FUNCTION_WORDS]
    if len(content) < 2 and "-" not in surface:
        return False  # "The Terminator" is one word once the article is dropped
    return bool(informative)


def _surfaces(name: object, aliases: object) -> list[str]:
    names: list[str] = []
    candidates: Iterable[object] = [name, *alias_list(aliases)]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip() and candidate.strip() not in names:
            names.append(candidate.strip())
    return names


def scoped_names(df: pd.DataFrame) -> list[Name]:
    """All (surface, character, scope) triples the extractor should search for."""
    scoped: list[Name] = []
    # casefolded surface -> [(first-appearance key, identity key, claim)]
    global_claims: dict[str, list[tuple[tuple[str, str], tuple[str, str], Name]]] = {}
    for row in df.itertuples(index=False):
        work_id = row.work_id if isinstance(row.work_id, str) and row.work_id else None
        identity = (str(row.name).casefold(), str(row.creator).casefold())
        for surface in _surfaces(row.name, row.aliases):
            if work_id is not None:
                scoped.append(Name(surface, row.character_id, work_id))
            if is_distinctive(surface):
                claim = Name(surface, row.character_id, None)
                order = (f"{row.year}".zfill(6), str(row.character_id))
                global_claims.setdefault(surface.casefold(), []).append((order, identity, claim))
    global_names = []
    for claims in global_claims.values():
        if len({claim.character_id for _, _, claim in claims}) > 1 and (
            len({identity for _, identity, _ in claims}) > 1
        ):
            continue  # different characters share the name: ambiguous, scoped matches only
        # One character (possibly one row per work it appears in, e.g. Tik-Tok in three Oz
        # books): the global match goes to its first appearance.
        global_names.append(min(claims, key=lambda c: c[0])[2])
    return scoped + global_names


def names_by_work(df: pd.DataFrame | None = None) -> dict[str | None, dict[str, str]]:
    """``{work_id or None: {surface: character_id}}``; the ``None`` key holds global names.

    With no argument the committed catalogue is used. A surface that two characters claim in
    the same scope is dropped from that scope rather than guessed.
    """
    catalogue = load_catalogue() if df is None else df
    claims: dict[str | None, dict[str, set[str]]] = {}
    spelled: dict[tuple[str | None, str], str] = {}
    for item in scoped_names(catalogue):
        key = item.surface.casefold()
        claims.setdefault(item.work_id, {}).setdefault(key, set()).add(item.character_id)
        spelled.setdefault((item.work_id, key), item.surface)
    mapping: dict[str | None, dict[str, str]] = {}
    for work_id, by_surface in claims.items():
        mapping[work_id] = {
            spelled[(work_id, key)]: next(iter(ids))
            for key, ids in by_surface.items()
            if len(ids) == 1
        }
    return mapping


def names_for_work(
    mapping: dict[str | None, dict[str, str]], work_id: str | None
) -> dict[str, str]:
    """The surfaces to search in one work: the global names plus that work's own names.

    A work-scoped name wins over a global name spelled the same way (casefolded), because
    inside its own work the local character is the likelier referent.
    """
    local = mapping.get(work_id, {}) if work_id is not None else {}
    local_keys = {s.casefold() for s in local}
    merged = {s: c for s, c in mapping.get(None, {}).items() if s.casefold() not in local_keys}
    merged.update(local)
    return merged
