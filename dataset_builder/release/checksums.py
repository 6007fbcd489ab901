"""CHECKSUMS: the sha256 of every file of a release folder, in ``sha256sum`` format."""

from __future__ import annotations

from pathlib import Path

from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text, sha256_file

NAME = "CHECKSUMS"


def release_files(folder: Path) -> list[str]:
    """Every file below ``folder`` (relative POSIX paths, sorted), CHECKSUMS itself excluded."""
    # Hidden entries (.gitattributes, download caches, temp files) are not release files.
    rels = (p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    return sorted(r.as_posix() for r in rels
                  if r.as_posix() != NAME and not any(x.startswith(".") for x in r.parts))


def compute(folder: Path) -> dict[str, str]:
    return {rel: sha256_file(folder / rel) for rel in release_files(folder)}


def render(sums: dict[str, str]) -> str:
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(sums.items()))


def write(folder: Path) -> dict[str, str]:
    sums = compute(folder)
    atomic_write_text(folder / NAME, render(sums))
    return sums


def parse(text: str, source: str = NAME) -> dict[str, str]:
    sums: dict[str, str] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise UserError(f"{source}: line {line_no}: expected '<sha256>  <path>', got {line!r}.")
        sums[rel] = digest
    return sums


def read(folder: Path) -> dict[str, str]:
    path = folder / NAME
    if not path.exists():
        raise UserError(f"{path}: not found; is {folder} a release folder built by `faip release`?")
    return parse(path.read_text(encoding="utf-8"), str(path))


def mismatches(folder: Path) -> list[str]:
    """Human-readable differences between CHECKSUMS and the files on disk."""
    recorded, actual = read(folder), compute(folder)
    out = [f"{rel}: missing" for rel in sorted(set(recorded) - set(actual))]
    out += [f"{rel}: not listed in {NAME}" for rel in sorted(set(actual) - set(recorded))]
    out += [f"{rel}: sha256 differs" for rel in sorted(set(recorded) & set(actual))
            if recorded[rel] != actual[rel]]
    return out
