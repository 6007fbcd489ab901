"""A real Label Studio server in seconds, from a cached initialised template.

``label-studio init`` takes about a minute, so the initialised data dir is built once and
cached (``$FAIP_LS_TEMPLATE`` or ``<repo>/.cache/ls-template``); each user (the test session,
a benchmark) copies it and starts in a few seconds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from dataset_builder.annotate import ls_server as lss

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_ENV = "FAIP_LS_TEMPLATE"
# The template's admin account (loopback only, throwaway data dirs).
LOGIN = lss.Login("admin@faip-tests.example.org", "faip-test-password-1",
                  "5c2f0d6e1b7a4c39a8e2f61d0b9c7e3a4f5d6c7b")


def template_dir() -> Path:
    return Path(os.environ.get(TEMPLATE_ENV) or REPO / ".cache" / "ls-template")


def ensure_template(ls_bin: Path) -> Path:
    """The initialised template; built once (under a lock) if missing or half-built."""
    template = template_dir()
    ready = template / "READY"
    template.parent.mkdir(parents=True, exist_ok=True)
    with open(template.parent / f".{template.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists() and ready.read_text().strip() == LOGIN.token:
            return template
        build = Path(tempfile.mkdtemp(prefix=f".{template.name}.", dir=template.parent))
        lss.init_data_dir(ls_bin, build, LOGIN)
        (build / "READY").write_text(LOGIN.token + "\n")
        if template.exists():
            shutil.rmtree(template)
        build.rename(template)
    return template


def start_copy(tmp: Path) -> lss.Server:
    """A server on a copy of the template in ``tmp/ls``; a missing Label Studio install is
    the UserError of ``find_ls_bin``."""
    ls_bin = lss.find_ls_bin()
    template = ensure_template(ls_bin)
    base = tmp / "ls"
    shutil.copytree(template, base, ignore=shutil.ignore_patterns("*.log", "READY"))
    return lss.start(ls_bin, base, LOGIN)
