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
from dataset_builder.annotate import contributor
from dataset_builder.annotate import ls_server as lss
from dataset_builder.annotate.release_source import (
    Choice,
    release_model_version,
    release_passages,
)
from dataset_builder.constants import SERVE_PROJECT
from dataset_builder.errors import UserError
from dataset_builder.io import atomic_write_text

DEFAULT_PROJECT = SERVE_PROJECT
LOGIN_FILE = "login.json"
RUNNING_FILE = "running.json"  # pid and URL of the server serve started


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
    # Absolute: the folder is both Label Studio's data dir setting and its working directory,
    # and a relative path would be resolved twice (a stray nested database).
    base = Path(workdir).resolve() / "label-studio"
    url = already_running(base)
    if url is not None:
        raise UserError(f"{base}: a Label Studio of this work dir already runs at {url}; open "
                        "it in your browser, or stop that serve (Ctrl-C) before starting "
                        "another (two servers on one database can lose work).")
    binary = lss.find_ls_bin(ls_bin)
    base.mkdir(parents=True, exist_ok=True)
    login = load_or_create_login(base)
    if not lss.is_initialised(base):
        console.info("first start: initialising Label Studio in "
                     f"{base} (about a minute)…")
        lss.init_data_dir(binary, base, login)
    server = lss.start(binary, base, login, port)
    atomic_write_text(base / RUNNING_FILE,
                      json.dumps({"pid": server.process.pid, "url": server.url}) + "\n")
    return server


def already_running(base: Path) -> str | None:
    """The URL of a live server started on this data dir (its process alive and answering)."""
    import httpx

    try:
        raw = json.loads((base / RUNNING_FILE).read_text(encoding="utf-8"))
        os.kill(int(raw["pid"]), 0)
        if httpx.get(f"{raw['url']}/health", timeout=2).status_code == 200:
            return str(raw["url"])
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError):
        pass  # no record, a stale one (the process is gone), or not answering
    return None


def contributor_for(workdir: str | Path, agree: bool) -> contributor.Contributor:
    """The volunteer of this work dir, who must have agreed to the licence to contribute."""
    base = Path(workdir).resolve() / "label-studio"
    base.mkdir(parents=True, exist_ok=True)
    found = contributor.load_or_create(base, agree)
    if found.consent != contributor.LICENCE:
        raise UserError("your annotations can only join the corpus under CC BY 4.0: rerun "
                        "with --agree-cc-by to record that you agree to this sentence: "
                        f"{contributor.CONSENT_SENTENCE}")
    return found


def serve(workdir: str | Path, ls_bin: str | Path | None = None, port: int | None = None,
          project: str = DEFAULT_PROJECT, limit: int | None = 50,
          ready: Callable[[lss.Server], None] | None = None, release: str | None = None,
          choice: Choice | None = None, source: str | Path | None = None,
          endpoint: str | None = None, agree: bool = False) -> int:
    """Start Label Studio, push up to ``limit`` passages (of the work dir, or of ``release``
    chosen by ``choice``), wait for Ctrl-C; return the exit code."""
    from dataset_builder.annotate.push import push

    workdir = Path(workdir).resolve()
    who = contributor_for(workdir, agree)
    chosen = None
    if release is not None:  # read (and checked) before the server starts: errors come fast
        chosen = release_passages(release, workdir, choice or Choice(limit=limit), source,
                                  endpoint)
    server = start_local(workdir, ls_bin, port)
    stop_requested = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if chosen is not None:
            result = push(workdir, server.url, project, token=server.login.token,
                          passages=chosen.passages, extra_data=who.task_data(),
                          model_version=release_model_version(chosen.version))
            console.info(f"project {project!r}: {result.imported} new task(s) from "
                         f"{chosen.label} (release {chosen.version}), {result.already_there} "
                         f"already there; {chosen.withheld_skipped} passage(s) skipped because "
                         "their text is withheld (pass --source with your copy of the works to "
                         f"restore them), {chosen.restored} restored")
        elif (workdir / "passages.parquet").exists():
            result = push(workdir, server.url, project, token=server.login.token, limit=limit,
                          extra_data=who.task_data())
            console.info(f"project {project!r}: {result.imported} new task(s), "
                         f"{result.already_there} already there")
        else:
            console.warn(f"{workdir}/passages.parquet not found: the project is not created; "
                         "pass --release ORG/NAME@vX.Y.Z (or a release folder), or run "
                         "`faip collect` and `faip extract` first, then restart serve.")
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
        (server.base_dir / RUNNING_FILE).unlink(missing_ok=True)
        for s, handler in previous.items():
            signal.signal(s, handler)
        console.info("Label Studio stopped.")
