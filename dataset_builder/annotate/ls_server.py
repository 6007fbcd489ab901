"""Run a local Label Studio server: isolated data dir, analytics off, loopback only.

Used by ``faip annotate serve``, the test fixture and the benchmark. Label Studio lives in its
own virtualenv (it pins its own dependencies); we find its ``label-studio`` executable and run
it as a subprocess with an environment that keeps everything inside one folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from dataset_builder.errors import UserError

BIN_ENV = "LABEL_STUDIO_BIN"
_REPO_BIN = Path(__file__).resolve().parents[2] / ".venv-ls" / "bin" / "label-studio"
INSTALL_HINT = ("python3 -m venv .venv-ls && .venv-ls/bin/pip install label-studio==1.23.2 "
                f"(or set {BIN_ENV} to its label-studio executable)")


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    token: str


@dataclass
class Server:
    url: str
    login: Login
    base_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Stop the server (and the workers it forked): the process group gets ``sig``."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def find_ls_bin(explicit: str | Path | None = None) -> Path:
    """The label-studio executable: argument, $LABEL_STUDIO_BIN, ./.venv-ls, then PATH."""
    # An explicit choice that is wrong is an error, not a reason to silently use another one.
    candidates = [(explicit, "--ls-bin"), (os.environ.get(BIN_ENV) or None, BIN_ENV),
                  (_REPO_BIN, None), (shutil.which("label-studio"), None)]
    for c, named_by in candidates:
        if not c:
            continue
        if Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
        if named_by:
            raise UserError(f"{c} (from {named_by}) is not an executable label-studio; "
                            f"install it with {INSTALL_HINT}.")
    raise UserError(f"Label Studio is not installed; install it with {INSTALL_HINT}.")


def ls_env(base_dir: Path, login: Login) -> dict[str, str]:
    """An environment that keeps Label Studio's state in ``base_dir`` and sends nothing out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(base_dir / "data"),
        "XDG_CONFIG_HOME": str(base_dir / ".xdg"),
        "HOME": str(base_dir),
        "LABEL_STUDIO_USERNAME": login.username,
        "LABEL_STUDIO_PASSWORD": login.password,
        "LABEL_STUDIO_USER_TOKEN": login.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
        "LATEST_VERSION_CHECK": "false",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    })
    return env


def is_initialised(base_dir: Path) -> bool:
    return (base_dir / "data" / "label_studio.sqlite3").is_file()


def init_data_dir(ls_bin: Path, base_dir: Path, login: Login, timeout: float = 600) -> None:
    """Create the database, the organisation and the admin user (about 40-60 s)."""
    (base_dir / "data").mkdir(parents=True, exist_ok=True)
    (base_dir / ".xdg").mkdir(parents=True, exist_ok=True)
    log = base_dir / "init.log"
    with open(log, "wb") as out:
        proc = subprocess.run(
            [str(ls_bin), "init", "-q", "--username", login.username, "--password",
             login.password, "--user-token", login.token, "--enable-legacy-api-token"],
            env=ls_env(base_dir, login), cwd=base_dir, stdout=out, stderr=subprocess.STDOUT,
            timeout=timeout, check=False)
    if proc.returncode != 0 or not is_initialised(base_dir):
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise UserError(f"{ls_bin} init failed (exit {proc.returncode}); log {log}:\n{tail}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start(ls_bin: Path, base_dir: Path, login: Login, port: int | None = None,
          timeout: float = 180.0) -> Server:
    """Start the server on 127.0.0.1 and wait until GET /health answers."""
    if port is None:
        port = free_port()
    elif not port_is_free(port):
        # Label Studio would silently take the next port; refuse instead.
        raise UserError(f"port {port} on 127.0.0.1 is in use; pick another with --port.")
    log_path = base_dir / "server.log"
    out = open(log_path, "ab")  # noqa: SIM115 - the child process keeps writing to it
    process = subprocess.Popen(
        [str(ls_bin), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port",
         str(port), "--log-level", "WARNING"],
        env=ls_env(base_dir, login), cwd=base_dir, stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()
    server = Server(f"http://127.0.0.1:{port}", login, base_dir, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running():
            raise UserError(f"Label Studio exited with status {process.returncode} while "
                            f"starting; log {log_path}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise UserError(f"Label Studio did not answer {server.url}/health within {timeout:.0f} s; "
                    f"log {log_path}:\n{server.log_tail()}")
