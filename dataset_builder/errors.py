"""The one exception type a user sees: it carries a message that says what to do.

Library callers can tell kinds apart by subclass (each is still a ``UserError``, so the CLI
prints its message and exits non-zero):

- :class:`ValidationError`: tables that fail their schemas; ``failures`` lists every one;
- :class:`LabelStudioError`: the server cannot be reached, refuses the token, answers an
  error, or has no (or several) projects of a title; ``url`` names the server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# user:password@ in a URL (a Label Studio or mirror URL typed with credentials).
_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


class UserError(Exception):
    """Bad input or environment; the CLI prints the message and exits non-zero, no traceback."""


class ValidationError(UserError):
    """Tables failed validation; ``failures`` holds every ``validate.schema.Failure``."""

    def __init__(self, message: str, failures: Sequence[Any]) -> None:
        super().__init__(message)
        self.failures = list(failures)


class LabelStudioError(UserError):
    """Label Studio at ``url`` could not do what was asked (the message says why)."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(r"\g<scheme>***@", text)
