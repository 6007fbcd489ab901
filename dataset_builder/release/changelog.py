"""CHANGELOG.md and the version rules, by comparing a release with the previous release folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from datasets import ClassLabel, Features, List

from dataset_builder.errors import UserError

MANIFEST = "release.json"
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
LABEL_FIELDS = ("ai_present", "ai_role", "persona", "traits", "stance", "outcome",
                "role_model")


def parse_version(text: str) -> tuple[int, int, int]:
    match = _SEMVER.match(text)
    if not match:
        raise UserError(f"version {text!r} is not semantic versioning: expected X.Y.Z such as "
                        "1.0.0 (no 'v' prefix, no suffix).")
    return (int(match[1]), int(match[2]), int(match[3]))


def read_manifest(folder: Path, what: str = "the folder") -> dict[str, Any]:
    """The release's manifest; ``what`` names the folder in the message if it is not one."""
    path = folder / MANIFEST
    if not path.exists():
        raise UserError(f"{path}: not found; {what} must be a release folder built by "
                        "`faip release`.")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}).") from exc
    return data


def check_version(version: str, previous: dict[str, Any] | None, taxonomy_ids: dict[str, list[str]],
                  last_stamped: str | None = None) -> None:
    """Refuse a version not above the last release, and a non-major bump over removed label ids."""
    new = parse_version(version)
    if previous is not None and new <= parse_version(previous["version"]):
        raise UserError(f"version {version} is not greater than {previous['version']} (the "
                        "previous release); choose a higher version.")
    # Rebuilding the release the splits file was last stamped with is allowed (to check
    # reproducibility); going below it is not.
    if last_stamped and new < parse_version(last_stamped):
        raise UserError(f"version {version} is lower than {last_stamped} (the splits file's "
                        "last release); choose a higher version.")
    if previous is None:
        return
    removed = removed_ids(previous.get("taxonomy_ids", {}), taxonomy_ids)
    old = parse_version(previous["version"])
    if removed and new[0] == old[0]:
        raise UserError(
            f"the taxonomy removes or renames label id(s) {', '.join(removed)} since "
            f"{previous['version']}: that breaks users' code, so the release needs a major "
            f"version ({old[0] + 1}.0.0)."
        )


def removed_ids(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[str]:
    return [f"{f}.{i}" for f, ids in sorted(old.items()) for i in ids if i not in new.get(f, [])]


def read_config(folder: Path, config: str) -> pd.DataFrame:
    """All rows of a released config, label indexes decoded back to taxonomy ids."""
    files = sorted((folder / "data" / config).glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    frames = []
    for f in files:
        table = pq.read_table(f)
        features = Features.from_arrow_schema(table.schema)
        frame = table.to_pandas()
        for name, feat in features.items():
            if isinstance(feat, ClassLabel):
                frame[name] = frame[name].map(lambda i, n=feat.names: None if pd.isna(i)
                                              else n[int(i)])
            elif isinstance(feat, List) and isinstance(feat.feature, ClassLabel):
                names = feat.feature.names
                frame[name] = frame[name].map(lambda c, n=names: None if c is None
                                              else [n[int(i)] for i in c])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@dataclass
class Changes:
    previous_version: str | None
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # config -> (added, removed)
    labels_changed: int = 0
    taxonomy: str = ""
    moved: list[str] = field(default_factory=list)  # works whose split changed (refused)


def _label_key(row: pd.Series) -> str:
    return json.dumps([row[f] if not isinstance(row[f], float) or pd.notna(row[f]) else None
                       for f in LABEL_FIELDS if f in row.index], default=list)


def diff(previous: Path | None, current: Path, manifest: dict[str, Any]) -> Changes:
    if previous is None:
        return Changes(previous_version=None)
    prev_manifest = read_manifest(previous)
    changes = Changes(previous_version=prev_manifest["version"])
    for config, key in (("works", "work_id"), ("passages", "passage_id"),
                        ("annotations", "row_id")):
        old, new = read_config(previous, config), read_config(current, config)
        old_ids = set(old[key]) if len(old) else set()
        new_ids = set(new[key]) if len(new) else set()
        changes.counts[config] = (len(new_ids - old_ids), len(old_ids - new_ids))
        if config == "works" and len(old) and len(new) and "split" in old and "split" in new:
            before_split = dict(zip(old[key], old["split"], strict=True))
            changes.moved = sorted(f"{w} ({before_split[w]} → {s})"
                                   for w, s in zip(new[key], new["split"], strict=True)
                                   if w in before_split and before_split[w] != s)
        if config == "passages" and len(old) and len(new):
            before = dict(zip(old[key], old.apply(_label_key, axis=1), strict=True))
            after = dict(zip(new[key], new.apply(_label_key, axis=1), strict=True))
            changes.labels_changed = sum(1 for k in before.keys() & after.keys()
                                         if before[k] != after[k])
    old_tax, new_tax = prev_manifest.get("taxonomy_version"), manifest["taxonomy_version"]
    removed = removed_ids(prev_manifest.get("taxonomy_ids", {}), manifest["taxonomy_ids"])
    added = removed_ids(manifest["taxonomy_ids"], prev_manifest.get("taxonomy_ids", {}))
    if old_tax != new_tax or removed or added:
        changes.taxonomy = (f"taxonomy {old_tax} → {new_tax}; added ids: "
                            f"{', '.join(added) or 'none'}; "
                            f"removed ids: {', '.join(removed) or 'none'}")
    return changes


def render(version: str, date: str, changes: Changes, previous_text: str = "") -> str:
    lines = [f"## {version} — {date}", ""]
    if changes.previous_version is None:
        lines.append("First release.")
    else:
        lines.append(f"Compared with {changes.previous_version}:")
        lines.append("")
        for config, (added, removed) in changes.counts.items():
            lines.append(f"- {config}: {added:,} added, {removed:,} removed")
        lines.append(f"- passages whose aggregated labels changed: {changes.labels_changed:,}")
        lines.append("- released works that changed split: "
                     + (", ".join(changes.moved) if changes.moved else "none"))
        lines.append(f"- {changes.taxonomy or 'taxonomy unchanged'}")
    older = previous_text.split("\n", 2)[2].lstrip() if previous_text.startswith("# ") else ""
    body = "\n".join(lines) + "\n"
    return "# Changelog\n\n" + body + ("\n" + older if older else "")
