"""Refuse to release personal data or secrets: e-mail addresses and token-like strings.

Parquet files are scanned column by column (nested lists/structs flattened) with RE2 through
pyarrow.compute; other files are scanned as text. Each string column is first searched as ONE
newline-joined blob with all patterns at once (RE2 per value costs ~100 ns of set-up, which
dominates on short ids); only a column whose blob matches is searched value by value, pattern by
pattern, to count and name what it holds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Named patterns; the names appear in the refusal message, the matches never do.
PATTERNS: dict[str, str] = {
    "an e-mail address": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "a Hugging Face token (hf_…)": r"\bhf_[A-Za-z0-9]{20,}\b",
    "a 40-hex token (e.g. a Label Studio token)": r"\b[0-9a-f]{40}\b",
}
_COMPILED = {name: re.compile(p) for name, p in PATTERNS.items()}
# No pattern can match a newline (no \s, no ".", no negated class), so a match in the blob lies
# inside one value, and "\n" is a non-word character exactly as a value's start or end is for
# \b: the blob matches if and only if some value matches.
_ANY = "|".join(f"(?:{p})" for p in PATTERNS.values())
_SEPARATOR = "\n"


def _string_leaves(array: pa.Array, path: str) -> list[tuple[str, pa.Array]]:
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return [(path, array)]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _string_leaves(array.flatten(), path)
    if pa.types.is_struct(kind):
        out = []
        for i in range(kind.num_fields):
            out += _string_leaves(array.field(i), f"{path}.{kind.field(i).name}")
        return out
    return []


def scan_parquet(path: Path, label: str) -> list[str]:
    return scan_table(pq.read_table(path), label)


def _blob(values: pa.Array) -> pa.Array:
    """All values joined by newlines into one string (a one-element array)."""
    if values.nbytes >= 1 << 30:  # joined data and offsets must stay within int32 offsets
        values = values.cast(pa.large_string())
    # The same buffers without the validity bitmap: a null slot then reads as its (normally
    # empty) bytes. That can only add text to search, never hide a value; cheaper than
    # drop_null, which copies the data.
    bare = pa.Array.from_buffers(values.type, len(values), [None, *values.buffers()[1:]],
                                 offset=values.offset)
    large = pa.types.is_large_string(values.type)
    lists = (pa.LargeListArray if large else pa.ListArray).from_arrays(
        pa.array([0, len(bare)], pa.int64() if large else pa.int32()), bare)
    return pc.binary_join(lists, pa.scalar(_SEPARATOR, values.type))


def may_contain(values: pa.Array) -> bool:
    """False only when no value of ``values`` matches any pattern (one RE2 pass)."""
    if len(values) == 0:
        return False
    return bool(pc.match_substring_regex(_blob(values), _ANY)[0].as_py())


def findings(table: pa.Table) -> list[tuple[str, int, str]]:
    """(column path, number of values, what they contain) for every pattern found."""
    found = []
    for name in table.column_names:
        column = table[name].combine_chunks()
        for leaf, values in _string_leaves(column, name):
            if not may_contain(values):
                continue
            for what, pattern in PATTERNS.items():
                hits = pc.match_substring_regex(values, pattern)
                n = pc.sum(hits.cast(pa.int64())).as_py() or 0
                if n:
                    found.append((leaf, n, what))
    return found


def scan_table(table: pa.Table, label: str) -> list[str]:
    return [f"{label}: column {leaf}: {n} value(s) contain {what}"
            for leaf, n, what in findings(table)]


def scan_text(path: Path, label: str) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    found = []
    for what, rx in _COMPILED.items():
        for line_no, line in enumerate(text.splitlines(), start=1):
            if rx.search(line):
                found.append(f"{label}: line {line_no} contains {what}")
                break
    return found


def scan_folder(folder: Path, scanned: frozenset[str] = frozenset()) -> list[str]:
    """Scan every file; ``scanned`` names parquet files whose tables were already scanned in
    memory before they were written (saves reading them back)."""
    found: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        label = path.relative_to(folder).as_posix()
        if label in scanned:
            continue
        if path.suffix == ".parquet":
            found += scan_parquet(path, label)
        elif path.suffix != ".png":
            found += scan_text(path, label)
    return found
