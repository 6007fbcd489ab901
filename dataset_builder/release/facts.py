"""The facts a release's card, Croissant and release.json state about the data, computed once
from the rows being released (never written by hand in the template).

Each fact is a plain value; ``stats`` turns them into sentences, ``croissant`` into RAI fields,
``build`` into release.json. A test reads the released parquet files back and checks every
figure, so a sentence cannot drift from the data it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dataset_builder.release.frames import ReleaseFrames
from dataset_builder.schemas._common import REDISTRIBUTABLE

# Every work of the embedded sample mirror carries this subject (dataset_builder/sample/).
SAMPLE_SUBJECT = "Sample texts -- Fictional AI Personas corpus"
# Works first published before this year are in the public domain in the USA by age.
PUBLIC_DOMAIN_YEAR = 1930
# A binary α (one trait) and its bootstrap interval rest on the passages where someone chose
# the trait: with fewer than this many, resampling sees the same handful again and again.
MIN_POSITIVE_UNITS = 5


def is_sample(subjects: object) -> bool:
    return subjects is not None and SAMPLE_SUBJECT in list(subjects)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Facts:
    """What is true of one release's rows (see the module docstring)."""

    n_passages: int
    n_works: int  # works in the works config
    n_works_with_passages: int
    works_without_passages: list[str]  # their titles
    sample_works: int  # works of the project's embedded sample (original stories)
    year_min: int | None
    year_max: int | None
    year_median: float | None
    works_before_pd_year: int  # among works with passages
    works_with_year: int  # among works with passages
    words_min: int | None
    words_max: int | None
    licences: dict[str, int]  # licence -> works
    withheld_works: int
    withheld_passages: int
    n_annotations: int
    n_annotators: int
    labelled_passages: int  # a gold persona or ai_present label
    gold_present: int  # passages whose gold ai_present is "present"
    adjudicated: int
    pending_adjudication: int
    characters: int
    characters_with_qid: int
    characters_with_work_id: int
    annotation_first: str | None  # date of the first / last annotation (YYYY-MM-DD)
    annotation_last: str | None

    @property
    def human_labels(self) -> bool:
        return self.n_annotations > 0

    @property
    def all_sample(self) -> bool:
        return self.n_works > 0 and self.sample_works == self.n_works


def _date(values: pd.Series, pick: str) -> str | None:
    times = pd.to_datetime(values.dropna(), utc=True, format="ISO8601")
    if times.empty:
        return None
    return str(getattr(times, pick)().date().isoformat())


def compute(frames: ReleaseFrames) -> Facts:
    passages = pd.concat(frames.data["passages"].values())
    works = frames.works
    characters = pd.concat(frames.data["characters"].values())
    with_passages = works[works["work_id"].isin(set(passages["work_id"]))]
    years = pd.to_numeric(with_passages["year"], errors="coerce").dropna()
    words = pd.to_numeric(passages["n_words"], errors="coerce").dropna()
    licences = works["licence"].value_counts().sort_index()
    annotations = frames.annotations
    labelled = passages["ai_present"].notna() | passages["persona"].notna()
    method = passages["label_method"].astype(object)
    return Facts(
        n_passages=len(passages),
        n_works=len(works),
        n_works_with_passages=len(with_passages),
        works_without_passages=sorted(
            str(t) for t in works.loc[~works["work_id"].isin(set(passages["work_id"])), "title"]),
        sample_works=int(works["subjects"].map(is_sample).sum()),
        year_min=int(years.min()) if len(years) else None,
        year_max=int(years.max()) if len(years) else None,
        year_median=float(years.median()) if len(years) else None,
        works_before_pd_year=int((years < PUBLIC_DOMAIN_YEAR).sum()),
        works_with_year=len(years),
        words_min=int(words.min()) if len(words) else None,
        words_max=int(words.max()) if len(words) else None,
        licences={str(k): int(v) for k, v in licences.items()},
        withheld_works=int((~works["licence"].isin(REDISTRIBUTABLE)).sum()),
        withheld_passages=int(passages["text_withheld"].sum()),
        n_annotations=len(annotations),
        n_annotators=int(annotations["annotator"].nunique()) if len(annotations) else 0,
        labelled_passages=int(labelled.sum()),
        gold_present=int((passages["ai_present"] == "present").sum()),
        adjudicated=int((method == "adjudicated").sum()),
        pending_adjudication=int(passages["needs_adjudication"].astype(bool).sum()),
        characters=len(characters),
        characters_with_qid=int(characters["wikidata_qid"].notna().sum()),
        characters_with_work_id=int(characters["work_id"].notna().sum()),
        annotation_first=_date(annotations["created_at"], "min") if len(annotations) else None,
        annotation_last=_date(annotations["updated_at"], "max") if len(annotations) else None,
    )
