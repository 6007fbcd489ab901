"""Extract's work grows linearly with its input and is bounded per paragraph and per work.

Counted, not timed: the hits kept from a paragraph packed with terms, the units a huge
paragraph is cut into, the paragraphs enumerated after the last hit, the dedup comparisons for
many copies of one passage. A degenerate work is reported in one line while others go on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dataset_builder.extract import dedup, run_extract
from dataset_builder.extract.dedup import Key, band_candidates, duplicate_links
from dataset_builder.extract.detect import Limits, Matcher
from dataset_builder.extract.segment import _raw_paragraphs, count_words_upto, units, windows
from dataset_builder.io import atomic_write_text, sha256_text
from dataset_builder.tables import write_table
from tests.extract_fixtures import NAMES, works_frame

LINE = "the robot spoke "


def test_a_paragraph_past_its_limit_is_skipped_and_the_next_one_is_scanned() -> None:
    limits = Limits(per_paragraph=10, per_work=1_000)
    text = LINE * 50 + "\n\nLater the android left. Then a robot came.\n"
    detection = Matcher().scan(text, "local:x", limits=limits)
    first = [h for h in detection.hits if h.start < len(LINE) * 50]
    assert len(first) == 10
    assert [h.term for h in detection.hits[10:]] == ["android", "robot"]
    assert detection.capped_paragraphs == [(0, len(LINE) * 50)]
    note = detection.limits_note("local:x", limits)
    assert note is not None and "local:x" in note and "more than 10 AI terms" in note


def test_a_text_with_fewer_terms_than_the_paragraph_limit_is_scanned_whole() -> None:
    """The scan skips paragraph bookkeeping when a one-chunk text holds fewer matches than
    the limit: just below, at and above the limit give what the limit says."""
    limits = Limits(per_paragraph=10, per_work=1_000)
    for n in (8, 9, 10, 11, 12):
        text = "Before.\n\n" + LINE * n + "\n\nThe android left."
        detection = Matcher().scan(text, "local:x", limits=limits)
        assert len(detection.hits) == min(n, 10) + 1
        assert len(detection.capped_paragraphs) == (n > 10)


def test_the_work_limit_stops_the_scan_and_says_where() -> None:
    limits = Limits(per_paragraph=5, per_work=12)
    text = "The robot spoke.\n\n" * 40
    detection = Matcher().scan(text, "local:x", limits=limits)
    assert len(detection.hits) == 12
    assert detection.work_capped_at == text.index("robot", detection.hits[-1].end)
    assert "not scanned" in (detection.limits_note("local:x", limits) or "")


def test_limits_do_not_bind_on_prose_and_offsets_survive_chunks() -> None:
    # Multi-byte characters before each hit: character offsets must stay exact across the
    # scan's chunks (the chunk boundary falls mid-text at this size).
    from dataset_builder.extract import detect

    paragraph = "Ça alors — the robot said “no”, and the android smiled " + "là " * 300 + "\n\n"
    text = paragraph * (2 * detect._CHUNK_BYTES // len(paragraph.encode()) + 3)
    detection = Matcher().scan(text, "local:x")
    assert detection.capped_paragraphs == [] and detection.work_capped_at is None
    assert len(detection.hits) == 2 * text.count(paragraph)
    assert all(text[h.start:h.end] == h.term for h in detection.hits)


def test_a_huge_paragraph_is_cut_only_near_its_hits() -> None:
    # One hit near the start of a paragraph without sentence ends: the units cut from it do
    # not grow with the paragraph (the far part stays one unit), and counting it stops early.
    small, large = "w " * 10_000, "w " * 100_000
    cut_small = units("robot " + small, [0], max_words=50)
    cut_large = units("robot " + large, [0], max_words=50)
    assert len(cut_small) == len(cut_large) < 300
    assert cut_large[-1][1] == len("robot " + large)
    assert count_words_upto(large, 0, len(large), 51) == 51
    wins = windows("robot " + large, [0], 20, 50)
    assert [(w.start, w.n_words) for w in wins] == [(0, 50)]


def test_paragraphs_after_the_last_hit_are_not_enumerated() -> None:
    text = "robot\n\n" + "one line.\n\n" * 10_000
    spans = _raw_paragraphs(text, until=0, then=5)
    assert len(spans) == 7  # the hit's paragraph, 5 more, and the rest as one span
    assert spans[-1][1] == len(text)
    assert len(_raw_paragraphs(text)) == 10_002


def test_dedup_compares_each_copy_once_per_band() -> None:
    n = 2_000  # one passage printed n times, each copy with a different text hash
    sig = np.random.default_rng(3).integers(0, 1 << 32, size=dedup.NUM_PERM, dtype=np.uint32)
    sigs = np.tile(sig, (n, 1))
    same_text = np.arange(n)
    compared = sum(len(c) for c, _ in band_candidates(sigs, same_text))
    assert compared <= dedup.BANDS * n
    keys = [Key(f"p_{i:05d}", f"{i:064x}", sig.tobytes()) for i in range(n)]
    links = duplicate_links(keys)
    assert len(links) == n - 1 and set(links.values()) == {"p_00000"}


def test_a_degenerate_work_is_reported_in_one_line_and_the_others_go_on(tmp_path: Path) -> None:
    works = works_frame(["local:robot-jerry"])
    text = LINE * 1_500  # no newline: 1,500 hits in one paragraph, over the default limit
    digest = sha256_text(text)
    degenerate = works.iloc[0].to_dict() | {
        "work_id": "local:one-line", "sha256": digest, "n_chars": len(text),
        "text_path": f"texts/{digest}.txt"}
    atomic_write_text(tmp_path / degenerate["text_path"], text)
    from tests.extract_fixtures import fixture_text

    atomic_write_text(tmp_path / works.iloc[0]["text_path"], fixture_text("robot_jerry.txt"))
    frame = pd.concat([works, pd.DataFrame([degenerate])], ignore_index=True)
    frame["year"] = frame["year"].astype("Int64")
    write_table(tmp_path, "works", frame)
    report = run_extract(tmp_path, names=NAMES, target_words=(40, 120))
    assert len(report.problems) == 1 and "local:one-line" in report.problems[0]
    assert "\n" not in report.problems[0]
    detect_stats = next(s for s in report.stats if s.name == "detect")
    assert detect_stats.counters["works_capped"] == 1
    passages = pd.read_parquet(tmp_path / "passages.parquet")
    assert set(passages["work_id"]) == {"local:robot-jerry", "local:one-line"}
    last_hit_end = max(p.char_end for p in passages.itertuples()
                       if p.work_id == "local:one-line")
    assert last_hit_end < len(LINE) * 1_100  # nothing after the paragraph's first 1,000 hits


def test_offsets_survive_chunks_that_end_inside_dense_multibyte_text() -> None:
    """A chunk ends right after a two-byte character: the characters before the next chunk
    are counted exactly (every hit's offsets still name its term)."""
    from dataset_builder.extract import detect

    unit = "é" * 1000 + " robot\n\n"
    text = unit * (2 * detect._CHUNK_BYTES // len(unit.encode()) + 3)
    hits = Matcher().scan(text, "local:x").hits
    assert len(hits) == text.count(" robot\n")
    assert all(text[h.start:h.end] == "robot" for h in hits)
