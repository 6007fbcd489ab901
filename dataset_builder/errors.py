"""The one exception type a user sees: it carries a message that says what to do."""

import re

# user:password@ in a URL (a Label Studio or mirror URL typed with credentials).
_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


class UserError(Exception):
    """Bad input or environment; the CLI prints the message and exits non-zero, no traceback."""


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(r"\g<scheme>***@", text)
