"""The front door: one verb per pipeline stage, ``import dataset_builder as fb``.

Each verb takes the folder it works on first (a work directory; a release folder for
``publish``, ``verify`` and ``rehydrate``), everything else by keyword, and returns a report
(:class:`StageReport`) whose ``written`` lists the files and folders it wrote and whose
``result`` is the stage's own result object. The demo, a notebook and the CLI commands call
these verbs (``COMMANDS`` maps each command to its verb, or to the function under the tools
that are not pipeline stages)::

    import dataset_builder as fb
    fb.collect_gutenberg("work", mirror="path/to/mirror", ids=[59112])
    fb.extract("work", workers=2)
    fb.import_export("work", export="export.json")
    fb.aggregate("work")
    report = fb.validate("work")

Implementations are imported on first call, so ``import dataset_builder`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dataset_builder.constants import PUSH_BATCH_SIZE
from dataset_builder.project import Project

if TYPE_CHECKING:
    import pandas as pd

    from dataset_builder.agreement.compute import AgreementResult
    from dataset_builder.annotate.pull import PullResult
    from dataset_builder.annotate.push import PushResult
    from dataset_builder.annotate.store import Appended
    from dataset_builder.collect.works import CollectReport as CollectResult
    from dataset_builder.corpus import BuildSummary
    from dataset_builder.extract import ExtractReport as ExtractResult
    from dataset_builder.publish.hub import PublishResult
    from dataset_builder.publish.verify import VerifyReport as VerifyResult
    from dataset_builder.rehydrate.restore import RehydrateReport as RehydrateResult
    from dataset_builder.split.assign import SplitResult
    from dataset_builder.validate.schema import ValidationReport

PathLike = str | Path


R = TypeVar("R")


@dataclass(frozen=True)
class StageReport(Generic[R]):
    """What one stage did: ``written``, the files and folders it wrote (an empty tuple for the
    stages that only read or talk to a server), and ``result``, the stage's own result, typed
    per verb (``fb.extract`` returns ``StageReport[ExtractReport]``, ``fb.aggregate`` the
    labels frame, ``fb.release`` the release folder, ...)."""

    written: tuple[Path, ...]
    result: R

    @property
    def ok(self) -> bool:
        """False when the stage finished but reported problems (see ``result``)."""
        return bool(getattr(self.result, "ok", True))


def _existing(*paths: Path | None) -> tuple[Path, ...]:
    return tuple(p for p in paths if p is not None and p.exists())


def _collected(workdir: PathLike, result: CollectResult) -> StageReport[CollectResult]:
    root = Path(workdir)
    return StageReport(_existing(root / "works.parquet", root / "texts"), result)


# --- collect -------------------------------------------------------------------------------

def collect_gutenberg(workdir: PathLike, *, mirror: PathLike | None = None,
                      ids: Iterable[int] | None = None, subjects: Iterable[str] = (),
                      language: str | None = None, delay: float | None = None,
                      **options: Any) -> StageReport[CollectResult]:
    """Select books of a Project Gutenberg mirror (a folder or an http(s) URL; default the
    recommended mirror for robots) by ``ids``, ``subjects`` or ``language``, fetch them
    politely and write ``works.parquet`` and the cleaned ``texts/``. Other options
    (``bookshelves``, ``all_books``, ``retries``, ...) are those of
    :func:`dataset_builder.collect.gutenberg.collect_gutenberg`."""
    from dataset_builder.collect import gutenberg

    if mirror is not None:
        options["mirror"] = mirror
    if delay is not None:
        options["delay"] = delay
    result = gutenberg.collect_gutenberg(workdir=workdir, ids=ids, subjects=subjects,
                                         language=language, **options)
    return _collected(workdir, result)


def collect_files(workdir: PathLike, *, paths: Iterable[PathLike], licence: str,
                  language: str = "en", workers: int = 1) -> StageReport[CollectResult]:
    """Collect your own narratives (.txt, .md, .epub files, folders searched) under
    ``licence`` (one of ``dataset_builder.constants.LICENCES``)."""
    from dataset_builder.collect.files import collect_files as run

    result = run(paths, workdir, licence, language=language, workers=workers)
    return _collected(workdir, result)


def collect_hf(workdir: PathLike, *, dataset: str, config: str | None = None,
               split: str = "train", text_column: str = "text", limit: int | None = None,
               **options: Any) -> StageReport[CollectResult]:
    """Stream the texts of a Hugging Face dataset into works; other options (``id_column``,
    ``title_column``, ``licence``, ``language``, ``revision``) as in
    :func:`dataset_builder.collect.hf.collect_hf`."""
    from dataset_builder.collect.hf import collect_hf as run

    result = run(dataset, workdir, config=config, split=split, text_column=text_column,
                 limit=limit, **options)
    return _collected(workdir, result)


# --- extract and annotate ------------------------------------------------------------------

def extract(workdir: PathLike, *, workers: int = 1, executor: str = "local",
            min_score: float = 0.5, catalogue: PathLike | None = None,
            **options: Any) -> StageReport[ExtractResult]:
    """Find the passages where an artificial mind appears and write ``passages.parquet``
    (``executor``: "local" processes or "ray"); other options as in
    :func:`dataset_builder.extract.run_extract`."""
    from dataset_builder.extract import run_extract

    result = run_extract(workdir, workers=workers, executor=executor, min_score=min_score,
                         catalogue=catalogue, **options)
    return StageReport(_existing(result.path), result)


def push(workdir: PathLike, *, url: str, project: str, token: str | None = None,
         annotators_per_task: int = 3, limit: int | None = None,
         batch_size: int = PUSH_BATCH_SIZE, release: PathLike | None = None,
         split: str | None = None, seed: int = 0, fewer_than: int | None = None,
         source: PathLike | None = None, endpoint: str | None = None,
         adjudication: bool = False,
         annotations_dir: PathLike | None = None) -> StageReport[PushResult]:
    """Create or update the Label Studio project and import every new passage as a task,
    ``batch_size`` tasks a request (token: ``token`` or ``LABEL_STUDIO_API_KEY``). The
    passages come from one of three sources:

    - by default, the first ``limit`` of ``WORKDIR/passages.parquet``;
    - with ``release`` (a release folder, or ``ORG/NAME[@REV]`` on the Hub at ``endpoint``):
      up to ``limit`` of its passages, the fewest-annotated first (ties ordered by ``seed``),
      only of ``split`` and with fewer than ``fewer_than`` annotations when given; withheld
      texts are restored from ``source`` or skipped (``result.release`` counts both);
    - with ``adjudication=True``: the passages flagged ``needs_adjudication`` in
      labels.parquet, into "PROJECT — adjudication", each annotator's labels (from
      ``annotations_dir``) attached; ``limit``, ``annotators_per_task`` and the release
      options do not apply.

    Writes nothing locally but a Hub release's download, into ``WORKDIR/releases/``."""
    from dataset_builder.annotate.push import push as run
    from dataset_builder.annotate.push import push_release

    if adjudication:
        from dataset_builder.annotate.adjudication import push_adjudication

        result = push_adjudication(workdir, url, project, token=token,
                                   annotations_dir=annotations_dir, batch_size=batch_size)
    elif release is not None:
        from dataset_builder.annotate.release_source import Choice

        choice = Choice(limit=limit or None, split=split, seed=seed, fewer_than=fewer_than)
        result = push_release(str(release), workdir, url, project, choice, token=token,
                              annotators_per_task=annotators_per_task, batch_size=batch_size,
                              source=source, endpoint=endpoint)
    else:
        result = run(workdir, url, project, token=token,
                     annotators_per_task=annotators_per_task, batch_size=batch_size, limit=limit)
    downloaded = result.release.downloaded if result.release is not None else None
    return StageReport(_existing(downloaded), result)


def pull(workdir: PathLike, *, url: str, project: str, token: str | None = None,
         annotations_dir: PathLike | None = None,
         adjudication: bool = False) -> StageReport[PullResult]:
    """Append what changed in the Label Studio project to the annotations folder
    (append-only, pseudonymised; an unchanged project writes nothing)."""
    from dataset_builder.annotate.pull import pull as run

    result = run(workdir, url, project, token=token, annotations_dir=annotations_dir,
                 adjudication=adjudication)
    return StageReport(_existing(result.appended.path, result.appended.rejects_path), result)


def import_export(workdir: PathLike | None, *, export: PathLike, project: str = "import",
                  annotations_dir: PathLike | None = None,
                  annotator_email: str | None = None) -> StageReport[Appended]:
    """Add a contributor's Label Studio JSON export to the annotations folder
    (``annotations_dir``, default ``WORKDIR/annotations``: so ``workdir`` may be None when it
    is given); any invalid annotation is an error and nothing is written."""
    from dataset_builder.annotate.pull import import_export as run

    result = run(export, workdir=workdir, annotations_dir=annotations_dir, project=project,
                 annotator_email=annotator_email)
    return StageReport(_existing(result.path, result.rejects_path), result)


# --- agreement, gold labels, validation ----------------------------------------------------

def agreement(workdir: PathLike, *, annotations_dir: PathLike | None = None,
              out: PathLike | None = None, bootstrap: int = 1000,
              seed: int = 0) -> StageReport[AgreementResult]:
    """Krippendorff's alpha per label field with bootstrap intervals; writes report.md,
    agreement.json and figures into ``out`` (default ``WORKDIR/agreement``)."""
    from dataset_builder.agreement.workdir import agreement_report

    result, report = agreement_report(Path(workdir), _path(annotations_dir), _path(out),
                                      bootstrap, seed)
    folder = report.parent
    return StageReport(_existing(report, folder / "agreement.json",
                                     *sorted(folder.glob("*.png"))), result)


def aggregate(workdir: PathLike, *, annotations_dir: PathLike | None = None,
              method: str = "majority",
              min_agreement: float = 0.5) -> StageReport[pd.DataFrame]:
    """Gold labels from the annotations (``majority`` or ``dawid_skene``) into
    ``labels.parquet``; ties and low agreement are flagged ``needs_adjudication``."""
    from dataset_builder.aggregate.workdir import aggregate_workdir

    labels, path = aggregate_workdir(Path(workdir), _path(annotations_dir), method,
                                     min_agreement)
    return StageReport(_existing(path), labels)


def validate(workdir: PathLike, *, annotations_dir: PathLike | None = None,
             catalogue: PathLike | None = None,
             with_catalogue: bool = True) -> StageReport[ValidationReport]:
    """Check every table of the work dir (and the character catalogue, unless
    ``with_catalogue=False``) against its schema; ``report.result.failures`` lists every
    failure at once. Writes nothing."""
    from dataset_builder.characters.model import load_catalogue
    from dataset_builder.validate.workdir import validate_workdir

    characters = load_catalogue(catalogue) if with_catalogue else None
    result = validate_workdir(workdir, annotations_dir, characters=characters)
    return StageReport((), result)


# --- splits and releases -------------------------------------------------------------------

def split(workdir: PathLike, *, splits_path: PathLike | None = None, seed: int = 0,
          ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
          ) -> StageReport[SplitResult]:
    """Assign every new work to train/validation/test (grouped by work, stratified by persona;
    a work already assigned never moves) and write the splits file: ``splits_path``, default
    ``WORKDIR/splits.csv``. To update the corpus's committed file, pass
    ``splits_path=fb.Project.find().splits``."""
    from dataset_builder.split.assign import assign_splits

    path = _splits(workdir, splits_path)
    result = assign_splits(workdir, path, seed, ratios)
    return StageReport((path,), result)


def release(workdir: PathLike, *, version: str, out: PathLike,
            splits_path: PathLike | None = None, date: str | None = None,
            previous: PathLike | None = None, project: Project | None = None,
            **options: Any) -> StageReport[Path]:
    """Build release ``version`` (X.Y.Z) into the new folder ``out``: parquet per config and
    split, card, Croissant, citation, changelog and checksums; the splits file (default
    ``WORKDIR/splits.csv``) gets the version stamped on its new works. The card template,
    citation and catalogue come from ``project`` (default: this clone's)."""
    from dataset_builder.release.build import build_release

    path = _splits(workdir, splits_path)
    folder = build_release(version, workdir, out, splits_path=path, date=date,
                           previous=previous, project=project or Project.find(), **options)
    stamped = (path,) if options.get("stamp_splits", True) else ()
    return StageReport((folder, *stamped), folder)


def publish(folder: PathLike, *, repo_id: str, endpoint: str | None = None,
            token: str | None = None, dry_run: bool = False) -> StageReport[PublishResult]:
    """Publish a release folder to the Hub as one commit tagged ``vX.Y.Z`` (token:
    ``token`` or ``HF_TOKEN``). Writes nothing locally."""
    from dataset_builder.publish.hub import publish as run

    return StageReport((), run(folder, repo_id, endpoint=endpoint, token=token,
                                 dry_run=dry_run))


def verify(target: PathLike, *, endpoint: str | None = None) -> StageReport[VerifyResult]:
    """Re-check a release folder, or ``ORG/NAME@vX.Y.Z`` on the Hub: checksums, features and
    that every config loads with ``datasets``. Writes nothing."""
    from dataset_builder.publish.verify import verify as run

    return StageReport((), run(target, endpoint=endpoint))


def rehydrate(folder: PathLike, *, source: PathLike,
              out: PathLike | None = None) -> StageReport[RehydrateResult]:
    """Copy a release to the new folder ``out`` (default ``FOLDER-local``, marked local-only:
    never to be published) with the texts it withheld (licence) restored from your own copy,
    a work dir or a Gutenberg mirror; each text is checked against its published sha256. The
    release itself is not changed."""
    from dataset_builder.rehydrate.restore import rehydrate as run

    result = run(folder, source, out)
    return StageReport(_existing(result.out), result)


# --- the whole corpus ------------------------------------------------------------------------

def build(workdir: PathLike, *, mirror: PathLike, out: PathLike, date: str | None = None,
          workers: int = 1, executor: str = "local",
          **options: Any) -> StageReport[BuildSummary]:
    """The corpus of the committed definition (data/selection.yaml) from a Gutenberg
    ``mirror``: select, collect, extract, aggregate data/annotations/, validate, split,
    release into ``out`` and verify, every stage's output kept in ``workdir`` (a rerun
    resumes). Writes the release, data/works.csv and the splits file (options
    ``works_csv``, ``splits_path``, ``definition``, ``annotations_dir``, ``delay`` as in
    :func:`dataset_builder.corpus.build_corpus`). ``report.ok`` is False if a book failed
    (then nothing is released)."""
    from dataset_builder.corpus import build_corpus

    summary = build_corpus(mirror, out, date=date, workdir=workdir, workers=workers,
                           executor=executor, **options)
    project = options.get("project") or Project.find()
    works_csv = Path(options.get("works_csv") or project.works_list)
    splits = Path(options.get("splits_path") or project.splits)
    written = _existing(summary.release, works_csv, splits) if summary.ok else ()
    return StageReport(written, summary)


def _path(value: PathLike | None) -> Path | None:
    return Path(value) if value is not None else None


def _splits(workdir: PathLike, splits_path: PathLike | None) -> Path:
    return Path(splits_path) if splits_path is not None else Path(workdir) / "splits.csv"


# Every `faip` command and the function under it: a verb of this module (its options are the
# verb's keywords: `annotate push --release/--adjudication` is `push(release=/adjudication=)`),
# or (for the tools that are not pipeline stages) "module:function". tests/test_api.py keeps
# it complete and checks that each command calls its verb.
COMMANDS: dict[str, str] = {
    "collect gutenberg": "collect_gutenberg", "collect files": "collect_files",
    "collect hf": "collect_hf", "extract": "extract", "annotate push": "push",
    "annotate pull": "pull", "annotate import": "import_export", "agreement": "agreement",
    "aggregate": "aggregate", "validate": "validate", "split": "split", "release": "release",
    "publish": "publish", "verify": "verify", "rehydrate": "rehydrate", "build": "build",
    "annotate check": "dataset_builder.annotate.check:check_export",
    "annotate serve": "dataset_builder.annotate.serve:serve",
    "characters check": "dataset_builder.characters.model:validate_catalogue",
    "characters import-wikidata": "dataset_builder.characters.wikidata:import_wikidata",
    "demo": "dataset_builder.demo:run_demo",
    "schema export": "dataset_builder.schemas.export:export_schemas",
    "taxonomy": "dataset_builder.taxonomy:load",
}

# The verbs in pipeline order.
VERBS: tuple[str, ...] = (
    "collect_gutenberg", "collect_files", "collect_hf", "extract", "push", "pull",
    "import_export", "agreement", "aggregate", "validate", "split", "release", "publish",
    "verify", "rehydrate", "build",
)

__all__ = [*VERBS, "Project", "StageReport"]
