"""Options several commands take, declared once (same name, type, help and default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

_WORKDIR_HELP = ("Work directory: one build's tables (works, passages, labels, annotations/) "
                 "and texts.")


def workdir(*, default: Path | None = None, required: bool = True) -> Any:
    """``--workdir/-w DIR``: required, unless a command owns a default (``faip demo``) or
    another option can stand in for it (``annotate import --annotations-dir``)."""
    return click.option(
        "--workdir", "-w", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
        default=default, show_default=default is not None,
        required=required and default is None, help=_WORKDIR_HELP)


WORKDIR = workdir()

CATALOGUE = click.option(
    "--catalogue", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="PATH", help="AI-character catalogue CSV (default: the project's "
    "data/characters.csv).")

ANNOTATIONS_DIR = click.option(
    "--annotations-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    metavar="DIR", help="Folder of annotation pull files (default: WORKDIR/annotations).")
