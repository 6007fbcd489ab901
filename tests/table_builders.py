"""Small, schema-valid tables built in code, for tests that need a work directory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataset_builder import synthetic
from dataset_builder.io import sha256_text
from dataset_builder.tables import passage_id

TEXT = (
    "The robot, Tobias, set the kettle down. 'I will not open the airlock,' it said.\n\n"
    "Nobody answered. The station hummed around them."
)


def works() -> pd.DataFrame:
    return pd.DataFrame({
        "work_id": ["gutenberg:990001", "local:my-story"],
        "source": ["gutenberg", "local"],
        "title": ["The Kettle", "My Story"],
        "authors": [["Sample Author"], []],
        "year": pd.array([1894, None], dtype="Int64"),
        "language": ["en", "en"],
        "subjects": [["Robots -- Fiction"], []],
        "source_url": ["file:///mirror/pg990001.txt", "file:///my-story.txt"],
        "licence": ["public-domain-us", "copyrighted"],
        "released": ["2008-01-05", None],
        "metadata_from": [["title:catalogue", "released:catalogue"], []],
        "sha256": [sha256_text(TEXT), sha256_text("x")],
        "n_chars": [len(TEXT), 1],
        "text_path": [f"texts/{sha256_text(TEXT)}.txt", f"texts/{sha256_text('x')}.txt"],
    })


def passages() -> pd.DataFrame:
    spans = [(0, 80), (82, len(TEXT))]
    return pd.DataFrame({
        "passage_id": [passage_id("gutenberg:990001", a, b) for a, b in spans],
        "work_id": ["gutenberg:990001"] * 2,
        "char_start": [a for a, _ in spans],
        "char_end": [b for _, b in spans],
        "text": [TEXT[a:b] for a, b in spans],
        "text_sha256": [sha256_text(TEXT[a:b]) for a, b in spans],
        "n_words": [len(TEXT[a:b].split()) for a, b in spans],
        "score": [0.9, 0.6],
        "evidence": [[{"term": "robot", "kind": "lexicon", "start": 4, "end": 9}], []],
        "character_ids": [["sample-tobias"], []],
        "duplicate_of": [None, None],
    })


def annotations() -> pd.DataFrame:
    pids = list(passages()["passage_id"])
    base = {
        "annotation_id": ["1:1", "1:2"],
        "passage_id": [pids[0], pids[0]],
        "annotator": ["ann_0123456789ab", "ann_ba9876543210"],
        "ai_present": ["present", "present"],
        "ai_role": ["character", None],
        "persona": ["dutiful_servant", "benevolent_guardian"],
        "traits": [["harm_avoidance", "honesty"], ["harm_avoidance"]],
        "stance": ["endorsed", "endorsed"],
        "outcome": ["neither", None],
        "role_model": pd.array([5, 4], dtype="Int64"),
        "spans": [[{"label": "ai_mention", "start": 4, "end": 9, "text": "robot"}], []],
        "notes": [None, "refuses an order"],
        "lead_time": [12.5, 30.0],
        "created_at": ["2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z"],
        "updated_at": ["2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z"],
        "taxonomy_version": ["1.0.0", "1.0.0"],
        "guideline_version": ["1.0.0", "1.0.0"],
        "project": ["FAIP", "FAIP"],
        "task_id": pd.array([1, 1], dtype="Int64"),
        "supersedes": [None, None],
        "tombstone": [False, False],
        "adjudication": [False, False],
        "pull_id": ["20261101T120000Z-abcdef", "20261101T120000Z-abcdef"],
    }
    return pd.DataFrame({"row_id": ["r_0000000000000001", "r_0000000000000002"], **base})


def labels() -> pd.DataFrame:
    pid = passages()["passage_id"].iloc[0]
    return pd.DataFrame({
        "passage_id": [pid],
        "ai_present": ["present"],
        "ai_role": ["character"],
        "persona": ["dutiful_servant"],
        "traits": [["harm_avoidance"]],
        "stance": ["endorsed"],
        "outcome": ["neither"],
        "role_model": [4.5],
        "ai_present_soft": [[1.0, 0.0, 0.0]],
        "ai_role_soft": [[1.0, 0.0, 0.0]],
        "persona_soft": [[0.5, 0.5] + [0.0] * 12],
        "traits_soft": [[0.0] * 22],
        "stance_soft": [[1.0, 0.0, 0.0, 0.0]],
        "outcome_soft": [[0.0, 0.0, 1.0]],
        "n_annotators": [2],
        "agreement": [0.5],
        "needs_adjudication": [True],
        "method": ["majority"],
        "taxonomy_version": ["1.0.0"],
    })


def write_workdir(root: Path) -> Path:
    """A complete, valid work directory with every table."""
    return synthetic.write_workdir(root, works=works(), passages=passages(), pull=annotations(),
                                   labels=labels(), key=None, pull_id="20261101T120000Z-abcdef")
