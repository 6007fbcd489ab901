"""The one exception type a user sees: it carries a message that says what to do."""


class UserError(Exception):
    """Bad input or environment; the CLI prints the message and exits non-zero, no traceback."""
