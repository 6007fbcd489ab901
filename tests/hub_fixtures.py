"""A Hub-compatible endpoint on loopback for publishing tests: writes (and the reads that
publishing needs) are served here from real git repositories; olah serves the same repositories
read-only to ``datasets.load_dataset``.

Layout: ``<mirrors>/datasets/<org>/<name>`` is a bare git repository (what olah's offline
mirror mode reads). Each ``create_commit`` becomes a real commit made with the git CLI; a tag
is a real annotated git tag. ``HubServer.faults`` maps an operation name ("create",
"preupload", "commit", "tag", "refs") to an HTTP status to answer instead (fault injection).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tests.threaded_server import running

TOKEN = "test-write-token-0000"  # not token-shaped on purpose: it must never trip the scanner
GIT_ENV = {
    "GIT_AUTHOR_NAME": "faip tests", "GIT_AUTHOR_EMAIL": "tests@faip.invalid",
    "GIT_COMMITTER_NAME": "faip tests", "GIT_COMMITTER_EMAIL": "tests@faip.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
}


def _git(repo: Path, *args: str, stdin: bytes | None = None,
         env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **GIT_ENV, **(env or {})}
    done = subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True,
                          env=full_env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode()}")
    return done.stdout.decode().strip()


class GitRepo:
    """A bare repository with the few operations the Hub API needs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def create(self) -> None:
        self.path.mkdir(parents=True)
        _git(self.path, "init", "--bare", "--quiet", "--initial-branch=main")
        # The Hub starts every repository with a .gitattributes commit.
        self.commit(None, {".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"},
                    [], "initial commit")

    def head(self, ref: str = "main") -> str | None:
        try:
            return _git(self.path, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except RuntimeError:
            return None

    def commit(self, parent: str | None, files: dict[str, bytes], deleted: list[str],
               message: str) -> str:
        index = self.path / f"index-{threading.get_ident()}"
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            if parent:
                _git(self.path, "read-tree", parent, env=env)
            else:
                _git(self.path, "read-tree", "--empty", env=env)
            lines = []
            for rel, data in files.items():
                blob = _git(self.path, "hash-object", "-w", "--stdin", stdin=data)
                lines.append(f"100644 {blob}\t{rel}")
            if lines:
                _git(self.path, "update-index", "--add", "--index-info",
                     stdin=("\n".join(lines) + "\n").encode(), env=env)
            for rel in deleted:
                _git(self.path, "update-index", "--force-remove", rel, env=env)
            tree = _git(self.path, "write-tree", env=env)
        finally:
            index.unlink(missing_ok=True)
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        oid = _git(self.path, *args)
        # Compare-and-swap: fails if main moved since `parent` was read.
        _git(self.path, "update-ref", "refs/heads/main", oid, parent or "0" * 40)
        return oid

    def files(self, rev: str) -> list[tuple[str, str, int]]:
        out = _git(self.path, "ls-tree", "-r", "-l", rev)
        rows = []
        for line in out.splitlines():
            meta, rel = line.split("\t", 1)
            _, _, oid, size = meta.split()
            rows.append((rel, oid, int(size)))
        return rows

    def read(self, rev: str, rel: str) -> bytes | None:
        full_env = {**os.environ, **GIT_ENV}
        done = subprocess.run(["git", "-C", str(self.path), "show", f"{rev}:{rel}"],
                              capture_output=True, env=full_env, check=False)
        return done.stdout if done.returncode == 0 else None

    def refs(self, prefix: str) -> list[tuple[str, str]]:
        out = _git(self.path, "for-each-ref", "--format=%(refname)%09%(objectname)", prefix)
        rows = []
        for line in out.splitlines():
            ref, _ = line.split("\t")
            rows.append((ref, _git(self.path, "rev-parse", f"{ref}^{{commit}}")))
        return rows


class HubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mirrors: Path, token: str = TOKEN) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mirrors, self.token = mirrors, token
        self.faults: dict[str, int] = {}
        self.log: list[str] = []
        self.repos_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def repo(self, repo_id: str) -> GitRepo:
        return GitRepo(self.mirrors / "datasets" / repo_id)


class _Handler(BaseHTTPRequestHandler):
    server: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        return

    # -- helpers -------------------------------------------------------------------------
    def _send(self, status: int, body: Any = None, raw: bytes | None = None,
              headers: dict[str, str] | None = None) -> None:
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if raw is not None
                         else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        headers = {"X-Error-Message": message}
        # huggingface_hub maps these codes to RepositoryNotFoundError etc., as the Hub does.
        for code, prefix in (("RepoNotFound", "Repository"), ("RevisionNotFound", "Revision"),
                             ("EntryNotFound", "Entry")):
            if status == 404 and message.startswith(prefix):
                headers["X-Error-Code"] = code
        self._send(status, {"error": message}, headers=headers)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.server.token}"

    def _fault(self, op: str) -> bool:
        status = self.server.faults.get(op)
        if status:
            self._body()
            self._error(status, f"injected fault {status} on {op}")
            return True
        return False

    def _route(self) -> tuple[str, list[str]]:
        path = unquote(urlparse(self.path).path)
        self.server.log.append(f"{self.command} {path}")
        return path, [p for p in path.split("/") if p]

    # -- reads ---------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path, parts = self._route()
        if parts[:2] == ["api", "datasets"] and len(parts) >= 4:
            repo_id = "/".join(parts[2:4])
            repo = self.server.repo(repo_id)
            if not repo.path.exists():
                return self._error(404, "Repository not found")
            rest = parts[4:]
            if rest == ["refs"]:
                if self._fault("refs"):
                    return None
                def group(prefix: str) -> list[dict[str, str]]:
                    return [{"name": r.removeprefix(prefix), "ref": r, "targetCommit": c}
                            for r, c in repo.refs(prefix)]
                return self._send(200, {"branches": group("refs/heads/"),
                                        "tags": group("refs/tags/"), "converts": []})
            rev = rest[1] if rest[:1] == ["revision"] and len(rest) > 1 else "main"
            if not rest or rest[0] == "revision":
                sha = repo.head(rev)
                if sha is None:
                    return self._error(404, "Revision not found")
                siblings = [{"rfilename": f} for f, _, _ in repo.files(sha)]
                return self._send(200, {"id": repo_id, "sha": sha, "siblings": siblings,
                                        "private": False, "tags": []})
            if rest[0] == "tree" and len(rest) > 1:
                sha = repo.head(rest[1])
                if sha is None:
                    return self._error(404, "Revision not found")
                return self._send(200, [{"type": "file", "path": f, "oid": o, "size": s}
                                        for f, o, s in repo.files(sha)])
        if parts[:1] == ["datasets"] and len(parts) >= 6 and parts[3] == "resolve":
            repo = self.server.repo("/".join(parts[1:3]))
            sha = repo.head(parts[4]) if repo.path.exists() else None
            data = repo.read(sha, "/".join(parts[5:])) if sha else None
            if data is None:
                return self._error(404, "Entry not found")
            return self._send(200, raw=data, headers={"X-Repo-Commit": sha or "",
                                                      "ETag": f'"{len(data)}-{sha}"'})
        return self._error(404, f"not implemented in the test endpoint: GET {path}")

    # -- writes --------------------------------------------------------------------------
    def do_POST(self) -> None:
        path, parts = self._route()
        if not self._authorised():
            self._body()
            return self._error(401, "Invalid credentials in Authorization header")
        if parts == ["api", "validate-yaml"]:
            self._body()
            return self._send(200, {"errors": [], "warnings": []})
        if parts == ["api", "repos", "create"]:
            if self._fault("create"):
                return None
            req = json.loads(self._body() or b"{}")
            repo_id = f"{req.get('organization')}/{req['name']}" if req.get("organization") \
                else req["name"]
            repo = self.server.repo(repo_id)
            with self.server.repos_lock:
                if repo.path.exists():  # the Hub's 409 carries the url too
                    return self._send(409, {"error": "You already created this dataset repo",
                                            "url": f"{self.server.url}/datasets/{repo_id}"})
                repo.create()
            return self._send(200, {"url": f"{self.server.url}/datasets/{repo_id}",
                                    "name": repo_id})
        if parts[:2] == ["api", "datasets"] and len(parts) >= 6:
            repo_id, op, rev = "/".join(parts[2:4]), parts[4], "/".join(parts[5:])
            repo = self.server.repo(repo_id)
            if not repo.path.exists():
                self._body()
                return self._error(404, "Repository not found")
            if self._fault(op):
                return None
            if op == "preupload":
                files = json.loads(self._body())["files"]
                return self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular",
                                                   "shouldIgnore": False} for f in files],
                                        "commitOid": repo.head(rev)})
            if op == "commit":
                return self._commit(repo, repo_id, rev)
            if op == "tag":
                req = json.loads(self._body())
                sha = repo.head(rev)
                if sha is None:
                    return self._error(404, "Revision not found")
                if repo.head(f"refs/tags/{req['tag']}"):
                    return self._error(409, f"Tag {req['tag']} already exists")
                _git(repo.path, "tag", "-a", req["tag"], sha, "-m",
                     req.get("message") or req["tag"])
                return self._send(200, {})
        self._body()
        return self._error(404, f"not implemented in the test endpoint: POST {path}")

    def _commit(self, repo: GitRepo, repo_id: str, rev: str) -> None:
        header: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        deleted: list[str] = []
        for line in self._body().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                deleted.append(value["path"])
            else:
                return self._error(400, f"unsupported commit operation {key!r} (LFS?)")
        with repo.lock:
            head = repo.head(rev)
            parent = header.get("parentCommit") or head
            if parent != head:
                return self._error(409, "parent commit is not the head of the branch")
            message = header.get("summary", "commit")
            if header.get("description"):
                message += "\n\n" + header["description"]
            try:
                oid = repo.commit(parent, files, deleted, message)
            except RuntimeError as exc:
                return self._error(409, str(exc))
        return self._send(200, {"commitOid": oid, "pullRequestUrl": None,
                                "commitUrl": f"{self.server.url}/datasets/{repo_id}/commit/{oid}"})


@contextmanager
def hub_server(mirrors: Path) -> Iterator[HubServer]:
    server = HubServer(mirrors)
    with running(server):
        yield server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def olah_server(mirrors: Path, workdir: Path) -> Iterator[str]:
    """olah in offline mirror mode over ``mirrors``; yields its URL (the read endpoint)."""
    port, closed = _free_port(), _free_port()  # `closed`: nothing listens, upstream is off
    config = workdir / "olah.toml"
    config.write_text(
        "[basic]\n"
        f'host = "127.0.0.1"\nport = {port}\n'
        f'repos-path = "{workdir / "olah-repos"}"\n'
        f'mirrors-path = ["{mirrors}"]\n'
        f'hf-scheme = "http"\nhf-netloc = "127.0.0.1:{closed}"\n'
        f'hf-lfs-netloc = "127.0.0.1:{closed}"\n'
        'mirror-scheme = "http"\n'
        f'mirror-netloc = "127.0.0.1:{port}"\nmirror-lfs-netloc = "127.0.0.1:{port}"\n'
        "metadata-cache-ttl = 0\n"
        "[accessibility]\noffline = true\n"
    )
    olah = Path(sys.executable).with_name("olah-cli")
    log = (workdir / "olah.log").open("wb")
    proc = subprocess.Popen([str(olah), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            cwd=workdir)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"olah exited: {(workdir / 'olah.log').read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("olah did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


LOAD_SCRIPT = """
import json, sys
import datasets
datasets.config.USE_PARQUET_EXPORT = False
from datasets import load_dataset
repo = sys.argv[1]
out = {}
for arg in sys.argv[2:]:
    config, revision = arg.split("@")
    d = load_dataset(repo, config, revision=revision)
    out[arg] = {split: {"rows": ds.num_rows, "ids": sorted(ds[ds.column_names[0]]),
                        "features": {k: getattr(v, "names", None) for k, v in ds.features.items()}}
                for split, ds in d.items()}
print(json.dumps(out))
"""


def load_in_subprocess(endpoint: str, repo_or_dir: str, wanted: list[str],
                       home: Path) -> dict[str, Any]:
    """load_dataset of each "config@revision" in ONE fresh interpreter (HF_ENDPOINT is read
    at import time, so it cannot be changed inside the test process)."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_DISABLE_XET": "1",
           "HF_HOME": str(home), "HF_DATASETS_CACHE": str(home / "datasets"),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_ETAG_TIMEOUT": "30"}
    env.pop("HF_TOKEN", None)
    done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, repo_or_dir, *wanted],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"load_dataset failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
