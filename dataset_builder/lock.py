"""One writer at a time per directory: the lock every command takes before it writes a work
dir, an annotations folder, the splits file's folder or a release folder's parent.

Two writers of one directory lose data (two extracts share a spool, two imports store the same
rows twice), so the second one stops at once with one line naming the holder. Readers take no
lock: every table is replaced atomically, so a reader sees the old table or the new one.

The lock is ``flock`` on ``DIR/.faip.lock``: the kernel releases it when its holder dies, even
by ``kill -9``, so a crashed run never leaves a stale lock. The file records the holder (pid,
command, start time) for the message; its content is informative, never trusted. A process
takes each directory's lock once: nested writers (``faip demo``, ``faip build`` and the Python
API calling one stage from another) share it.

Once the lock is held nobody else writes the directory, so the hidden leftovers of killed runs
(``.<name>.<random>.tmp`` of atomic writes, the extract spool, ``.<out>.partial-*`` release
folders) are removed then: that is when they are known to be dead.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from dataset_builder.errors import UserError

try:
    import fcntl
except ImportError:  # Windows: no flock; writers are not serialised there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".faip.lock"
# What a killed writer leaves behind, by the exact shapes of their names (tempfile's random
# part is 8 characters of [a-z0-9_]): atomic_open's ".<name>.<random>.tmp", the extract spool,
# a release's ".<out>.partial-<random>" folder. No other file is ever touched.
_RANDOM = r"[a-z0-9_]{8}"
_LEFTOVER = re.compile(rf"^\..+\.{_RANDOM}\.tmp$|^\..+\.parquet\.spool$"
                       rf"|^\..+\.partial-{_RANDOM}$")

P = ParamSpec("P")
R = TypeVar("R")

# Resolved directory -> (open lock file, nesting depth) of the locks this process holds.
_held: dict[Path, tuple[IO[str], int]] = {}


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (f"`faip {info['command']}` (pid {info['pid']} on {info['host']}, started "
                f"{info['started']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another faip process"


def remove_leftovers(directory: Path) -> list[Path]:
    """Delete the hidden temp files and folders of killed runs in ``directory`` and its direct
    subfolders; call only while holding its lock. A subfolder with a lock of its own (the
    annotations folder, agreement/) is its own writers' to clean: one may be writing there
    now. Returns what was removed."""
    removed: list[Path] = []
    folders = [directory]
    try:
        folders += [Path(e.path) for e in os.scandir(directory)
                    if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")
                    and not os.path.exists(os.path.join(e.path, LOCK_NAME))]
    except OSError:
        return removed
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name == LOCK_NAME or not _LEFTOVER.match(entry.name):
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextmanager
def directory_lock(directory: str | os.PathLike[str], command: str) -> Iterator[Path]:
    """Hold the write lock of ``directory`` (created if missing) for the block.

    Another process holding it is a UserError naming that process; this process holding it
    already (a nested call) just goes on.
    """
    root = Path(directory)
    created = _make(root)
    key = root.resolve()
    if key in _held:
        handle, depth = _held[key]
        _held[key] = (handle, depth + 1)
        try:
            yield root
        finally:
            _held[key] = (_held[key][0], _held[key][1] - 1)
        return
    path = key / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held beyond this block
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(
                    f"{root}: {_holder(path)} is writing here; wait for it to finish (or stop "
                    "it), then rerun. Two writers at once would lose data.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            "command": command, "pid": os.getpid(), "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }) + "\n")
        handle.flush()
        remove_leftovers(key)
        _held[key] = (handle, 1)
        try:
            yield root
        finally:
            del _held[key]
            if created and not any(p.name != LOCK_NAME for p in key.iterdir()):
                # A run that failed before writing anything leaves no folder behind.
                path.unlink(missing_ok=True)
                for folder in (key, *created[1:]):
                    try:
                        folder.rmdir()
                    except OSError:
                        break
    finally:
        handle.close()  # closing the file releases the flock


def _make(root: Path) -> list[Path]:
    """``root.mkdir(parents=True)``; returns the folders it created, deepest first."""
    missing = []
    folder = root.resolve()
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    return missing


Spec = str | Callable[[dict[str, Any]], "str | os.PathLike[str] | None"]


def writes(command: str, *params: Spec) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a Python API function that writes the directories named by its arguments
    ``params`` (None arguments are skipped); each is locked for the whole call.

    A parameter written ``name/sub`` locks ``<name>/sub`` (``workdir/annotations``); one
    written ``name^`` locks the parent folder of the path it names (a file, or a new folder);
    ``a|b`` locks the first of ``a`` and ``b`` whose argument is not None; a callable gets
    the bound arguments (defaults applied) and returns the folder.
    """
    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            folders: list[Path] = []
            for spec in params:
                if callable(spec):
                    given = spec(bound.arguments)
                    folder = Path(given) if given is not None else None
                else:  # "a|b": the first of the alternatives whose argument is given
                    found = (_folder(bound.arguments, alt) for alt in spec.split("|"))
                    folder = next((f for f in found if f is not None), None)
                if folder is not None:
                    folders.append(folder)
            with _all_locked(folders, command):
                return fn(*args, **kwargs)

        return wrapper

    return decorate


def _folder(arguments: dict[str, Any], spec: str) -> Path | None:
    name, _, sub = spec.partition("/")
    parent = name.endswith("^")
    value = arguments.get(name.rstrip("^"))
    if value is None:
        return None
    path = Path(value) / sub if sub else Path(value)
    return path.parent if parent else path


@contextmanager
def _all_locked(folders: list[Path], command: str) -> Iterator[None]:
    if not folders:
        yield
        return
    with directory_lock(folders[0], command), _all_locked(folders[1:], command):
        yield
