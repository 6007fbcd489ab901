"""Build a release folder: data/<config>/<split>-*.parquet, README.md, croissant.json, ...

Everything is written into a hidden temporary folder beside --out and renamed into place
only when every step (validation, leakage check, privacy scan) has passed, so a refused
release leaves nothing behind. Same inputs and same --date give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features

from dataset_builder import codebook, taxonomy
from dataset_builder.constants import DEFAULT_REPO_ID
from dataset_builder.errors import UserError
from dataset_builder.io import (
    atomic_dir,
    atomic_open,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
)
from dataset_builder.lock import writes
from dataset_builder.project import Project
from dataset_builder.release import (
    card,
    changelog,
    checksums,
    citation,
    croissant,
    facts,
    plots,
    scan,
    statements,
    stats,
)
from dataset_builder.release.features import CONFIGS, features_of, to_arrow
from dataset_builder.release.frames import ReleaseFrames, load_frames
from dataset_builder.split import history
from dataset_builder.split.assign import UNRELEASED, read_splits, write_splits

# Shards stay below ~256 MB in memory and row groups near 32 MB, so streaming readers
# (datasets' streaming mode, the Hub viewer) fetch bounded pieces.
SHARD_BYTES = 256 << 20
ROW_GROUP_BYTES = 32 << 20


@dataclass(frozen=True)
class WrittenSplit:
    files: list[str]
    num_examples: int
    num_bytes: int


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def check_date(date: str) -> str:
    try:
        return dt.date.fromisoformat(date).isoformat()
    except ValueError as exc:
        raise UserError(f"--date {date!r}: expected YYYY-MM-DD.") from exc


def write_split(table: pa.Table, folder: Path, split: str) -> WrittenSplit:
    """Write one split as ``<split>-0000i-of-0000N.parquet`` shards."""
    n_rows, n_bytes = table.num_rows, table.nbytes
    n_shards = max(1, math.ceil(n_bytes / SHARD_BYTES))
    per_shard = math.ceil(n_rows / n_shards) if n_rows else 0
    row_bytes = max(1, n_bytes // max(1, n_rows))
    row_group = max(1_000, ROW_GROUP_BYTES // row_bytes)
    files = []
    for i in range(n_shards):
        name = f"{split}-{i:05d}-of-{n_shards:05d}.parquet"
        part = table.slice(i * per_shard, per_shard) if n_rows else table
        with atomic_open(folder / name, "wb") as handle:
            pq.write_table(part, handle, row_group_size=row_group)
        files.append(name)
    return WrittenSplit(files, n_rows, n_bytes)


def _taxonomy_ids(tax: taxonomy.Taxonomy) -> dict[str, list[str]]:
    return {f.id: list(f.choice_ids) for f in tax.fields if f.choice_ids}


def _last_stamped(splits: pd.DataFrame) -> str | None:
    versions = [v for v in splits["version"] if v != UNRELEASED]
    return max(versions, key=changelog.parse_version) if versions else None


def _splits_folder(arguments: dict[str, Any]) -> Path:
    return _splits_file(arguments["splits_path"], arguments["project"]).parent


def _splits_file(splits_path: str | Path | None, project: Project | None) -> Path:
    if splits_path is not None:
        return Path(splits_path)
    return (project or Project.find()).splits


# The folder --out is created in (where a killed run's .partial-* folder is cleaned up) and the
# splits file's folder (the release stamps the file).
@writes("release", "out^", _splits_folder)
def build_release(
    version: str,
    workdir: str | Path,
    out: str | Path,
    splits_path: str | Path | None = None,
    date: str | None = None,
    previous: str | Path | None = None,
    characters: pd.DataFrame | None = None,
    template: str | Path | None = None,
    citation_path: str | Path | None = None,
    repo_id: str = DEFAULT_REPO_ID,
    stamp_splits: bool = True,
    doi: str | None = None,
    allow_demo_key: bool = False,
    project: Project | None = None,
) -> Path:
    """Build release ``version`` of ``workdir`` into the new folder ``out``; return its path.

    The splits file, card template, citation and catalogue not given are ``project``'s
    (default: ``Project.find()``). ``allow_demo_key`` is for the demo's own sample only: a
    real release refuses pseudonyms made with the public demo key."""
    changelog.parse_version(version)
    date = check_date(date) if date else _today()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out}: already exists and is not empty; pass a new --out folder.")
    proj = project or Project.find()
    splits_file = _splits_file(splits_path, proj)
    if stamp_splits:
        proj.check_writable(splits_file, "splits file", "--splits")
    prev_folder = None if previous in (None, "none", "") else Path(str(previous))
    prev_manifest = changelog.read_manifest(
        prev_folder, "--previous ('none' for the first release)") if prev_folder else None
    tax = taxonomy.load()
    existing_splits = read_splits(splits_file)
    history.refuse_moves(splits_file, existing_splits, prev_folder)
    changelog.check_version(version, prev_manifest, _taxonomy_ids(tax),
                            _last_stamped(existing_splits))
    template_path = Path(template) if template else proj.card_template
    try:
        template_text = template_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{template_path}: cannot read the card template ({exc.strerror}).") \
            from exc
    if characters is None:
        from dataset_builder.characters.model import load_catalogue

        characters = load_catalogue(proj.catalogue)
    _refuse_public_pseudonyms(Path(workdir) / "annotations", allow_demo_key)
    # Started now so that it imports matplotlib while the tables are read and validated.
    worker = plots.FigureWorker()
    try:
        frames = load_frames(workdir, splits_file, characters)
        with atomic_dir(out) as tmp:
            _build_into(tmp, version, date, frames, tax, template_text, str(template_path),
                        citation_path or proj.citation, repo_id, prev_folder, worker, doi)
    finally:
        worker.close()
    if stamp_splits:
        released = set(frames.works["work_id"])
        stamped = existing_splits.assign(version=[
            version if v == UNRELEASED and w in released else v
            for w, v in zip(existing_splits["work_id"], existing_splits["version"], strict=True)
        ])
        write_splits(splits_file, stamped)
    return out


def _refuse_public_pseudonyms(directory: Path, allow_demo: bool) -> None:
    from dataset_builder.annotate.pseudonym import SET_KEY_HINT, releasable_key_problems

    problems = releasable_key_problems(directory, allow_demo)
    if problems:
        raise UserError("the release would publish pseudonyms that are not protected by the "
                        "project's key; nothing was released:\n  " + "\n  ".join(problems[:20])
                        + f"\nTo fix: {SET_KEY_HINT}.")


@dataclass
class WrittenTables:
    """Per config: split -> (rows, bytes), split -> file pattern, download bytes; and the
    privacy scan's findings (in table order) and the parquet files it covered."""

    sizes: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    data_files: dict[str, dict[str, str]] = field(default_factory=dict)
    download: dict[str, int] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)


def _write_tables(folder: Path, frames: ReleaseFrames, features: dict[str, Features]
                  ) -> WrittenTables:
    out = WrittenTables()
    # Each table is scanned in a thread while it is written (both run in Arrow, which
    # releases the GIL); the findings are gathered in table order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="faip-scan") as scanner:
        scans: list[Future[list[str]]] = []
        for config in CONFIGS:
            out.sizes[config], out.data_files[config], out.download[config] = {}, {}, 0
            for split, frame in frames.data[config].items():
                # datasets cannot read a zero-row parquet file: an empty split is left out.
                if frame.empty:
                    continue
                table = to_arrow(frame, features[config])
                pattern = f"data/{config}/{split}-*.parquet"
                scans.append(scanner.submit(scan.scan_table, table, pattern))
                written = write_split(table, folder / "data" / config, split)
                out.scanned |= {f"data/{config}/{f}" for f in written.files}
                out.sizes[config][split] = (written.num_examples, written.num_bytes)
                out.data_files[config][split] = pattern
                out.download[config] += sum((folder / "data" / config / f).stat().st_size
                                            for f in written.files)
            if not out.sizes[config]:
                if config == "annotations" and frames.annotations.empty:
                    # Before any human annotation: the config is left out, and the card,
                    # release.json and Croissant say so (statements.no_annotation).
                    del out.sizes[config], out.data_files[config], out.download[config]
                    continue
                raise UserError(
                    f"config {config!r} would have no rows; check the work dir's tables.")
        out.found = [line for future in scans for line in future.result()]
    return out


def _build_into(folder: Path, version: str, date: str, frames: ReleaseFrames,
                tax: taxonomy.Taxonomy, template_text: str, template_name: str,
                citation_path: str | Path | None, repo_id: str, previous: Path | None,
                worker: plots.FigureWorker, doi: str | None = None) -> None:
    features = {c: features_of(c, tax) for c in CONFIGS}
    worker.submit(*stats.figure_data(frames, tax))  # drawn while the tables are written
    written = _write_tables(folder, frames, features)
    sizes, data_files, download = written.sizes, written.data_files, written.download
    features = {c: f for c, f in features.items() if c in sizes}
    found = written.found

    figures = worker.result()
    for name, png in figures.items():
        atomic_write_bytes(folder / "assets" / f"{name}.png", png)

    known = facts.compute(frames)
    _write_definitions(folder, tax)
    hub_url = f"https://huggingface.co/datasets/{repo_id}"
    repo_url = f"{hub_url}/tree/v{version}"
    cff = citation.stamped(citation.load_cff(citation_path), version, date, url=repo_url,
                           doi=doi)
    atomic_write_text(folder / "CITATION.cff", citation.cff_text(cff))
    bibtex = citation.bibtex(cff)
    atomic_write_text(folder / "LICENSE.md", statements.licence_file(known, version))

    code_url = str(cff.get("repository-code", hub_url))
    context = {f"stats.{k}": v for k, v in stats.compute(frames, tax).items()}
    context |= {f"stats.{k}": v for k, v in statements.sentences(known, frames).items()}
    context |= {f"figures.{k}": f"![{k.replace('_', ' ')}](assets/{k}.png)" for k in figures}
    context |= {
        "version": version, "date": date, "repo_id": repo_id, "pretty_name": card.PRETTY_NAME,
        "taxonomy_version": tax.version, "codebook_version": codebook.load().version,
        "citation.bibtex": bibtex.rstrip(),
        "citation.note": citation.entity_note(cff),
        "citation.doi": (f"DOI: {citation.doi_of(cff)}." if citation.doi_of(cff) else
                         "no DOI has been issued for this release yet."),
        "configs.table": stats.md_table(
            ["config", "splits", "rows"],
            [[c, ", ".join(s), f"{sum(n for n, _ in s.values()):,}"]
             for c, s in sizes.items()]),
        "notice": statements.notice(known, code_url, tax),
        "labels.fields": statements.label_fields(tax),
        "labels.gated": ", ".join(f"`{f}`" for f in statements.gated_fields(tax)),
        "repo_code_url": code_url, "hub_url": hub_url,
        "data_fields": statements.data_fields(features, tax),
        "example": statements.example(frames, features["passages"]),
        "authors": ", ".join(str(a.get("name") or a.get("family-names", ""))
                             for a in cff.get("authors", [])),
        "contact": f"the issue tracker of {code_url}" if "github.com" in code_url
                   else code_url,
    }
    body = card.render(template_text, context, template_name)
    n_passages = sum(n for n, _ in sizes["passages"].values())
    header = card.card_data(version, features, sizes, data_files, download, n_passages,
                            known)
    atomic_write_text(folder / "README.md", card.readme(header, body))

    notes = statements.plain_notes(known, code_url, tax)
    meta = croissant.croissant(
        version, date, repo_url, " ".join([str(cff.get("abstract", "")).strip(), *notes]),
        bibtex, features, tax,
        statements.rai(known, frames, code_url, tax),
        {"name": context["authors"], "url": code_url},
        statements.licence_urls(known), {c: list(s) for c, s in sizes.items()})
    atomic_write_json(folder / "croissant.json", meta)

    manifest = {
        "version": version, "date": date, "repo_id": repo_id,
        "taxonomy_version": tax.version, "taxonomy_ids": _taxonomy_ids(tax),
        "configs": {c: {s: n for s, (n, _) in v.items()} for c, v in sizes.items()},
        # What a user must know before using the data (also at the top of the card).
        "sample_data": known.sample_works > 0,
        "human_annotations": known.n_annotations,
        "notes": notes,
        **({"annotation_status": statements.no_annotation(known, code_url, tax)}
           if not known.human_labels else {}),
    }
    atomic_write_json(folder / changelog.MANIFEST, manifest)
    previous_text = ""
    if previous is not None and (previous / "CHANGELOG.md").exists():
        previous_text = (previous / "CHANGELOG.md").read_text(encoding="utf-8")
    changes = changelog.diff(previous, folder, manifest, tax.field_ids())
    atomic_write_text(folder / "CHANGELOG.md",
                      changelog.render(version, date, changes, previous_text))

    found += scan.scan_folder(folder, frozenset(written.scanned))
    if found:
        raise UserError(
            "the release would publish personal data or secrets; nothing was released:\n  "
            + "\n  ".join(found[:20])
            + "\nRemove the value at its source (annotation notes, texts, the card) and rebuild."
        )
    checksums.write(folder)


def _write_definitions(folder: Path, tax: taxonomy.Taxonomy) -> None:
    """taxonomy.yaml and codebook.md: what every label id means, without the repository."""
    atomic_write_bytes(folder / "taxonomy.yaml", tax.path.read_bytes())
    atomic_write_text(folder / "codebook.md", codebook.as_markdown(codebook.load(), tax))


def release_summary(folder: Path) -> str:
    manifest = json.loads((folder / changelog.MANIFEST).read_text(encoding="utf-8"))
    parts = [f"{c}: " + ", ".join(f"{s} {n:,}" for s, n in v.items())
             for c, v in manifest["configs"].items()]
    head = f"release {manifest['version']} ({manifest['date']}) in {folder}"
    return head + "\n  " + "\n  ".join(parts)
