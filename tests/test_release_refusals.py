"""Every refusal of `faip release`: one clear message, and nothing left in --out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.annotate import pseudonym
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.release.build import build_release
from dataset_builder.split.assign import assign_splits, read_splits, write_splits
from dataset_builder.tables import write_table
from tests import release_fixtures as rf

DATE = "2026-11-27"
N = 9


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    w = rf.write_workdir(tmp_path / "w", n_works=N)
    assign_splits(w, tmp_path / "splits.csv")
    return w


def _release(w: Path, version: str = "1.0.0", out: str = "rel", **kwargs: object) -> Path:
    return build_release(version, w, w.parent / out, splits_path=w.parent / "splits.csv",
                         date=DATE, characters=rf.characters(), **kwargs)  # type: ignore[arg-type]


def _refused(w: Path, match: str, version: str = "1.0.0", **kwargs: object) -> None:
    with pytest.raises(UserError, match=match):
        _release(w, version, **kwargs)
    assert not (w.parent / "rel").exists()
    assert not [p.name for p in w.parent.iterdir() if ".partial" in p.name]


def _annotation_note(w: Path, note: str) -> None:
    ann = rf.annotations(N)
    ann.loc[0, "notes"] = note
    rf.write_pull(w / "annotations" / "20261101T120000Z-abcdef.parquet", ann)


def test_validation_failure_refuses_with_every_failure(workdir: Path) -> None:
    labels = rf.labels(N)
    labels.loc[0, "persona"] = "overlord"
    labels.loc[1, "n_annotators"] = -1
    write_table(workdir, "labels", labels)
    _refused(workdir, r"(?s)validation failed \(2 failure\(s\)\).*overlord.*n_annotators")


@pytest.mark.parametrize(("note", "what"), [
    ("ask maria.rossi@example.org about this one", "an e-mail address"),
    ("token hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123", "a Hugging Face token"),
    ("ls key 0123456789abcdef0123456789abcdef01234567", "a 40-hex token"),
])
def test_personal_data_or_token_in_any_file_refuses(workdir: Path, note: str, what: str) -> None:
    _annotation_note(workdir, note)
    _refused(workdir, f"data/annotations/.*column notes: 1 value\\(s\\) contain {what}")


def test_email_in_the_card_template_refuses(workdir: Path, tmp_path: Path) -> None:
    template = tmp_path / "card.md"
    template.write_text("# {{pretty_name}}\nContact: someone@example.com\n")
    _refused(workdir, "README.md: line .* contains an e-mail address", template=template)


def test_unknown_placeholder_names_the_line(workdir: Path, tmp_path: Path) -> None:
    template = tmp_path / "card.md"
    template.write_text("# {{pretty_name}}\n\n{{stats.passages_per_spilt}}\n")
    _refused(workdir, r"card.md: unknown placeholder\(s\) line 3: "
                      r"\{\{stats.passages_per_spilt\}\}.*Known placeholders: .*"
                      r"stats.passages_per_split", template=template)


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-rc1", "01.0.0"])
def test_version_must_be_semver(workdir: Path, version: str) -> None:
    _refused(workdir, "not semantic versioning", version=version)


def test_version_must_grow_and_removed_label_ids_need_a_major(workdir: Path) -> None:
    first = _release(workdir, "1.0.0", out="v1")
    assert set(read_splits(workdir.parent / "splits.csv")["version"]) == {"1.0.0"}
    _refused(workdir, r"1.0.0 is not greater than 1.0.0 \(the previous release\)",
             previous=first)
    # The splits file remembers the last release even without --previous.
    _refused(workdir, r"0.9.0 is lower than 1.0.0 \(the splits file", version="0.9.0")
    manifest = json.loads((first / "release.json").read_text())
    manifest["taxonomy_ids"]["persona"].append("overlord")  # the old taxonomy had one more id
    (first / "release.json").write_text(json.dumps(manifest))
    _refused(workdir, r"removes or renames label id\(s\) persona.overlord.*major version "
                      r"\(2.0.0\)", version="1.1.0", previous=first)
    second = _release(workdir, "2.0.0", out="v2", previous=first)
    assert "removed ids: persona.overlord" in (second / "CHANGELOG.md").read_text()


def test_missing_tables_are_named(workdir: Path) -> None:
    # Annotations without their aggregated labels (or the reverse) are half a state; neither
    # at all is a release before any annotation (tests/test_build.py).
    (workdir / "labels.parquet").unlink()
    (workdir / "passages.parquet").rename(workdir / "kept.parquet")
    _refused(workdir, r"missing table\(s\) passages.parquet, labels.parquet")
    (workdir / "kept.parquet").rename(workdir / "passages.parquet")
    shutil.rmtree(workdir / "annotations")
    (workdir / "works.parquet").unlink()
    _refused(workdir, r"missing table\(s\) works.parquet;")


def test_missing_or_incomplete_splits_file_says_run_split(workdir: Path) -> None:
    splits = workdir.parent / "splits.csv"
    kept = read_splits(splits)
    splits.unlink()
    _refused(workdir, "splits file not found; run `faip split")
    write_splits(splits, kept.iloc[1:])
    _refused(workdir, r"1 work\(s\) with passages have no split .*Run `faip split")
    splits.write_text("work_id,split,version\ngutenberg:990100,holdout,unreleased\n")
    _refused(workdir, "line 2: split 'holdout'")


def test_leakage_across_splits_refuses(workdir: Path) -> None:
    splits = read_splits(workdir.parent / "splits.csv").set_index("work_id")["split"]
    passages = rf.passages(N)
    where = passages["work_id"].map(splits)
    a = passages.index[where == "train"][0]
    b = passages.index[where != "train"][0]
    passages.loc[b, "duplicate_of"] = passages.loc[a, "passage_id"]
    write_table(workdir, "passages", passages)
    _refused(workdir, r"1 near-duplicate passage\(s\) sit in two splits \(leakage\)")


def test_out_must_be_new(workdir: Path) -> None:
    out = workdir.parent / "rel"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="already exists and is not empty"):
        _release(workdir)
    assert (out / "keep.txt").read_text() == "mine"


def test_cli_refusal_is_one_message_exit_1(workdir: Path) -> None:
    result = CliRunner().invoke(main, [
        "release", "1.0", "--workdir", str(workdir), "--out", str(workdir.parent / "rel"),
        "--splits", str(workdir.parent / "splits.csv")])
    assert result.exit_code == 1
    assert "not semantic versioning" in result.output and "Traceback" not in result.output


def test_bad_date(workdir: Path) -> None:
    with pytest.raises(UserError, match="expected YYYY-MM-DD"):
        build_release("1.0.0", workdir, workdir.parent / "rel",
                      splits_path=workdir.parent / "splits.csv", date="27/11/2026",
                      characters=rf.characters())


def test_agreement_file_must_be_json(workdir: Path) -> None:
    (workdir / "agreement" / "agreement.json").write_text("{not json")
    _refused(workdir, "agreement.json: not valid JSON")


def test_characters_must_validate(workdir: Path) -> None:
    bad = rf.characters()
    bad.loc[0, "medium"] = "hologram"
    with pytest.raises(UserError, match="characters .*medium"):
        build_release("1.0.0", workdir, workdir.parent / "rel",
                      splits_path=workdir.parent / "splits.csv", date=DATE,
                      characters=pd.DataFrame(bad))


@pytest.mark.parametrize(("key", "match"), [
    (pseudonym.DEMO_KEY.encode(), "public demo key"),
    (None, "records no pseudonym key"),
])
def test_pseudonyms_without_the_project_key_are_refused(workdir: Path, key: bytes | None,
                                                         match: str) -> None:
    rf.write_pull(workdir / "annotations" / "20261101T120000Z-abcdef.parquet",
                  rf.annotations(N), key=key)
    res = CliRunner().invoke(main, ["release", "1.0.0", "-w", str(workdir), "--out",
                                    str(workdir.parent / "rel"), "--splits",
                                    str(workdir.parent / "splits.csv"), "--date", DATE])
    assert res.exit_code == 1, res.output
    assert match in res.output and "set FAIP_PSEUDONYM_KEY" in res.output
    assert "Traceback" not in res.output and not (workdir.parent / "rel").exists()


def test_pseudonyms_of_two_keys_are_refused(workdir: Path) -> None:
    ann = rf.annotations(N)
    rf.write_pull(workdir / "annotations" / "20261101T120000Z-abcdef.parquet", ann.iloc[:4])
    rf.write_pull(workdir / "annotations" / "20261102T120000Z-abcdef.parquet", ann.iloc[4:],
                  key=b"another-key")
    _refused(workdir, "2 different keys")
