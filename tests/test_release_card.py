"""The demo release's card, Croissant and citation, read as a dataset reviewer would: every
number and every licence, period and annotation statement is checked against the release's
own parquet files (read back with pyarrow and `datasets`), never against the code that wrote
the card."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import ClassLabel, load_dataset

from dataset_builder import taxonomy
from dataset_builder.demo import run_demo
from dataset_builder.release import statements
from dataset_builder.release.facts import Facts

DATE = "2026-11-27"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("card") / "demo"
    run_demo(work, date=DATE)
    return work / "release"


def table(release: Path, config: str) -> pd.DataFrame:
    files = sorted((release / "data" / config).glob("*.parquet"))
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)


def body(release: Path) -> str:
    return (release / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]


def header(release: Path) -> dict:
    return yaml.safe_load((release / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def names(release: Path, config: str, column: str) -> list[str]:
    files = sorted((release / "data" / config).glob("*.parquet"))
    meta = json.loads(pq.read_schema(files[0]).metadata[b"huggingface"])
    feature = meta["info"]["features"][column]
    return feature["names"] if "names" in feature else feature["feature"]["names"]


def decoded(release: Path, config: str) -> pd.DataFrame:
    """The config's rows with ClassLabel codes turned back into taxonomy ids."""
    frame = table(release, config)
    for f in taxonomy.load().fields:
        if f.id not in frame or f.kind not in ("single", "multi"):
            continue
        labels = names(release, config, f.id)
        if f.kind == "multi":
            frame[f.id] = frame[f.id].map(lambda cell, n=labels: [n[int(i)] for i in cell])
        else:
            frame[f.id] = frame[f.id].map(lambda v, n=labels: None if pd.isna(v) else n[int(v)])
    return frame


def test_card_figures_match_the_released_tables(demo: Path) -> None:
    text = body(demo)
    passages, works = table(demo, "passages"), table(demo, "works")
    annotations = table(demo, "annotations")
    with_passages = works[works["work_id"].isin(passages["work_id"])]
    summary = (f"{len(passages)} passages from {len(with_passages)} works, "
               f"{len(annotations)} annotations by {annotations['annotator'].nunique()} "
               "pseudonymous annotators")
    assert summary in text
    # 6: works without passages are named, with the count.
    missing = works[~works["work_id"].isin(passages["work_id"])]
    assert len(missing) > 0
    assert (f"The works config lists all {len(works)} collected works: {len(missing)} works "
            "yielded no passage") in text
    for title in missing["title"]:
        assert f"*{title}*" in text
    # The works' split column says what it holds, also for works without passages.
    assert missing["split"].isin(["train", "validation", "test"]).all()
    works_fields = text.split("#### works")[1].split("####")[0]
    assert "a work without passages has one too" in works_fields
    # 11: the real word range.
    assert (f"Passages are {passages['n_words'].min()} to {passages['n_words'].max()} words "
            "long") in text
    assert "150–400 words" not in text.replace("150–400-word windows", "")
    # 2: the period comes from the works' years, no hard-coded era.
    years = with_passages["year"].dropna()
    before = int((years < 1930).sum())
    assert (f"published between {years.min()} and {years.max()}") in text
    assert f"{before} before 1930 and {len(years) - before} in 1930 or later" in text
    meta = json.loads((demo / "croissant.json").read_text())
    assert "pre-1930" not in text and "pre-1930" not in json.dumps(meta)
    assert f"published between {years.min()} and {years.max()}" in meta["rai:dataBiases"][0]
    # 5: catalogue fill, with counts.
    characters = table(demo, "characters")
    assert (f"lists {len(characters)} catalogued AI characters: "
            f"{characters['wikidata_qid'].notna().sum()} have a Wikidata id (wikidata_qid) and "
            f"{characters['work_id'].notna().sum()} a work collected in this corpus") in text
    # 8: adjudicated and pending counts.
    adjudicated = int((passages["label_method"] == "adjudicated").sum())
    pending = int(passages["needs_adjudication"].sum())
    assert pending > 0
    assert f"{pending} passages still need adjudication" in text
    decided = {0: "No passage has been decided by an adjudicator yet",
               1: "1 passage was decided"}.get(adjudicated, f"{adjudicated} passages were")
    assert decided in text
    # The annotation period, from the released timestamps.
    first, last = annotations["created_at"].min(), annotations["updated_at"].max()
    assert first.date().isoformat() in text and last.date().isoformat() in text
    # The per-decade table lists every decade from the first to the last, empty ones too.
    decades = [int(y) // 10 * 10 for y in passages["year"].dropna()]
    for d in range(min(decades), max(decades) + 10, 10):
        n = sum(x == d for x in decades)
        assert re.search(rf"^\| {d}s \| \d+ \| {n} \|$", text, re.M), d


def test_licence_statements_follow_the_works_table(demo: Path) -> None:
    text, works = body(demo), table(demo, "works")
    counts = works["licence"].value_counts()
    assert counts.get("copyrighted", 0) >= 1
    assert f"Texts published: {counts['public-domain-us']} works public domain in the USA" in text
    assert f"Texts withheld: {counts['copyrighted']} work in copyright" in text
    passages = table(demo, "passages")
    assert passages.loc[passages["licence"] == "copyrighted", "text"].isna().all()
    assert "(public domain in the USA)" not in text  # no longer said of every work
    # No CC BY-SA text in the demo: the YAML licence is the annotations' CC BY 4.0, and the
    # LICENSE.md in the folder states the same mix.
    assert "cc-by-sa-4.0" not in set(works["licence"])
    assert header(demo)["license"] == "cc-by-4.0"
    assert f"{counts['public-domain-us']} works public domain in the USA" in \
        (demo / "LICENSE.md").read_text()


def test_sample_data_is_said_first_and_has_no_real_looking_urls(demo: Path) -> None:
    text, works = body(demo), table(demo, "works")
    first = text.strip().split("\n\n")[1]
    assert first.startswith("> **Sample data.**") and "original story" in first
    manifest = json.loads((demo / "release.json").read_text())
    assert manifest["sample_data"] is True and manifest["notes"][0].startswith("Sample data.")
    assert "Sample data." in json.loads((demo / "croissant.json").read_text())["description"]
    assert works["source_url"].isna().all()
    assert "gutenberg.org/ebooks" not in (demo / "README.md").read_text()
    assert header(demo)["language_creators"] == ["other"]


def test_gold_labels_follow_the_gate_and_soft_labels_are_vote_shares(demo: Path) -> None:
    passages, annotations = decoded(demo, "passages"), decoded(demo, "annotations")
    coders = annotations[~annotations["adjudication"]]
    not_present = passages[passages["ai_present"] != "present"]
    assert len(not_present) >= 2  # the demo has an absent and an uncertain passage
    for column in ("persona", "stance", "outcome", "role_model"):
        assert not_present[column].isna().all(), column
    assert not_present["traits"].map(len).eq(0).all()
    persona_ids = names(demo, "passages", "persona")
    for row in passages.itertuples():
        votes = coders[coders["passage_id"] == row.passage_id]
        assert row.n_annotators == len(votes)
        shares = [float((votes["persona"] == p).sum()) / len(votes) for p in persona_ids]
        assert list(row.persona_soft) == pytest.approx(shares, abs=1e-6)
        # 1: role_model is the median of the ratings where an AI is present.
        if row.ai_present == "present" and row.label_method != "adjudicated":
            ratings = votes["role_model"].dropna()
            if len(ratings):
                assert row.role_model == pytest.approx(float(ratings.median()))
    fields = body(demo).split("## Data Fields")[1].split("## Data Instances")[0]
    role_model = next(line for line in fields.splitlines() if line.startswith("| `role_model`"))
    assert "median" in role_model and "mean" not in role_model


def test_agreement_table_discloses_prefills_and_rare_traits(demo: Path) -> None:
    text, annotations = body(demo), decoded(demo, "annotations")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines()
            if line.startswith("| traits:") or line.startswith("| spans:")}
    report = json.loads((demo.parent / "agreement" / "agreement.json").read_text())
    agreement, uptake = report["fields"], report["summary"]["suggestions"]
    assert "pre-fills" in rows["spans:ai_mention"]
    assert (f"{100 * uptake['kept_share']:.1f}% of the {uptake['suggested_spans']:,} suggested "
            "spans were kept unchanged") in rows["spans:ai_mention"]
    coders = annotations[~annotations["adjudication"]]
    positive = {t: coders.loc[coders["traits"].map(lambda c, t=t: t in c), "passage_id"]
                .nunique() for t in taxonomy.load().ids("traits")}
    rare = [t for t, n in positive.items() if n < 5]
    assert rare  # e.g. power_seeking, goal_preservation in the demo
    for t in rare:
        line = rows[f"traits:{t}"]
        assert "| – |" in line, line
        if agreement[f"traits:{t}"].get("alpha") is not None:
            assert f"chosen in only {positive[t]} passage" in line, line
    common = [t for t, n in positive.items() if n >= 5 and
              agreement[f"traits:{t}"].get("ci_low") is not None]
    assert common
    for t in common:
        assert f"[{agreement[f'traits:{t}']['ci_low']:.3f}," in rows[f"traits:{t}"]
    assert "traits:humour" in rows and "n/a" in rows["traits:humour"]


def test_card_has_every_section_and_every_column(demo: Path) -> None:
    text = body(demo)
    for section in ("## Dataset Sources", "## Data Fields", "## Data Instances",
                    "## Personal and Sensitive Information", "## Recommendations",
                    "## Glossary", "## Card Authors and Contact", "## Collection",
                    "## Annotation", "## Licensing", "## Citation"):
        assert section in text, section
    assert "https://github.com/" in text.split("## Dataset Sources")[1].split("##")[0]
    assert "volunteers" in text and "expert" not in text
    head = header(demo)
    assert "token-classification" in head["task_categories"]
    assert "expert-generated" not in head["annotations_creators"]
    fields = text.split("## Data Fields")[1].split("## Data Instances")[0]
    for config in ("passages", "annotations", "works", "characters"):
        block = fields.split(f"#### {config}")[1].split("####")[0]
        for column in pq.read_schema(next((demo / "data" / config).glob("*.parquet"))).names:
            assert f"| `{column}` |" in block, (config, column)
    for name in ("taxonomy.yaml", "codebook.md"):
        assert (demo / name).stat().st_size > 1000
        assert f"({name})" in text
    tax = yaml.safe_load((demo / "taxonomy.yaml").read_text())
    assert [c["id"] for f in tax["fields"] if f["id"] == "persona" for c in f["choices"]] == \
        names(demo, "passages", "persona")


def test_data_instance_is_a_real_row(demo: Path, tmp_path: Path) -> None:
    block = body(demo).split("## Data Instances")[1].split("```json\n")[1].split("\n```")[0]
    shown = json.loads(block)
    loaded = load_dataset(str(demo), "passages", split="train", cache_dir=str(tmp_path))
    row = next(r for r in loaded if r["passage_id"] == shown["passage_id"])
    features = loaded.features
    for key, value in shown.items():
        actual = row[key]
        feature = features[key]
        if isinstance(feature, ClassLabel):
            actual = None if actual is None else feature.int2str(actual)
        elif key == "traits":
            actual = [feature.feature.int2str(i) for i in actual]
        if key == "text":
            assert value.endswith(" …") and actual.startswith(value[:-2])
        elif isinstance(value, float) or (value and isinstance(value, list)
                                          and isinstance(value[0], float)):
            assert actual == pytest.approx(value, abs=1e-4)
        else:
            assert actual == value, key


def test_annotation_times_are_timestamps_and_titles_one_line(demo: Path) -> None:
    schema = pq.read_schema(next((demo / "data" / "annotations").glob("*.parquet")))
    assert str(schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("updated_at").type) == "timestamp[us, tz=UTC]"
    released = table(demo, "annotations").set_index("row_id")
    pulled = pd.concat(pd.read_parquet(f) for f in (demo.parent / "annotations").glob("*.parquet"))
    pulled = pulled.set_index("row_id").loc[released.index]
    for column in ("created_at", "updated_at"):
        assert (released[column] == pd.to_datetime(pulled[column], utc=True)).all()
    works = table(demo, "works")
    assert not works["title"].str.contains("\n").any()
    assert "Mademoiselle Célestine: A Parisian Reminiscence" in set(works["title"])


def test_croissant_lists_every_column_with_value_names_and_splits(demo: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mlcroissant")), "validate", "--jsonld",
         str(demo / "croissant.json")], capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "warning" not in done.stderr.lower()
    meta = json.loads((demo / "croissant.json").read_text())
    sets = {r["@id"]: r for r in meta["recordSet"]}
    for config in ("passages", "annotations", "works", "characters"):
        columns = pq.read_schema(next((demo / "data" / config).glob("*.parquet"))).names
        fields = {f["@id"].split("/", 1)[1]: f for f in sets[config]["field"]}
        assert set(columns) <= set(fields), set(columns) - set(fields)
        for column in columns:
            assert len(fields[column]["description"]) > 20, column
    passages = {f["@id"].split("/", 1)[1]: f for f in sets["passages"]["field"]}
    for column in ("traits", "persona_soft", "evidence", "character_ids", "authors"):
        assert passages[column]["repeated"] is True
    assert [s["@id"] for s in passages["evidence"]["subField"]] == [
        f"passages/evidence/{k}" for k in ("term", "kind", "start", "end")]
    assert all(len(s["description"]) > 20 for s in passages["evidence"]["subField"])
    enum = sets[passages["persona"]["references"]["field"]["@id"].split("/")[0]]
    assert [row[f"{enum['@id']}/name"] for row in enum["data"]] == \
        names(demo, "passages", "persona")
    assert sets["splits"]["dataType"] == "cr:Split"
    assert {row["splits/name"] for row in sets["splits"]["data"]} == {
        "train", "validation", "test"}
    assert meta["creator"]["name"]
    for key in ("rai:dataAnnotationAnalysis", "rai:machineAnnotationTools",
                "rai:dataCollectionTimeframe", "rai:dataPreprocessingProtocol",
                "rai:dataCollectionRawData", "rai:dataCollectionMissingData",
                "rai:dataManipulationProtocol", "rai:dataImputationProtocol"):
        assert meta[key], key
    distributed = {d["@id"] for d in meta["distribution"]}
    assert {"taxonomy.yaml", "codebook.md"} <= distributed


def _cffconvert() -> str:
    """cffconvert cannot be installed beside label-studio-sdk (it pins jsonschema<4): `make
    test` puts it in its own venv (.venv-cff) and passes CFFCONVERT_BIN."""
    found = os.environ.get("CFFCONVERT_BIN") or shutil.which(
        "cffconvert", path=os.pathsep.join([str(Path(sys.executable).parent),
                                            os.environ.get("PATH", "")]))
    assert found, "cffconvert not found: set CFFCONVERT_BIN (make test creates .venv-cff)"
    return found


def test_card_bibtex_is_what_cffconvert_renders(demo: Path) -> None:
    cff = demo / "CITATION.cff"
    done = subprocess.run([_cffconvert(), "--validate", "-i", str(cff)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rendered = subprocess.run([_cffconvert(), "-f", "bibtex", "-i", str(cff)],
                              capture_output=True, text=True, timeout=60, check=True).stdout
    card = body(demo).split("```bibtex\n")[1].split("```")[0]
    assert card.replace("@misc{fictional_ai_personas_1_0_0,", "@misc{YourReferenceHere,") \
        == rendered
    assert "url = {https://huggingface.co/datasets/" in card and "/tree/v1.0.0}" in card
    # The one thing cffconvert's entry gets wrong is said beside it.
    assert "`author = {{Fictional AI Personas maintainers}}`" in body(demo)
    stamped = yaml.safe_load(cff.read_text())
    assert (stamped["version"], stamped["date-released"]) == ("1.0.0", DATE)
    assert "faip release" not in stamped["message"] and "stamped" not in stamped["message"]
    repository = subprocess.run([_cffconvert(), "--validate", "-i", "CITATION.cff"],
                                capture_output=True, text=True, timeout=60, check=False)
    assert repository.returncode == 0, repository.stdout
    assert "version" not in yaml.safe_load(Path("CITATION.cff").read_text())


def _facts(**changes: object) -> Facts:
    base = dict(
        n_passages=10, n_works=3, n_works_with_passages=3, works_without_passages=[],
        sample_works=0, year_min=1900, year_max=1950, year_median=1920.0,
        works_before_pd_year=2, works_with_year=3, words_min=150, words_max=400,
        licences={"cc-by-sa-4.0": 1, "public-domain-us": 2}, withheld_works=0,
        withheld_passages=0, n_annotations=0, n_annotators=0, labelled_passages=0,
        gold_present=0, adjudicated=0, pending_adjudication=0, characters=0,
        characters_with_qid=0, characters_with_work_id=0, annotation_first=None,
        annotation_last=None)
    return Facts(**{**base, **changes})  # type: ignore[arg-type]


def test_a_cc_by_sa_text_makes_the_licence_a_list_and_is_said() -> None:
    mixed = _facts()
    assert statements.hub_licence(mixed) == {"license": ["cc-by-4.0", "cc-by-sa-4.0"]}
    assert "1 work CC BY-SA 4.0" in statements.licences(mixed)
    assert "share alike" in statements.licences(mixed)
    assert len(statements.licence_urls(mixed)) == 2
    plain = _facts(licences={"public-domain-us": 3})
    assert statements.hub_licence(plain) == {"license": "cc-by-4.0"}


def test_without_human_labels_the_notice_lists_every_label_field_of_the_taxonomy() -> None:
    tax = taxonomy.load()
    text = statements.notice(_facts(), "https://example.org/repo", tax)
    assert text.startswith("> **No human annotation exists yet.**")
    for f in tax.fields:
        if f.kind != "spans":
            assert f.id in text, f.id
    assert "CONTRIBUTING.md" in text and "https://example.org/repo" in text
    assert statements.summary(_facts()) == "10 passages from 3 works, not annotated yet."
    assert statements.adjudication(_facts()).startswith("No passage has been annotated")


@pytest.fixture(scope="module")
def unlabelled(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's works and passages released before any human annotation (no labels table,
    no pull files)."""
    from dataset_builder.characters.model import load_catalogue
    from dataset_builder.release.build import build_release

    root = tmp_path_factory.mktemp("unlabelled")
    work = root / "w"
    work.mkdir()
    for name in ("works.parquet", "passages.parquet"):
        shutil.copyfile(demo.parent / name, work / name)
    shutil.copytree(demo.parent / "texts", work / "texts")
    shutil.copyfile(demo.parent / "splits.csv", root / "splits.csv")
    return build_release("1.0.0", work, root / "release", splits_path=root / "splits.csv",
                         date=DATE, characters=load_catalogue())


def test_a_release_without_human_labels_says_so_and_states_only_what_is_there(
        unlabelled: Path) -> None:
    text, passages = body(unlabelled), table(unlabelled, "passages")
    manifest = json.loads((unlabelled / "release.json").read_text())
    assert manifest["human_annotations"] == 0 and "annotations" not in manifest["configs"]
    notices = text.strip().split("\n\n")[1:3]
    assert notices[0].startswith("> **Sample data.**")
    assert notices[1].startswith("> **No human annotation exists yet.**")
    for f in taxonomy.load().fields:
        if f.kind != "spans":
            assert f.id in notices[1], f.id
    assert "CONTRIBUTING.md" in notices[1]
    assert "No human annotation exists yet" in manifest["annotation_status"]
    meta = json.loads((unlabelled / "croissant.json").read_text())
    assert "No human annotation exists yet" in meta["description"]
    assert meta["rai:annotationsPerItem"].startswith("None yet")
    assert meta["rai:dataAnnotationAnalysis"] == [
        "No human annotation exists yet, so there is no agreement analysis."]
    assert "rai:dataCollectionTimeframe" not in meta
    # Every label column is empty, and the card claims no label, annotator or agreement.
    assert passages["ai_present"].isna().all() and passages["persona"].isna().all()
    assert f"{len(passages)} passages from {passages['work_id'].nunique()} works, not " \
        "annotated yet." in text
    assert "pseudonymous annotators" not in text.split("## Dataset Sources")[0]
    assert "No agreement figures: no passage has two or more annotators yet." in text
    assert "No passage has been annotated, so none has been adjudicated." in text
    assert text.split("### Personas")[1].split("###")[0].strip().startswith(
        "No passage has a gold label yet.")
    assert "| **total** |" in text and "crowdsourced" not in header(unlabelled)[
        "annotations_creators"]
    # The fields of the configs that exist, and the example row is a real unlabelled row.
    assert "#### annotations" not in text and "#### passages" in text
    shown = json.loads(text.split("```json\n")[1].split("\n```")[0])
    row = passages.set_index("passage_id").loc[shown["passage_id"]]
    assert shown["persona"] is None and shown["n_words"] == row["n_words"]
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mlcroissant")), "validate", "--jsonld",
         str(unlabelled / "croissant.json")], capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 0, done.stderr[-2000:]
