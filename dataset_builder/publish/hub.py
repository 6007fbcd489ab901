"""Publish a release folder to the Hub as ONE commit on main, tagged ``vX.Y.Z``.

The commit's parent is the head we read first, so a concurrent push makes the Hub refuse
(409) instead of interleaving two releases; the tag is created only after the commit has
landed, so a tag never points at a partial release. Publishing is idempotent: the same
version with identical CHECKSUMS is a no-op (and a commit whose tag creation failed is
tagged on the next run); the same version with different files is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataset_builder.errors import UserError
from dataset_builder.publish import guard
from dataset_builder.release import changelog, checksums

REPO_TYPE = "dataset"
# Files a Hub repo has that no release folder carries; never deleted by a release commit.
HUB_FILES = frozenset({".gitattributes"})


@dataclass
class PublishResult:
    repo_id: str
    tag: str
    action: str  # "published", "tagged", "unchanged" or "dry-run"
    commit: str | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _explain(exc: Exception, endpoint: str, repo_id: str, step: str) -> UserError:
    """One clear message per failure; the token is never part of it."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, RepositoryNotFoundError):
        return UserError(f"{endpoint}: dataset {repo_id} not found or not accessible while "
                         f"{step}; check --repo-id and that HF_TOKEN may write to it.")
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        hint = {
            401: "the token was refused: set HF_TOKEN to a token with write access",
            403: "the token may not write to this repository: use a token of its owner",
            409: "conflict: main moved while publishing (someone else pushed?) or the tag "
                 "exists; rerun `faip publish` — it is idempotent",
            412: "main moved while publishing; rerun `faip publish`",
        }.get(status, "the Hub failed; nothing was tagged — rerun `faip publish` later")
        if status >= 500:
            hint = f"the Hub answered {status}; nothing was tagged — rerun `faip publish` later"
        return UserError(f"{endpoint}: HTTP {status} while {step} for {repo_id}: {hint}.")
    return UserError(f"{endpoint}: cannot reach the Hub while {step} ({type(exc).__name__}: "
                     f"{exc}); check --endpoint and your network.")


def _remote_checksums(api: Any, repo_id: str, revision: str) -> dict[str, str] | None:
    """CHECKSUMS at ``revision``, or None when the revision or the file does not exist."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    url = hf_hub_url(repo_id, checksums.NAME, repo_type=REPO_TYPE, revision=revision,
                     endpoint=api.endpoint)
    response = get_session().get(url, headers=build_hf_headers(token=api.token),
                                 follow_redirects=True)
    if response.status_code == 404:
        return None
    hf_raise_for_status(response)
    return checksums.parse(response.text, f"{repo_id}@{revision}/{checksums.NAME}")


def _refs(api: Any, repo_id: str) -> tuple[dict[str, str], dict[str, str]] | None:
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    except RepositoryNotFoundError:
        return None
    return ({b.name: b.target_commit for b in refs.branches},
            {t.name: t.target_commit for t in refs.tags})


def _diff(local: dict[str, str], remote: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    added = sorted(set(local) - set(remote))
    changed = sorted(k for k in set(local) & set(remote) if local[k] != remote[k])
    removed = sorted(set(remote) - set(local))
    return added, changed, removed


def publish(folder: str | Path, repo_id: str, endpoint: str | None = None,
            token: str | None = None, dry_run: bool = False) -> PublishResult:
    """Publish ``folder`` (a release built by ``faip release``) to ``repo_id``."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    root = Path(folder)
    manifest = changelog.read_manifest(root, "the folder to publish")
    version = manifest["version"]
    stamped = manifest.get("repo_id")
    if stamped and stamped != repo_id:
        # Card, citation and Croissant name the stamped repository: publishing elsewhere
        # would send every reader of them to the wrong place.
        raise UserError(
            f"{root}: this release was built for {stamped} (its card, CITATION.cff and "
            f"croissant.json link there), not {repo_id}; rebuild it with `faip release ... "
            f"--repo-id {repo_id}` or publish it with --repo-id {stamped}.")
    tag = f"v{version}"
    guard.check_publishable(root)
    problems = checksums.mismatches(root)
    if problems:
        raise UserError(f"{root}: the folder does not match its CHECKSUMS ("
                        + "; ".join(problems[:5]) + "); rebuild it with `faip release`.")
    local = checksums.read(root)
    local_with_manifest = {**local, checksums.NAME: ""}
    token = token or os.environ.get("HF_TOKEN") or None
    if token is None and not dry_run:
        raise UserError("HF_TOKEN is not set: export a Hub token with write access "
                        "(it is read from the environment and never printed).")
    api = HfApi(endpoint=endpoint, token=token)
    where = api.endpoint
    step = "reading the repository's refs"
    try:
        refs = _refs(api, repo_id)
        branches, tags = refs if refs is not None else ({}, {})
        step = f"reading {checksums.NAME} of {tag}"
        if tag in tags:
            remote = _remote_checksums(api, repo_id, tag) or {}
            if remote == local:
                return PublishResult(repo_id, tag, "unchanged", tags[tag])
            added, changed, removed = _diff(local, remote)
            raise UserError(
                f"{repo_id}: {tag} is already published with different files "
                f"({len(added)} added, {len(changed)} changed, {len(removed)} removed, e.g. "
                f"{(added + changed + removed)[:3]}); a published version never changes: "
                "build a new version (`faip release X.Y.Z`)."
            )
        step = f"reading {checksums.NAME} of main"
        head = branches.get("main")
        remote_main = (_remote_checksums(api, repo_id, "main") or {}) if head else {}
        added, changed, removed = _diff(local, remote_main)
        if dry_run:
            return PublishResult(repo_id, tag, "dry-run", head, added, changed, removed)
        if head and remote_main == local:
            # The commit landed on a previous run but its tag did not: tag it now.
            step = f"creating tag {tag}"
            api.create_tag(repo_id, tag=tag, revision=head, repo_type=REPO_TYPE,
                           tag_message=f"Release {version}")
            return PublishResult(repo_id, tag, "tagged", head)
        step = "creating the repository"
        api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True)
        step = "reading the head of main"
        info = api.repo_info(repo_id, repo_type=REPO_TYPE, revision="main")
        on_main = [s.rfilename for s in (info.siblings or [])]
        operations: list[Any] = [
            CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(root / rel))
            for rel in sorted(local_with_manifest)
        ]
        operations += [CommitOperationDelete(path_in_repo=rel) for rel in sorted(on_main)
                       if rel not in local_with_manifest and rel not in HUB_FILES]
        step = "uploading the release commit"
        commit = api.create_commit(
            repo_id, operations, commit_message=f"Release {version}",
            commit_description=f"faip release {version}; see CHANGELOG.md.",
            repo_type=REPO_TYPE, revision="main", parent_commit=info.sha,
        )
        step = f"creating tag {tag}"
        api.create_tag(repo_id, tag=tag, revision=commit.oid, repo_type=REPO_TYPE,
                       tag_message=f"Release {version}")
    except UserError:
        raise
    except Exception as exc:  # httpx and huggingface_hub errors: one clear message
        raise _explain(exc, where, repo_id, step) from None
    removed_files = [op.path_in_repo for op in operations
                     if isinstance(op, CommitOperationDelete)]
    return PublishResult(repo_id, tag, "published", commit.oid, added, changed, removed_files)
