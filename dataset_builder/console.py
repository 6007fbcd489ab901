"""One place for what the user sees on the terminal: messages and progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

# Messages go to stderr so that stdout stays clean for machine-readable output (--format json).
console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def info(message: str) -> None:
    console.print(escape(message))


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {escape(message)}")


def problem(message: str) -> None:
    """One clear line about one failed input; the run goes on."""
    console.print(f"[red]error:[/red] {escape(message)}")


def _progress_enabled() -> bool:
    return os.environ.get("FAIP_NO_PROGRESS", "") == "" and sys.stderr.isatty()


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar on a terminal; silently elsewhere (CI logs, pipes)."""
    if not _progress_enabled():
        yield from items
        return
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
