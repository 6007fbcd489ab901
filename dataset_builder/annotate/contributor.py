"""A volunteer's identity and consent, carried by every task of their local Label Studio.

``faip annotate serve`` gives each local installation a random contributor id (``c_`` + 16
hex) and records the volunteer's consent to release their annotations under CC BY 4.0. Both
are written into the data of every task it pushes (``contributor``, ``consent``), so any
export of that project, the plain JSON export of the web page included, says who made it
(as a random id, never an e-mail or name) and under which licence, without extra files.
``CONSENT_SENTENCE`` is the one text of the agreement: CONTRIBUTING.md, the serve prompt
and the labelling instructions all show this sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text

LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CONSENT_SENTENCE = (
    "I agree that the annotations I make here are released, as part of the Fictional AI "
    "Personas corpus, under the Creative Commons Attribution 4.0 International licence "
    f"(CC BY 4.0, {LICENCE_URL}), attributed to the corpus's contributors, with me named "
    "only by a pseudonym."
)
# Task data keys (hidden from annotators by the labelling screen).
CONTRIBUTOR_KEY = "contributor"
CONSENT_KEY = "consent"
CONTRIBUTOR_ID = re.compile(r"^c_[0-9a-f]{16}$")
FILE = "contributor.json"


@dataclass(frozen=True)
class Contributor:
    """One local installation's volunteer: a random id and the licence they agreed to."""

    contributor_id: str
    consent: str | None  # LICENCE once agreed, else None
    agreed_at: str | None = None

    def task_data(self) -> dict[str, str | None]:
        return {CONTRIBUTOR_KEY: self.contributor_id, CONSENT_KEY: self.consent}


def load(folder: Path) -> Contributor | None:
    path = folder / FILE
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = Contributor(str(raw["contributor_id"]), raw.get("consent"), raw.get("agreed_at"))
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a contributor record ({exc}); delete it and start serve "
                        "again (you get a new contributor id).") from None
    if not CONTRIBUTOR_ID.match(found.contributor_id):
        raise UserError(f"{path}: contributor_id {found.contributor_id!r} is not c_ + 16 hex; "
                        "delete the file and start serve again.")
    return found


def load_or_create(folder: Path, agree: bool) -> Contributor:
    """The installation's contributor record; ``agree`` records consent (kept once given)."""
    found = load(folder)
    if found is not None and (found.consent == LICENCE or not agree):
        return found
    made = Contributor(
        found.contributor_id if found else "c_" + secrets.token_hex(8),
        LICENCE if agree else None,
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if agree else None)
    atomic_write_text(folder / FILE, json.dumps(made.__dict__, indent=2) + "\n")
    return made


def task_contributor(data: object) -> str | None:
    """The contributor id a task's data carries, if it is a well-formed one."""
    if isinstance(data, dict):
        value = data.get(CONTRIBUTOR_KEY)
        if isinstance(value, str) and CONTRIBUTOR_ID.match(value):
            return value
    return None
