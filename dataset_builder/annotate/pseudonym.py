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
