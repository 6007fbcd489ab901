"""Passages to annotate straight from a release: a local folder, or ``ORG/NAME[@REV]`` on the Hub.

A volunteer needs no collected books: the release's ``passages`` config holds the text (or,
for works that may not be redistributed, a pointer that ``--source`` restores exactly as
``faip rehydrate`` does), the extractor's AI mentions (pre-filled as suggestions) and how
many annotations each passage has. A Hub release is downloaded once into
``WORKDIR/releases/`` with ``huggingface_hub``; either kind must match its CHECKSUMS.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dataset_builder.errors import UserError
from dataset_builder.release import checksums
from dataset_builder.split.assign import SPLITS

_HUB_REF = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)(?:@(?P<rev>[\w./-]+))?$")
_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
COLUMNS = ("passage_id", "work_id", "work_title", "authors", "char_start", "char_end", "text",
           "text_sha256", "text_withheld", "score", "evidence", "duplicate_of", "n_annotators")


@dataclass(frozen=True)
class Choice:
    """Which passages to annotate: fewest annotations first, ties in a seeded order."""

    limit: int | None = 50
    split: str | None = None
    seed: int = 0
    fewer_than: int | None = None  # only passages with fewer annotations than this

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise UserError(f"--limit must be 0 (all) or more, got {self.limit}.")
        if self.split is not None and self.split not in SPLITS:
            raise UserError(f"--split {self.split!r}: expected one of {', '.join(SPLITS)}.")
        if self.fewer_than is not None and self.fewer_than < 1:
            raise UserError(f"--fewer-than must be at least 1, got {self.fewer_than}.")


@dataclass(frozen=True)
class ReleasePassages:
    passages: pd.DataFrame  # chosen rows, with text, in the order to annotate them
    label: str  # the folder or ORG/NAME@REV, for messages
    version: str
    withheld_skipped: int  # chosen passages whose text is withheld and was not restored
    restored: int  # withheld texts restored from --source
    downloaded: Path | None = None  # the Hub release's copy under WORKDIR/releases/


def open_release(ref: str, cache: Path, endpoint: str | None = None) -> tuple[Path, str]:
    """The local folder of a release reference (downloading a Hub one: at REV, else at its
    latest vX.Y.Z tag), checked against its CHECKSUMS; and the label to name it by."""
    folder = Path(ref)
    label = ref
    if not folder.is_dir():
        match = _HUB_REF.match(ref)
        if not match or Path(ref).exists() or ref.startswith((".", "/")):
            raise UserError(f"{ref}: neither a release folder nor a Hub dataset ORG/NAME[@REV] "
                            "(e.g. fictional-ai-personas/fictional-ai-personas@v1.0.0).")
        folder = _download(match["repo"], match["rev"], cache, endpoint, ref)
    if not (folder / "data" / "passages").is_dir():
        raise UserError(f"{ref}: no data/passages/ folder; is it a release built by "
                        "`faip release`?")
    problems = checksums.mismatches(folder)
    if problems:
        raise UserError(f"{ref}: the release does not match its CHECKSUMS ({problems[0]}"
                        f"{f' and {len(problems) - 1} more' if len(problems) > 1 else ''}); "
                        f"run `faip verify {ref}` and use an intact copy.")
    return folder, label


def _download(repo: str, rev: str | None, cache: Path, endpoint: str | None, ref: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    where = endpoint or "the Hub"
    try:
        rev = rev or latest_tag(repo, endpoint) or "main"
        local = cache / f"{repo.replace('/', '__')}@{rev}"
        return Path(snapshot_download(repo, repo_type="dataset", revision=rev,
                                      endpoint=endpoint, local_dir=local))
    except RevisionNotFoundError:
        raise UserError(f"{ref}: {where} has no revision {rev!r} of {repo}; list its tags "
                        "on the dataset page (releases are tagged vX.Y.Z).") from None
    except RepositoryNotFoundError:
        raise UserError(f"{ref}: {where} has no dataset {repo!r} (or it is private); check "
                        "the name.") from None
    except Exception as exc:  # network and HTTP errors come in many types
        raise UserError(f"{ref}: cannot download from {where} ({type(exc).__name__}: {exc})."
                        ) from None


def latest_tag(repo: str, endpoint: str | None) -> str | None:
    """The highest release tag vX.Y.Z of a Hub dataset (None when it has none)."""
    from huggingface_hub import HfApi

    refs = HfApi(endpoint=endpoint).list_repo_refs(repo, repo_type="dataset")
    versions = [t.name for t in refs.tags if _TAG.match(t.name)]
    return max(versions, key=lambda v: tuple(int(x) for x in v[1:].split("."))) \
        if versions else None


def read_passages(folder: Path) -> pd.DataFrame:
    """Every released passage with its split (from the shard names) as one frame."""
    frames = []
    for shard in sorted((folder / "data" / "passages").glob("*.parquet")):
        split = shard.name.split("-", 1)[0]
        try:
            table = pq.read_table(shard)
        except (pa.ArrowException, OSError) as exc:
            raise UserError(f"{shard}: cannot read the passages shard ({exc}).") from None
        missing = [c for c in COLUMNS if c not in table.column_names]
        if missing:
            raise UserError(f"{shard}: lacks column(s) {', '.join(missing)}; a release of "
                            "another layout? Update dataset_builder (git pull).")
        frames.append(table.select(list(COLUMNS)).to_pandas().assign(split=split))
    if not frames:
        raise UserError(f"{folder}: no data/passages/*.parquet; is it a release folder?")
    return pd.concat(frames, ignore_index=True)


def _seeded_rank(ids: pd.Series, seed: int) -> pd.Series:
    # A passage's rank depends only on its id and the seed: stable across releases.
    return ids.map(lambda p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest())


def choose(passages: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    """Not duplicates, in the split asked for, fewest annotations first, then seeded."""
    rows = passages[passages["duplicate_of"].isna()]
    if choice.split is not None:
        rows = rows[rows["split"] == choice.split]
    if choice.fewer_than is not None:
        rows = rows[rows["n_annotators"] < choice.fewer_than]
    rows = rows.assign(_rank=_seeded_rank(rows["passage_id"], choice.seed))
    rows = rows.sort_values(["n_annotators", "_rank"], kind="stable").drop(columns="_rank")
    return rows.reset_index(drop=True)


def release_model_version(version: str) -> str:
    """The suggestions of a release were made by the extractor that built that release."""
    return f"faip-extract-release-{version}"


def release_passages(ref: str, workdir: str | Path, choice: Choice,
                     source: str | Path | None = None, endpoint: str | None = None
                     ) -> ReleasePassages:
    """The passages of release ``ref`` to annotate, chosen by ``choice``; withheld texts are
    restored from ``source`` when given, else those passages are skipped and counted."""
    import json

    folder, label = open_release(ref, Path(workdir) / "releases", endpoint)
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    chosen = choose(read_passages(folder), choice)
    restored = 0
    if source is not None and chosen["text"].isna().any():
        from dataset_builder.rehydrate.restore import restore_texts

        works = pq.read_table(folder / "data" / "works", columns=["work_id", "sha256"])
        texts, restored = restore_texts(chosen, dict(zip(*works.to_pydict().values(),
                                                         strict=True)), Path(source))
        chosen = chosen.assign(text=texts)
    without = chosen["text"].isna()
    chosen = chosen[~without]
    if choice.limit:
        chosen = chosen.head(choice.limit)
    return ReleasePassages(chosen.reset_index(drop=True), label, str(manifest["version"]),
                           int(without.sum()), restored,
                           None if folder == Path(ref) else folder)  # else a Hub download
