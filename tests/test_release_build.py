"""`faip release` on a real work dir: the folder, load_dataset on every config, the card,
Croissant, citation, reproducibility, licence-aware texts and rehydration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from datasets import ClassLabel, load_dataset

from dataset_builder import taxonomy
from dataset_builder.characters.model import save_catalogue
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.rehydrate.restore import rehydrate
from dataset_builder.release import checksums
from dataset_builder.release.build import build_release
from dataset_builder.release.card import PLACEHOLDER
from dataset_builder.schemas.characters import CharacterSchema
from dataset_builder.schemas.passages import PassageSchema
from dataset_builder.split.assign import assign_splits, read_splits
from dataset_builder.tables import write_table
from dataset_builder.validate.workdir import validate_workdir
from tests import release_fixtures as rf

DATE = "2026-11-27"


def make_release(root: Path, version: str = "1.0.0", n_works: int = 24, out: str = "rel",
                 previous: Path | None = None, **kwargs: object) -> Path:
    w = rf.write_workdir(root / "w", n_works=n_works)
    splits = root / "splits.csv"
    assign_splits(w, splits)
    return build_release(version, w, root / out, splits_path=splits, date=DATE,
                         previous=previous, characters=rf.characters(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_release(tmp_path_factory.mktemp("release"))


def test_fixture_tables_are_schema_valid(tmp_path: Path) -> None:
    w = rf.write_workdir(tmp_path / "w")
    assert validate_workdir(w, characters=rf.characters()).ok
    PassageSchema.validate(rf.passages(24), lazy=True)
    CharacterSchema.validate(rf.characters(), lazy=True)


def test_folder_layout_is_exactly_the_release(release: Path) -> None:
    files = checksums.release_files(release)
    assert files == sorted([
        "CHANGELOG.md", "CITATION.cff", "LICENSE.md", "README.md", "codebook.md",
        "croissant.json", "release.json", "taxonomy.yaml",
        "assets/agreement.png", "assets/by_decade.png", "assets/persona_distribution.png",
        "assets/trait_distribution.png",
        "data/annotations/test-00000-of-00001.parquet",
        "data/annotations/train-00000-of-00001.parquet",
        "data/characters/train-00000-of-00001.parquet",
        "data/passages/test-00000-of-00001.parquet",
        "data/passages/train-00000-of-00001.parquet",
        "data/passages/validation-00000-of-00001.parquet",
        "data/works/train-00000-of-00001.parquet",
    ])
    assert checksums.mismatches(release) == []
    assert not [p for p in release.parent.iterdir() if p.name.startswith(".rel.partial")]


def test_load_dataset_every_config_features_sizes_and_rows(release: Path,
                                                            tmp_path: Path) -> None:
    tax = taxonomy.load()
    splits = read_splits(release.parent / "splits.csv").set_index("work_id")["split"]
    passages = rf.passages(24)
    passages["split"] = passages["work_id"].map(splits)
    cache = str(tmp_path / "cache")
    loaded = load_dataset(str(release), "passages", cache_dir=cache)
    feats = loaded["train"].features
    for field_id in ("persona", "stance", "outcome", "ai_present"):
        assert isinstance(feats[field_id], ClassLabel)
        assert feats[field_id].names == list(tax.ids(field_id))
    assert feats["traits"].feature.names == list(tax.ids("traits"))
    for split, ds in loaded.items():
        expected = passages[passages["split"] == split].sort_values(["work_id", "char_start"])
        assert ds["passage_id"] == list(expected["passage_id"])
    # Rows as built: work 0 is labelled dutiful_servant with the trait obedience.
    rows = pd.concat([d.to_pandas() for d in loaded.values()])
    row0 = rows[rows["work_id"] == rf.work_id(0)].iloc[0]
    assert feats["persona"].int2str(int(row0["persona"])) == "dutiful_servant"
    assert [feats["traits"].feature.int2str(int(t)) for t in row0["traits"]] == ["obedience"]
    assert row0["n_annotators"] == 2 and row0["character_ids"].tolist() == ["fixture-automaton"]
    unlabelled = rows[rows["work_id"] == rf.work_id(2)].iloc[0]
    assert pd.isna(unlabelled["persona"]) and unlabelled["n_annotators"] == 0

    ann = load_dataset(str(release), "annotations", cache_dir=cache)
    assert sum(d.num_rows for d in ann.values()) == len(rf.annotations(24))
    assert ann["train"].features["persona"].names == list(tax.ids("persona"))
    assert set(ann["train"]["annotator"]) <= set(rf.ANNOTATORS)
    works = load_dataset(str(release), "works", cache_dir=cache)
    assert list(works) == ["train"] and works["train"].num_rows == 24
    assert dict(zip(works["train"]["work_id"], works["train"]["split"], strict=True)) == \
        splits.to_dict()
    characters = load_dataset(str(release), "characters", cache_dir=cache)
    assert characters["train"]["character_id"] == ["fixture-automaton", "fixture-ship-mind"]


def test_parquet_carries_the_features_and_streaming_row_groups(release: Path) -> None:
    f = pq.ParquetFile(release / "data/passages/train-00000-of-00001.parquet")
    meta = json.loads(f.schema_arrow.metadata[b"huggingface"])
    assert meta["info"]["features"]["persona"]["_type"] == "ClassLabel"
    assert set(f.schema_arrow.metadata) == {b"huggingface"}  # no pandas metadata
    assert f.metadata.num_row_groups >= 1


def test_readme_header_and_rendered_card(release: Path) -> None:
    text = (release / "README.md").read_text()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["license"] == "cc-by-4.0" and header["language"] == ["en"]
    for key in ("pretty_name", "size_categories", "task_categories", "annotations_creators",
                "source_datasets", "tags"):
        assert header[key]
    configs = {c["config_name"]: c for c in header["configs"]}
    assert configs["passages"]["default"] is True
    assert {d["split"] for d in configs["passages"]["data_files"]} == {
        "train", "validation", "test"}
    infos = {i["config_name"]: i for i in header["dataset_info"]}
    assert all(s["num_bytes"] > 0 for s in infos["passages"]["splits"])
    body = text.split("---\n", 2)[2]
    assert not PLACEHOLDER.search(body)
    assert "| **total** | 24 | 72 |" in body
    assert "![persona distribution](assets/persona_distribution.png)" in body
    assert "![agreement](assets/agreement.png)" in body
    assert "@misc{fictional_ai_personas_1_0_0" in body and "/tree/v1.0.0}" in body
    assert "| persona | 0.610 | [0.520, 0.700] | 40 |" in body  # agreement.json figures
    assert "| 1880s |" in body


def test_croissant_is_valid_for_mlcroissant(release: Path) -> None:
    cli = Path(sys.executable).with_name("mlcroissant")
    done = subprocess.run([str(cli), "validate", "--jsonld", str(release / "croissant.json")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "not standard" not in done.stderr
    meta = json.loads((release / "croissant.json").read_text())
    assert meta["version"] == "1.0.0" and meta["rai:dataCollection"]


# CFF 1.2.0's top-level keys, types and required keys (cffconvert is not installable with
# our dependencies, so the structure is checked against this transcription of the schema).
CFF_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["authors", "cff-version", "message", "title"],
    "properties": {
        "abstract": {"type": "string", "minLength": 1},
        "authors": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "commit": {"type": "string"}, "contact": {"type": "array"},
        "date-released": {"type": "string",
                          "pattern": r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"},
        "doi": {"type": "string"}, "identifiers": {"type": "array"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "license": {"type": "string"}, "license-url": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
        "preferred-citation": {"type": "object"}, "references": {"type": "array"},
        "repository": {"type": "string"}, "repository-artifact": {"type": "string"},
        "repository-code": {"type": "string"},
        "title": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "url": {"type": "string"}, "version": {"type": ["string", "number"]},
    },
}


def test_citation_cff_is_valid_and_stamped(release: Path) -> None:
    project = yaml.safe_load(Path("CITATION.cff").read_text())
    jsonschema.validate(project, CFF_SCHEMA)
    stamped = yaml.safe_load((release / "CITATION.cff").read_text())
    jsonschema.validate(stamped, CFF_SCHEMA)
    assert (stamped["version"], stamped["date-released"]) == ("1.0.0", DATE)


def test_same_inputs_same_date_give_byte_identical_files(release: Path, tmp_path: Path) -> None:
    again = make_release(tmp_path)
    assert (again / "CHECKSUMS").read_bytes() == (release / "CHECKSUMS").read_bytes()


def test_withheld_texts_and_rehydration_from_a_work_dir(tmp_path: Path) -> None:
    rel = make_release(tmp_path)
    shard = rel / "data/passages/validation-00000-of-00001.parquet"
    splits = read_splits(tmp_path / "splits.csv").set_index("work_id")["split"]
    shard = rel / f"data/passages/{splits[rf.work_id(1)]}-00000-of-00001.parquet"
    table = pq.read_table(shard).to_pandas()
    withheld = table[table["work_id"] == rf.work_id(1)]
    assert withheld["text"].isna().all() and withheld["text_withheld"].all()
    assert withheld["text_sha256"].str.len().eq(64).all()
    before = (rel / "CHECKSUMS").read_bytes()
    report = rehydrate(rel, tmp_path / "w")
    assert (report.restored, report.mismatched, report.missing_works) == (len(withheld), [], [])
    # A new, local-only folder; the release itself is unchanged.
    assert checksums.mismatches(rel) == [] and (rel / "CHECKSUMS").read_bytes() == before
    assert pq.read_table(shard).to_pandas()["text"].isna().sum() == len(withheld)
    local = report.out
    assert local == tmp_path / f"{rel.name}-local" and (local / "LOCAL_ONLY.md").exists()
    shard = local / shard.relative_to(rel)
    rel = local
    restored = pq.read_table(shard).to_pandas()
    expected = rf.passages(24).set_index("passage_id")["text"]
    got = restored.set_index("passage_id")["text"]
    assert (got.loc[withheld["passage_id"]] == expected.loc[withheld["passage_id"]]).all()
    assert checksums.mismatches(rel) == []  # the user's copy stays self-consistent
    assert load_dataset(str(rel), "passages", cache_dir=str(tmp_path / "c"))


def _release_with_work_3_withheld(tmp_path: Path, w: Path) -> Path:
    """Release work dir ``w`` with work 3 (an annotated one) made copyrighted."""
    works = rf.works(24)
    works.loc[works["work_id"] == rf.work_id(3), "licence"] = "copyrighted"
    write_table(w, "works", works)
    assign_splits(w, tmp_path / "splits.csv")
    return build_release("1.0.0", w, tmp_path / "rel", splits_path=tmp_path / "splits.csv",
                         date=DATE, characters=rf.characters())


def test_span_texts_of_a_withheld_work_are_withheld(tmp_path: Path) -> None:
    # Work 3 is annotated; as a copyrighted work its span quotes must not be published.
    w = rf.write_workdir(tmp_path / "w", n_works=24)
    rel = _release_with_work_3_withheld(tmp_path, w)
    rows = pq.read_table(rel / "data" / "annotations").to_pylist()
    hidden = {rf.work_id(1), rf.work_id(3)}
    assert {r["work_id"] for r in rows} & hidden == {rf.work_id(3)}
    for row in rows:
        assert row["spans"], row["row_id"]
        assert all((s["text"] is None) == (row["work_id"] in hidden) for s in row["spans"])
    # Rehydration cuts them again from the restored passage texts: every span as annotated.
    report = rehydrate(rel, w)
    rel = report.out
    assert report.spans_restored == sum(len(r["spans"]) for r in rows
                                        if r["work_id"] == rf.work_id(3)) > 0
    source = rf.annotations(24)
    annotated = {r: [dict(s) for s in spans]
                 for r, spans in zip(source["row_id"], source["spans"], strict=True)}
    again = pq.read_table(rel / "data" / "annotations").to_pylist()
    assert {r["row_id"]: r["spans"] for r in again} == {r["row_id"]: annotated[r["row_id"]]
                                                       for r in again}
    assert checksums.mismatches(rel) == []
    assert rehydrate(rel, w, tmp_path / "again").spans_restored == 0  # nothing left
    loaded = load_dataset(str(rel), "annotations", cache_dir=str(tmp_path / "c"))
    assert sum(d.num_rows for d in loaded.values()) == len(again)
    assert isinstance(loaded["train"].features["persona"], ClassLabel)


def test_pull_files_whose_column_types_differ_are_released_from_python_cells(
        tmp_path: Path) -> None:
    # Text notes, then integer notes in a later pull: the two files' Arrow types do not
    # combine, so the release reads them as pandas concatenates them, one Python object per
    # cell, and publishes the values as validation coerced them.
    w = rf.write_workdir(tmp_path / "w", n_works=24)
    first = w / "annotations" / "20261101T120000Z-abcdef.parquet"
    ann = pd.read_parquet(first)
    half = len(ann) // 2
    rf.write_pull(first, ann.iloc[:half].assign(notes="seen"))
    rf.write_pull(w / "annotations" / "20261102T120000Z-b.parquet", ann.iloc[half:].assign(notes=7))
    rel = _release_with_work_3_withheld(tmp_path, w)
    rows = pq.read_table(rel / "data" / "annotations").to_pylist()
    assert sorted(r["row_id"] for r in rows) == sorted(ann["row_id"])
    later = set(ann["row_id"].iloc[half:])
    assert {r["notes"] for r in rows if r["row_id"] in later} == {"7"}
    assert {r["notes"] for r in rows if r["row_id"] not in later} == {"seen"}
    for row in rows:
        assert all((s["text"] is None) == (row["work_id"] == rf.work_id(3))
                   for s in row["spans"])


def test_rehydration_from_a_gutenberg_mirror_and_mismatch_report(tmp_path: Path) -> None:
    rel = make_release(tmp_path)
    mirror = tmp_path / "mirror" / "cache" / "epub" / "990101"
    mirror.mkdir(parents=True)
    edition = rf.story(1).replace("number 1.2", "number 1.X")  # another edition: one paragraph
    (mirror / "pg990101.txt").write_text(
        "*** START OF THE PROJECT GUTENBERG EBOOK STORY 1 ***\n\n" + edition
        + "\n\n*** END OF THE PROJECT GUTENBERG EBOOK STORY 1 ***\n")
    result = CliRunner().invoke(main, ["rehydrate", str(rel), "--source",
                                       str(tmp_path / "mirror")])
    assert result.exit_code == 1
    assert "2 text(s) restored" in result.output and "sha256 mismatch" in result.output


def test_cli_release_and_verify(tmp_path: Path) -> None:
    w = rf.write_workdir(tmp_path / "w", n_works=9)
    splits = tmp_path / "splits.csv"
    assign_splits(w, splits)
    catalogue = save_catalogue(rf.characters(), tmp_path / "characters.csv")
    result = CliRunner().invoke(main, [
        "release", "0.1.0", "--workdir", str(w), "--out", str(tmp_path / "rel"),
        "--splits", str(splits), "--date", DATE, "--catalogue", str(catalogue),
        "--doi", "10.57967/hf/1234"])
    assert result.exit_code == 0, result.output
    assert "passages: train" in result.output
    # The DOI a maintainer got from the Hub fills the citation's identifiers slot.
    cff = yaml.safe_load((tmp_path / "rel" / "CITATION.cff").read_text())
    assert cff["identifiers"][0] == {"type": "doi", "value": "10.57967/hf/1234",
                                     "description": "DOI of release 0.1.0"}
    assert "doi = {10.57967/hf/1234}" in (tmp_path / "rel" / "README.md").read_text()
    bad = CliRunner().invoke(main, [
        "release", "0.2.0", "--workdir", str(w), "--out", str(tmp_path / "rel2"),
        "--splits", str(splits), "--date", DATE, "--catalogue", str(catalogue),
        "--doi", "hf/1234"])
    assert bad.exit_code == 1 and "--doi 'hf/1234': expected a DOI" in bad.output
    assert not (tmp_path / "rel2").exists()
    assert set(read_splits(splits)["version"]) == {"0.1.0"}  # the release stamped the file
    ok = CliRunner().invoke(main, ["verify", str(tmp_path / "rel")])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    # Tamper with one shard: checksums and split sizes both catch it.
    shard = next((tmp_path / "rel/data/passages").glob("train-*.parquet"))
    table = pq.read_table(shard)
    pq.write_table(table.slice(1), shard)
    bad = CliRunner().invoke(main, ["verify", str(tmp_path / "rel")])
    assert bad.exit_code == 1
    assert "sha256 differs" in bad.output and "NonMatchingSplitsSizesError" in bad.output
    # A truncated shard is reported as such, not as a traceback.
    shard.write_bytes(shard.read_bytes()[:-100])
    broken = CliRunner().invoke(main, ["verify", str(tmp_path / "rel")])
    assert broken.exit_code == 1, broken.output
    assert isinstance(broken.exception, SystemExit)  # a report, not a crash
    assert f"data/passages/{shard.name}: not a readable parquet file" in broken.output


def test_changelog_against_the_previous_release(tmp_path: Path) -> None:
    v1 = make_release(tmp_path, "1.0.0", n_works=12, out="v1")
    w = rf.write_workdir(tmp_path / "w", n_works=18)
    labels = rf.labels(18)
    labels.loc[0, "persona"] = "schemer"  # one passage's gold label changes
    write_table(w, "labels", labels)
    assign_splits(w, tmp_path / "splits.csv")
    v2 = build_release("1.1.0", w, tmp_path / "v2", splits_path=tmp_path / "splits.csv",
                       date=DATE, previous=v1, characters=rf.characters())
    text = (v2 / "CHANGELOG.md").read_text()
    new_passages = len(rf.passages(18)) - len(rf.passages(12))
    assert "## 1.1.0 — 2026-11-27" in text and "## 1.0.0 — 2026-11-27" in text
    assert "- works: 6 added, 0 removed" in text
    assert f"- passages: {new_passages} added, 0 removed" in text
    assert "- passages whose aggregated labels changed: 1" in text
    assert "taxonomy unchanged" in text
    shutil.rmtree(v1)
    # A --previous that is not a release folder is named as such, with its way out.
    with pytest.raises(UserError, match=r"--previous \('none' for the first release\) must be"):
        build_release("1.2.0", w, tmp_path / "v3", splits_path=tmp_path / "splits.csv",
                      date=DATE, previous=tmp_path, characters=rf.characters())
