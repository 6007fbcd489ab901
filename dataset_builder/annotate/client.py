"""Connecting to a Label Studio server: token from the environment, clear errors, projects.

The API token is read from ``LABEL_STUDIO_API_KEY`` and never printed: error messages name
the server and what to do, not the credentials.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from dataset_builder.errors import LabelStudioError, UserError

TOKEN_ENV = "LABEL_STUDIO_API_KEY"
ADJUDICATION_SUFFIX = " — adjudication"
T = TypeVar("T")


def token_from_env() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UserError(f"no Label Studio API token: set {TOKEN_ENV} to your token "
                        "(Label Studio > Account & Settings > Access Token).")
    return token


@contextmanager
def speaking_errors(url: str, doing: str) -> Iterator[None]:
    """Turn transport and HTTP errors of the SDK into one LabelStudioError that says what to
    do."""
    try:
        yield
    except httpx.TransportError as exc:
        raise LabelStudioError(f"{url}: cannot reach Label Studio while {doing} "
                               f"({type(exc).__name__}); is the server running and the URL "
                               "right?", url) from None
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise LabelStudioError(f"{url}: Label Studio refused the API token while {doing} "
                                   f"(HTTP {exc.status_code}); check {TOKEN_ENV}.", url) from None
        body = str(exc.body)[:300]
        raise LabelStudioError(f"{url}: Label Studio answered HTTP {exc.status_code} while "
                               f"{doing}: {body}", url) from None


def call(url: str, doing: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with speaking_errors(url, doing):
        return fn(*args, **kwargs)


def connect(url: str, token: str | None = None, timeout: float = 300.0) -> LabelStudio:
    """A client whose server is reachable and accepts the token (checked now, not later)."""
    client = LabelStudio(base_url=url.rstrip("/"), api_key=token or token_from_env(),
                         timeout=timeout)
    call(url, "checking the token", client.users.whoami)
    return client


def find_project(client: LabelStudio, url: str, title: str) -> Any | None:
    """The one project with exactly this title; None if there is none, an error if several."""
    found = [p for p in call(url, "listing projects", client.projects.list, title=title,
                             page_size=100)
             if p.title == title]
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        raise LabelStudioError(f"{url}: {len(found)} projects are titled {title!r} (ids "
                               f"{ids}); rename or archive all but one so pushes and pulls "
                               "cannot go to the wrong one.", url)
    return found[0] if found else None


def require_project(client: LabelStudio, url: str, title: str) -> Any:
    project = find_project(client, url, title)
    if project is None:
        raise LabelStudioError(f"{url}: no project titled {title!r}; push passages to it first "
                               "(`faip annotate push`).", url)
    return project


def user_emails(client: LabelStudio, url: str) -> dict[int, str]:
    """Label Studio user id -> email (hashed into pseudonyms; never written)."""
    users = call(url, "listing users", client.users.list)
    return {int(u.id): str(u.email) for u in users if getattr(u, "email", None)}


def adjudication_title(title: str) -> str:
    return f"{title}{ADJUDICATION_SUFFIX}"


@dataclass(frozen=True)
class LabelStudioProject:
    """One project on one Label Studio server, passed around as one value: the server's URL
    (every error message names it), an authenticated client and the project's id and title."""

    url: str
    client: LabelStudio
    id: int
    title: str

    @classmethod
    def open(cls, url: str, title: str, token: str | None = None) -> LabelStudioProject:
        """The existing project with this title (an error naming the fix if there is none)."""
        client = connect(url, token)
        return cls.of(url, client, require_project(client, url, title))

    @classmethod
    def of(cls, url: str, client: LabelStudio, project: Any) -> LabelStudioProject:
        """Wrap a project object the SDK returned."""
        return cls(url, client, int(project.id), str(project.title))

    def call(self, doing: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return call(self.url, doing, fn, *args, **kwargs)

    def speaking_errors(self, doing: str) -> AbstractContextManager[None]:
        return speaking_errors(self.url, doing)

    def http(self) -> httpx.Client:
        """The SDK's authenticated HTTP client, for the endpoints its typed models make slow."""
        return self.client._client_wrapper.httpx_client  # type: ignore[no-any-return]

    def user_emails(self) -> dict[int, str]:
        return user_emails(self.client, self.url)
