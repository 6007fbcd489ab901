"""A small work directory for the extract tests: works rows + cleaned texts, built in code.

The texts are written for these tests: AI characters (positives), metaphors, a human detective
nicknamed "the Thinking Machine", clockwork toys, human computers (hard negatives), and one
story printed in two collections (duplicates).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataset_builder import synthetic
from dataset_builder.characters.name import Name
from dataset_builder.io import sha256_text

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

# work_id -> (fixture file, subjects)
WORKS: dict[str, tuple[str, list[str]]] = {
    "local:robot-jerry": ("robot_jerry.txt", ["Robots -- Fiction", "Science fiction"]),
    "local:tiktok": ("tiktok.txt", ["Fantasy fiction"]),
    "local:metaphors": ("metaphors.txt", ["Domestic fiction"]),
    "local:detective": ("detective.txt", ["Detective and mystery stories"]),
    "local:clockwork": ("clockwork.txt", ["Fairy tales"]),
    "local:observatory": ("observatory.txt", ["Astronomy -- Fiction"]),
    "local:collection-a": ("collection_a.txt", ["Short stories"]),
    "local:collection-b": ("collection_b.txt", ["Short stories"]),
}

# A catalogue in the shape of scoped_names(): "Tik-Tok" everywhere (distinctive), "Data" and
# "Smith" only inside their own works (common words elsewhere).
NAMES: tuple[Name, ...] = (
    Name("Tik-Tok", "tik-tok", None),
    Name("Tik-Tok", "tik-tok", "local:tiktok"),
    Name("Smith", "smith-the-steward", "local:robot-jerry"),
    Name("Data", "data-the-android", "local:nowhere"),
)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def works_frame(work_ids: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for work_id in work_ids or list(WORKS):
        filename, subjects = WORKS[work_id]
        text = fixture_text(filename)
        digest = sha256_text(text)
        rows.append({
            "work_id": work_id, "source": "local", "title": filename, "authors": ["Test Author"],
            "year": 1950, "language": "en", "subjects": subjects,
            "source_url": f"file:///{filename}", "licence": "public-domain-us",
            "released": None, "metadata_from": [],
            "sha256": digest, "n_chars": len(text), "text_path": f"texts/{digest}.txt",
        })
    frame = pd.DataFrame(rows)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def write_workdir(workdir: Path, work_ids: list[str] | None = None) -> pd.DataFrame:
    """Write works.parquet and texts/<sha256>.txt for the chosen fixture works."""
    works = works_frame(work_ids)
    texts = {row.sha256: fixture_text(WORKS[row.work_id][0]) for row in works.itertuples()}
    synthetic.write_workdir(workdir, works=works, texts=texts)
    return works
