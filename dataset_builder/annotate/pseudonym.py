"""Annotator pseudonyms: a keyed hash (HMAC-SHA256) of the Label Studio user's email.

Only the pseudonym is ever written; emails and names never reach a file. The key comes from
``FAIP_PSEUDONYM_KEY``, else from the file named by ``FAIP_PSEUDONYM_KEY_FILE``. Without
either, a documented demo key is used with a warning: pseudonyms made with a public key can be
reversed by anyone who guesses the email, so real projects must set their own secret key and
keep it, or the same person gets a different pseudonym in the next pull.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from dataset_builder import console
from dataset_builder.errors import UserError

KEY_ENV = "FAIP_PSEUDONYM_KEY"
KEY_FILE_ENV = "FAIP_PSEUDONYM_KEY_FILE"
# Public on purpose: for the embedded sample and tests only.
DEMO_KEY = "faip-demo-pseudonym-key-not-secret"
# Each pull file records which key made its pseudonyms (parquet metadata), so a release can
# refuse pseudonyms anyone can reverse. The record is a one-way id of the key, not the key.
KEY_METADATA = b"faip_pseudonym_key"
DEMO_KEY_ID = "demo"
SET_KEY_HINT = (f"set {KEY_ENV} (or {KEY_FILE_ENV}, a file holding it) to the project's "
                "secret pseudonym key, pull or import every annotation again into a new "
                "annotations folder, and release from it")


@lru_cache(maxsize=4)
def _warn_demo_key_once() -> None:
    console.warn(
        f"no pseudonym key set: using the public demo key. Set {KEY_ENV} (or {KEY_FILE_ENV}) "
        "to a secret of your own before pulling real annotations."
    )


def pseudonym_key() -> bytes:
    """The HMAC key from the environment, a key file, or (with a warning) the demo key."""
    value = os.environ.get(KEY_ENV, "")
    if value:
        return value.encode("utf-8")
    key_file = os.environ.get(KEY_FILE_ENV, "")
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"{key_file}: cannot read the pseudonym key file named by "
                            f"{KEY_FILE_ENV} ({exc.strerror}).") from exc
        if not text:
            raise UserError(f"{key_file}: the pseudonym key file is empty; put a secret in it.")
        return text.encode("utf-8")
    _warn_demo_key_once()
    return DEMO_KEY.encode("utf-8")


def user_identity(email: str | None, user_id: int | None) -> str:
    """What identifies a person across Label Studio servers: the email, else the local id."""
    if email and email.strip():
        return "email:" + email.strip().casefold()
    if user_id is None:
        raise ValueError("an annotation without completed_by cannot be attributed")
    return f"ls-user:{int(user_id)}"


def contributor_identity(contributor_id: str, user_id: int) -> str:
    """A volunteer's local installation (a random id) and their user id in it."""
    return f"contributor:{contributor_id}:{int(user_id)}"


def pseudonymise(identity: str, key: bytes | None = None) -> str:
    """``ann_`` + 12 hex characters of HMAC-SHA256(key, identity)."""
    digest = hmac.new(key or pseudonym_key(), identity.encode("utf-8"), hashlib.sha256)
    return "ann_" + digest.hexdigest()[:12]


def key_id(key: bytes) -> str:
    """``demo`` for the public demo key, else ``k_`` + 16 hex of a keyed hash of a constant
    (names the key without revealing it: the same key always gives the same id)."""
    if key == DEMO_KEY.encode("utf-8"):
        return DEMO_KEY_ID
    return "k_" + hmac.new(key, b"faip pseudonym key id", hashlib.sha256).hexdigest()[:16]


def recorded_key(path: Path) -> str | None:
    """The key id a pull file records (None: written without one, e.g. by hand)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"{path}: cannot read annotation pull file: {exc}") from exc
    value = meta.get(KEY_METADATA)
    return value.decode("utf-8") if value else None


def releasable_key_problems(directory: Path, allow_demo: bool = False) -> list[str]:
    """Why the pseudonyms of ``directory``'s pull files may not be released: made with the
    public demo key (no key set), with no record of their key, or with several keys (the
    same person would have two pseudonyms). Empty when they may."""
    problems: list[str] = []
    ids: dict[str, list[str]] = {}
    for path in sorted(Path(directory).glob("*.parquet")):
        found = recorded_key(path)
        if found == DEMO_KEY_ID and not allow_demo:
            problems.append(f"{path}: pseudonyms made with the public demo key (no "
                            f"{KEY_ENV} was set when it was pulled or imported); anyone can "
                            "reverse them by guessing e-mails")
        elif found is None:
            problems.append(f"{path}: records no pseudonym key, so its pseudonyms may have "
                            "been made with the public demo key")
        else:
            ids.setdefault(found, []).append(path.name)
    if len(ids) > 1:
        named = "; ".join(f"key {k}: {', '.join(v[:3])}" for k, v in sorted(ids.items()))
        problems.append(f"{directory}: pseudonyms made with {len(ids)} different keys ({named})"
                        "; the same annotator would appear under two pseudonyms")
    return problems
