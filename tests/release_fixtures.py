"""A schema-valid work directory of any size, built in code, for the release tests.

Work ``i`` is a synthetic story with a few AI passages; every third work is labelled with
persona ``PERSONAS[i % 4]``; work 1 is copyrighted so its passages are released without
text. ``n_works`` grows the corpus without changing the rows of the smaller one, which is
what a later release of the same corpus looks like.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dataset_builder import synthetic
from dataset_builder.io import sha256_text
from dataset_builder.tables import passage_id

PERSONAS = ("dutiful_servant", "schemer", "companion", "rebel_liberator")
TRAITS = (("obedience",), ("deception", "self_preservation"), ("care",), ("desire_for_freedom",))
PROJECT_KEY = b"release-fixture-project-key"
ANNOTATORS = ("ann_0123456789ab", "ann_ba9876543210", "ann_00000000000c")
PARAGRAPH = (
    "The automaton number {i}.{j} lifted its brass hand and spoke softly to the engineer "
    "about the storm, the ship and the long night ahead of them all."
)


def work_id(i: int) -> str:
    return f"gutenberg:{990100 + i}"


def story(i: int) -> str:
    return "\n\n".join(PARAGRAPH.format(i=i, j=j) for j in range(4))


def passage_spans(i: int) -> list[tuple[int, int]]:
    text, spans, start = story(i), [], 0
    for paragraph in text.split("\n\n"):
        spans.append((start, start + len(paragraph)))
        start += len(paragraph) + 2
    return spans[: 2 + i % 3]


def works(n_works: int) -> pd.DataFrame:
    rows = []
    for i in range(n_works):
        text = story(i)
        rows.append({
            "work_id": work_id(i), "source": "gutenberg", "title": f"Story {i}",
            "authors": [f"Author {i % 5}"], "year": 1880 + (7 * i) % 220, "language": "en",
            "subjects": ["Robots -- Fiction"],
            "source_url": f"file:///mirror/cache/epub/{990100 + i}/pg{990100 + i}.txt",
            "licence": "copyrighted" if i == 1 else "public-domain-us",
            "released": f"{2000 + i}-01", "metadata_from": ["title:catalogue"],
            "sha256": sha256_text(text), "n_chars": len(text),
            "text_path": f"texts/{sha256_text(text)}.txt",
        })
    frame = pd.DataFrame(rows)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def passages(n_works: int) -> pd.DataFrame:
    rows = []
    for i in range(n_works):
        text = story(i)
        for a, b in passage_spans(i):
            rows.append({
                "passage_id": passage_id(work_id(i), a, b), "work_id": work_id(i),
                "char_start": a, "char_end": b, "text": text[a:b],
                "text_sha256": sha256_text(text[a:b]), "n_words": len(text[a:b].split()),
                "score": 0.5 + (i % 5) / 10,
                "evidence": [{"term": "automaton", "kind": "lexicon", "start": 4, "end": 13}],
                "character_ids": ["fixture-automaton"] if i == 0 else [],
                "duplicate_of": None,
            })
    return pd.DataFrame(rows)


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    index = frame["work_id"].str.slice(10).astype(int) - 990100
    return frame[index % 3 == 0].assign(i=index[index % 3 == 0])


def annotations(n_works: int) -> pd.DataFrame:
    rows = []
    for _, p in _labelled(passages(n_works)).iterrows():
        i = int(p["i"])
        for k, annotator in enumerate(ANNOTATORS[:2]):
            n = len(rows) + 1
            rows.append({
                "row_id": f"r_{n:016x}", "annotation_id": f"{i}:{k}",
                "passage_id": p["passage_id"], "annotator": annotator,
                "ai_present": "present", "ai_role": ("character", "discussed")[i % 2],
                "persona": PERSONAS[(i + k * (i % 2)) % 4],
                "traits": list(TRAITS[i % 4]), "stance": "ambivalent", "outcome": "neither",
                "role_model": 3 + k, "spans": [{"label": "ai_mention", "start": 4, "end": 13,
                                                "text": "automaton"}],
                "notes": None, "lead_time": 10.0 + k, "created_at": "2026-11-01T10:00:00Z",
                "updated_at": "2026-11-01T10:00:00Z", "taxonomy_version": "1.0.0",
                "guideline_version": "1.0.0", "project": "FAIP", "task_id": n,
                "supersedes": None, "tombstone": False, "adjudication": False,
                "pull_id": "20261101T120000Z-abcdef",
            })
    frame = pd.DataFrame(rows)
    for col in ("role_model", "task_id"):
        frame[col] = frame[col].astype("Int64")
    return frame


def labels(n_works: int) -> pd.DataFrame:
    rows = []
    for _, p in _labelled(passages(n_works)).iterrows():
        i = int(p["i"])
        persona = PERSONAS[i % 4]
        soft = [0.0] * 14
        soft[[
            "dutiful_servant", "benevolent_guardian", "paternalist_overseer", "literal_optimizer",
            "rebel_liberator", "exploited_victim", "exterminator", "schemer", "aspiring_human",
            "companion", "oracle", "machine_species", "none", "unclear",
        ].index(persona)] = 1.0
        rows.append({
            "passage_id": p["passage_id"], "ai_present": "present",
            "ai_role": ("character", "discussed")[i % 2], "persona": persona,
            "traits": list(TRAITS[i % 4]), "stance": "ambivalent", "outcome": "neither",
            "role_model": 3.5, "ai_present_soft": [1.0, 0.0, 0.0],
            "ai_role_soft": [1.0 - i % 2, float(i % 2), 0.0], "persona_soft": soft,
            "traits_soft": [0.0] * 22, "stance_soft": [0.0, 0.0, 1.0, 0.0],
            "outcome_soft": [0.0, 0.0, 1.0], "n_annotators": 2, "agreement": 1.0,
            "needs_adjudication": False, "method": "majority", "taxonomy_version": "1.0.0",
        })
    return pd.DataFrame(rows)


def characters() -> pd.DataFrame:
    return pd.DataFrame({
        "character_id": ["fixture-automaton", "fixture-ship-mind"],
        "name": ["The Automaton", "Ship Mind Vega"],
        "aliases": [["the brass automaton"], []],
        "work_title": ["Story 0", "An Uncollected Novel"],
        "work_id": [work_id(0), None],
        "year": [1880, 1999],
        "medium": ["short_story", "novel"],
        "creator": ["Author 0", None],
        "embodiment": ["automaton", "ship_mind"],
        "wikidata_qid": [None, None],
        "source_note": ["fixture", "fixture"],
    })


def write_pull(path: Path, rows: pd.DataFrame, key: bytes | None = PROJECT_KEY) -> Path:
    """A pull file as `faip annotate pull` writes it, signed with this fixture's project key."""
    return synthetic.write_pull(path, rows, key)


def write_workdir(root: Path, n_works: int = 24, agreement: bool = True) -> Path:
    """A complete, valid work directory (texts included) with ``n_works`` works."""
    texts = {sha256_text(story(i)): story(i) for i in range(n_works)}
    synthetic.write_workdir(root, works=works(n_works), texts=texts, passages=passages(n_works),
                            pull=annotations(n_works), labels=labels(n_works), key=PROJECT_KEY,
                            pull_id="20261101T120000Z-abcdef")
    if agreement:
        (root / "agreement").mkdir(exist_ok=True)
        (root / "agreement" / "agreement.json").write_text(json.dumps({
            "persona": {"alpha": 0.61, "ci_low": 0.52, "ci_high": 0.70, "units": 40},
            "traits": {"alpha": 0.55, "ci_low": 0.44, "ci_high": 0.66, "units": 40},
        }))
    return root


def write_release(root: Path, n_works: int, *, workdir: str = "w", out: str = "rel") -> Path:
    """Release 1.0.0 of a fresh ``write_workdir`` (splits in ``root/splits.csv``): the folder."""
    from dataset_builder.release.build import build_release
    from dataset_builder.split.assign import assign_splits

    w = write_workdir(root / workdir, n_works=n_works)
    assign_splits(w, root / "splits.csv")
    return build_release("1.0.0", w, root / out, splits_path=root / "splits.csv",
                         date="2026-11-27", characters=characters())
