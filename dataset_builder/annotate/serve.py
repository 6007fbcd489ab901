"""``faip annotate serve``: a throwaway local Label Studio for one contributor.

State lives in ``<workdir>/label-studio`` (database, login); the first start initialises it
(about a minute), later starts take seconds. The login is printed (a local throwaway account);
the API token is stored there for later starts but never printed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path

from dataset_builder import console
from dataset_builder.annotate import server as lss
from dataset_builder.constants import SERVE_PROJECT
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text

DEFAULT_PROJECT = SERVE_PROJECT
LOGIN_FILE = "login.json"


def load_or_create_login(base_dir: Path) -> lss.Login:
    path = base_dir / LOGIN_FILE
    if path.exists():
        raw = json.loads(path.read_text(encoding="utf-8"))
        return lss.Login(raw["username"], raw["password"], raw["token"])
    login = lss.Login("contributor@localhost.localdomain", secrets.token_urlsafe(12),
                      secrets.token_hex(20))
    atomic_write_text(path, json.dumps(login.__dict__) + "\n")
    os.chmod(path, 0o600)
    return login


def start_local(workdir: str | Path, ls_bin: str | Path | None = None,
                port: int | None = None) -> lss.Server:
    """Initialise (first time) and start the contributor's server; returns when it is up."""
    base = Path(workdir) / "label-studio"
    binary = lss.find_ls_bin(ls_bin)
    base.mkdir(parents=True, exist_ok=True)
    login = load_or_create_login(base)
    if not lss.is_initialised(base):
        console.info("first start: initialising Label Studio in "
                     f"{base} (about a minute)…")
        lss.init_data_dir(binary, base, login)
    return lss.start(binary, base, login, port)


def serve(workdir: str | Path, ls_bin: str | Path | None = None, port: int | None = None,
          project: str = DEFAULT_PROJECT, limit: int | None = 50,
          ready: Callable[[lss.Server], None] | None = None) -> int:
    """Start Label Studio, push up to ``limit`` passages, wait for Ctrl-C; return exit code."""
    from dataset_builder.annotate.push import push

    workdir = Path(workdir)
    server = start_local(workdir, ls_bin, port)
    stop_requested = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if (workdir / "passages.parquet").exists():
            result = push(workdir, server.url, project, token=server.login.token, limit=limit)
            console.info(f"project {project!r}: {result.imported} new task(s), "
                         f"{result.already_there} already there")
        else:
            console.warn(f"{workdir}/passages.parquet not found: the project is not created; "
                         "run `faip collect` and `faip extract` first, then restart serve.")
        console.info(f"Label Studio is running at {server.url}\n"
                     f"  log in as {server.login.username}  password {server.login.password}\n"
                     "  (a local throwaway login). Press Ctrl-C to stop.")
        if ready is not None:
            ready(server)
        while not stop_requested and server.running():
            time.sleep(0.2)
        if not server.running() and not stop_requested:
            raise UserError(f"Label Studio stopped unexpectedly (exit {server.process.returncode})"
                            f"; log {server.log_path}:\n{server.log_tail()}")
        return 0
    finally:
        server.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
        console.info("Label Studio stopped.")
