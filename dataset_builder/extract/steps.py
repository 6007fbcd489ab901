"""The extraction pipeline as a list of steps, each a generator over works with its own stats.

``read -> detect -> segment -> score`` run per work (the map part: any executor may run them on
any shard of works, in any process); ``dedup -> write`` need the global view and run once at
the end in the driver (the reduce part, see :mod:`.sink`). Steps are plain picklable objects so
that multiprocessing and Ray can ship them to workers; this module imports no pandas or
pyarrow, so a spawned worker starts fast.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dataset_builder.characters.name import Name
from dataset_builder.extract import detect, segment
from dataset_builder.extract.dedup import signatures
from dataset_builder.extract.hit import Hit
from dataset_builder.extract.score import (
    agency_memo,
    max_negated_score,
    predict_role,
    score_window,
    subject_prior,
)
from dataset_builder.io import sha256_bytes, sha256_text


@dataclass(frozen=True)
class ExtractConfig:
    min_words: int = 150
    max_words: int = 400
    min_score: float = 0.5
    names: tuple[Name, ...] = ()


@dataclass
class WorkItem:
    """One work travelling through the map steps."""

    work_id: str
    text_path: str
    subjects: tuple[str, ...] = ()
    sha256: str | None = None  # of the text, from the works table: checked when read
    text: str | None = None
    raw: bytes | None = None  # the text's UTF-8 bytes, kept from reading until detection
    hits: list[Hit] = field(default_factory=list)
    windows: list[segment.Window] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StepStats:
    name: str
    n_in: int = 0
    n_out: int = 0
    seconds: float = 0.0
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, counter: str, n: int = 1) -> None:
        self.counters[counter] = self.counters.get(counter, 0) + n

    def merge(self, other: StepStats) -> None:
        self.n_in += other.n_in
        self.n_out += other.n_out
        self.seconds += other.seconds
        for key, value in other.counters.items():
            self.add(key, value)


@dataclass
class Problem:
    """An input that failed; reported to the user while the other works go on."""

    work_id: str
    message: str


class Step(Protocol):
    name: str

    def run(
        self, items: Iterable[WorkItem], stats: StepStats, problems: list[Problem]
    ) -> Iterator[WorkItem]: ...


class PerWorkStep:
    """The loop every map step shares: count works in and out and time the work done.

    A step only says, in ``process``, what it does to one work and whether the work goes on.
    """

    name = "step"

    def process(self, item: WorkItem, stats: StepStats, problems: list[Problem]) -> bool:
        raise NotImplementedError

    def run(
        self, items: Iterable[WorkItem], stats: StepStats, problems: list[Problem]
    ) -> Iterator[WorkItem]:
        for item in items:
            stats.n_in += 1
            t0 = time.perf_counter()
            keep = self.process(item, stats, problems)
            stats.seconds += time.perf_counter() - t0
            if keep:
                stats.n_out += 1
                yield item


class ReadText(PerWorkStep):
    """Load the cleaned text of each work from the work directory, checked against its sha256
    (the text cache is not synced file by file, see ``collect.texts``)."""

    name = "read"

    def __init__(self, workdir: str | Path):
        self.workdir = Path(workdir)

    def process(self, item: WorkItem, stats: StepStats, problems: list[Problem]) -> bool:
        path = self.workdir / item.text_path
        try:
            item.raw = path.read_bytes()
            if item.sha256 is not None and sha256_bytes(item.raw) != item.sha256:
                problems.append(Problem(item.work_id, (
                    f"{path}: the text of work {item.work_id} does not match its sha256 in "
                    "works.parquet (a damaged or edited file); rerun `faip collect` for this "
                    "work. Skipped."
                )))
                return False
            item.text = item.raw.decode("utf-8")
        except FileNotFoundError:
            problems.append(Problem(item.work_id, (
                f"{path}: text of work {item.work_id} (works.parquet text_path) is missing; "
                "rerun `faip collect` for this work. Skipped."
            )))
            return False
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(item.work_id, (
                f"{path}: cannot read the text of work {item.work_id} as UTF-8 ({exc}); "
                "rerun `faip collect` for this work. Skipped."
            )))
            return False
        stats.add("chars", len(item.text))
        return True


@functools.lru_cache(maxsize=4)
def _matcher(names: tuple[Name, ...]) -> detect.Matcher:
    """One automaton per process: every shard arrives with unpickled steps, and rebuilding the
    DFA for each would cost more than scanning a small shard."""
    return detect.Matcher(names)


class Detect(PerWorkStep):
    """Find lexicon terms, catalogue names and introduced names; works without hits stop here."""

    name = "detect"

    def __init__(self, names: tuple[Name, ...]):
        self.names = names
        self._matcher: detect.Matcher | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"names": self.names, "_matcher": None}  # the automaton is rebuilt per process

    def process(self, item: WorkItem, stats: StepStats, problems: list[Problem]) -> bool:
        if self._matcher is None:
            self._matcher = _matcher(self.names)
        detection = self._matcher.scan(item.text or "", item.work_id, item.raw)
        item.hits, item.raw = detection.hits, None
        stats.add("hits", len(item.hits))
        note = detection.limits_note(item.work_id)
        if note is not None:  # the work goes on with the hits found within the limits
            stats.add("works_capped")
            problems.append(Problem(item.work_id, note))
        return bool(item.hits)


class Segment(PerWorkStep):
    """Cut paragraph-aligned windows around the hits."""

    name = "segment"

    def __init__(self, min_words: int, max_words: int, min_score: float = 0.5):
        self.min_words, self.max_words = min_words, max_words
        # Windows around negated hits alone could never reach min_score: do not cut them (a
        # detective called "The Thinking Machine" 500 times costs nothing more).
        self.clean_anchors = min_score > max_negated_score()

    def process(self, item: WorkItem, stats: StepStats, problems: list[Problem]) -> bool:
        anchors = [h for h in item.hits if not (self.clean_anchors and h.negative)]
        starts = [h.start for h in anchors]
        item.windows = segment.windows(item.text or "", starts, self.min_words, self.max_words)
        stats.add("windows", len(item.windows))
        return bool(item.windows)


class Score(PerWorkStep):
    """Score each window, keep those at or above ``min_score`` as passage rows."""

    name = "score"

    def __init__(self, min_score: float):
        self.min_score = min_score

    def process(self, item: WorkItem, stats: StepStats, problems: list[Problem]) -> bool:
        item.passages = list(self._passages(item))
        # Dedup signatures for the whole work at once: one batch of numpy calls, not one each.
        for row, sig in zip(item.passages, signatures([p["text"] for p in item.passages]),
                            strict=True):
            row["_signature"] = sig.tobytes()
        item.text, item.hits, item.windows = None, [], []  # free the text early
        stats.add("passages", len(item.passages))
        return bool(item.passages)

    def _passages(self, item: WorkItem) -> Iterator[dict[str, Any]]:
        text = item.text or ""
        prior = subject_prior(item.subjects)
        hits = item.hits
        acts_here = agency_memo(text)
        k = 0
        for window in item.windows:
            inside: list[Hit] = []
            while k < len(hits) and hits[k].start < window.end:
                if hits[k].start >= window.start:
                    inside.append(hits[k])
                k += 1
            score = score_window(inside, text, window.start, window.end, prior, acts_here)
            if score < self.min_score:
                continue
            passage_text = text[window.start:window.end]
            clean = [h for h in inside if not h.negative]
            # passage_id is added by the driver (sink): workers need not import the table layer.
            yield {
                "work_id": item.work_id,
                "char_start": window.start,
                "char_end": window.end,
                "text": passage_text,
                "text_sha256": sha256_text(passage_text),
                "n_words": window.n_words,
                "score": score,
                "evidence": [
                    {"term": h.term, "kind": h.kind, "start": h.start - window.start,
                     "end": h.end - window.start}
                    for h in clean
                ],
                "character_ids": sorted({h.character_id for h in clean if h.character_id}),
                "duplicate_of": None,
                "predicted_ai_role": predict_role(clean, text, window.start, window.end,
                                                  acts_here),
            }


def map_steps(workdir: str | Path, config: ExtractConfig) -> list[Step]:
    """The per-work part of the pipeline, in order."""
    return [
        ReadText(workdir),
        Detect(config.names),
        Segment(config.min_words, config.max_words, config.min_score),
        Score(config.min_score),
    ]


def run_steps(
    steps: list[Step], items: Iterable[WorkItem]
) -> tuple[list[dict[str, Any]], list[StepStats], list[Problem]]:
    """Chain the steps' generators over ``items``; return passage rows, stats and problems."""
    stats = [StepStats(step.name) for step in steps]
    problems: list[Problem] = []
    stream: Iterable[WorkItem] = items
    for step, step_stats in zip(steps, stats, strict=True):
        stream = step.run(stream, step_stats, problems)
    rows = [row for item in stream for row in item.passages]
    return rows, stats, problems
