"""The AI-character catalogue: committed data, schema checks, name scoping, Wikidata import, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dataset_builder.characters.model import (
    COLUMNS,
    Name,
    is_distinctive,
    load_catalogue,
    names_by_work,
    names_for_work,
    save_catalogue,
    scoped_names,
    to_csv_text,
    validate_catalogue,
)
from dataset_builder.characters.wikidata import SPARQL_QUERY, import_wikidata, read_results
from dataset_builder.cli.characters import characters
from dataset_builder.errors import UserError
from dataset_builder.project import Project
from dataset_builder.schemas.characters import EMBODIMENTS, MEDIA

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "robots.json"
COMMITTED = Project.find().catalogue


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return load_catalogue(COMMITTED)


@pytest.fixture()
def small(committed: pd.DataFrame) -> pd.DataFrame:
    """A few real rows to break one way or another."""
    ids = ["hal-9000", "radius-rur", "primus-rur", "robby-the-robot", "tik-tok",
           "tik-tok-tik-tok-of-oz", "data-star-trek"]
    return committed[committed["character_id"].isin(ids)].reset_index(drop=True)


@pytest.fixture()
def catalogue_file(tmp_path: Path, committed: pd.DataFrame) -> Path:
    """A copy of the committed catalogue in which HAL 9000 carries the fixture's QID."""
    df = committed.copy()
    df.loc[df["character_id"] == "hal-9000", "wikidata_qid"] = "Q4000001"
    path = tmp_path / "characters.csv"
    path.write_text(to_csv_text(df), encoding="utf-8")
    return path


def checks_failed(df: pd.DataFrame) -> set[tuple[str | None, str]]:
    return {(f.column, f.check) for f in validate_catalogue(df)}


# --- the committed catalogue -----------------------------------------------------------------


def test_committed_catalogue_is_valid_and_broad(committed: pd.DataFrame) -> None:
    assert validate_catalogue(committed) == []
    assert list(committed.columns) == list(COLUMNS)
    assert len(committed) >= 150
    assert committed["medium"].nunique() >= 6
    assert committed["embodiment"].nunique() >= 7
    assert committed["year"].min() <= 1820  # Hoffmann's automata (1814, 1816)
    assert committed["year"].max() >= 2015
    assert set(committed["medium"]) <= set(MEDIA)
    assert set(committed["embodiment"]) <= set(EMBODIMENTS)


def test_committed_catalogue_covers_the_public_domain_works(committed: pd.DataFrame) -> None:
    work_of = dict(zip(committed["character_id"], committed["work_id"], strict=True))
    expected = {
        "radius-rur": "gutenberg:59112", "helena-robot-rur": "gutenberg:59112",
        "primus-rur": "gutenberg:59112", "tik-tok": "gutenberg:486",
        "tik-tok-tik-tok-of-oz": "gutenberg:956", "hadaly": "gutenberg:26681",
        "olimpia": "gutenberg:31377", "steam-man": "gutenberg:7506",
        "jerry-robots-arise": "gutenberg:31611", "claws-second-variety": "gutenberg:32032",
        "leadys-defenders": "gutenberg:28767", "brain-ship-mr-spaceship": "gutenberg:32522",
        "futura-metropolis-novel": "gutenberg:73727", "erewhon-machines": "gutenberg:1906",
        "the-cyber": "gutenberg:59148", "moxons-automaton": "gutenberg:4366",
    }
    assert {cid: work_of.get(cid) for cid in expected} == expected
    sample = committed[committed["source_note"] == "project sample"]
    assert set(sample["work_id"]) == {f"gutenberg:{n}" for n in range(990001, 990010)}
    assert set(sample["medium"]) == {"short_story"}


def test_committed_file_is_in_canonical_form(committed: pd.DataFrame) -> None:
    # Saving what was loaded must not change a byte: keeps diffs of imports reviewable.
    assert to_csv_text(committed) == COMMITTED.read_text(encoding="utf-8"), (
        "re-save the catalogue with dataset_builder.characters.save_catalogue(load_catalogue())"
    )


# --- schema checks: one failing example each -------------------------------------------------


def test_duplicate_id_fails(small: pd.DataFrame) -> None:
    small.loc[1, "character_id"] = small.loc[0, "character_id"]
    assert ("character_id", "field_uniqueness") in checks_failed(small)


def test_id_must_be_a_slug(small: pd.DataFrame) -> None:
    small.loc[0, "character_id"] = "HAL 9000"
    assert any(col == "character_id" and "str_matches" in chk for col, chk in checks_failed(small))


def test_alias_shared_within_a_work_fails(small: pd.DataFrame) -> None:
    row = small.index[small["character_id"] == "primus-rur"][0]
    small.at[row, "aliases"] = ["Radius"]
    failures = [f for f in validate_catalogue(small) if f.check.startswith("no name or alias")]
    # One failure per clashing row, showing the names that clash.
    assert sorted(f.row for f in failures) == ["primus-rur", "radius-rur"]
    assert all(f.column == "(table)" and f.line is not None for f in failures)
    primus = next(f for f in failures if f.row == "primus-rur")
    assert primus.value == "name='Primus', aliases=['Radius']"


def test_failures_name_the_row_of_a_filtered_frame(committed: pd.DataFrame) -> None:
    # Index labels are not positions once rows are filtered: the line is the frame position.
    picked = committed[committed["character_id"].isin(["radius-rur", "hal-9000"])].copy()
    picked.loc[picked.index[1], "medium"] = "radio"
    (failure,) = validate_catalogue(picked)
    assert (failure.row, failure.line, failure.column) == (picked.iloc[1]["character_id"], 3,
                                                           "medium")
    assert str(failure).startswith(f"line 3 ({failure.row}): column medium: failed isin")


def test_same_name_in_different_works_is_fine(small: pd.DataFrame) -> None:
    # Tik-Tok has a row for Ozma of Oz and one for Tik-Tok of Oz.
    assert validate_catalogue(small) == []


def test_wrong_qid_form_fails(small: pd.DataFrame) -> None:
    small.loc[0, "wikidata_qid"] = "q11012"
    small.loc[1, "wikidata_qid"] = "Q0"
    failures = [f for f in validate_catalogue(small) if f.column == "wikidata_qid"]
    assert [f.value for f in failures] == ["'q11012'", "'Q0'"]


def test_bad_medium_and_embodiment_fail(small: pd.DataFrame) -> None:
    small.loc[0, "medium"] = "radio"
    small.loc[1, "embodiment"] = "ghost"
    failed = {c for c, _ in checks_failed(small)}
    assert {"medium", "embodiment"} <= failed


@pytest.mark.parametrize("year", [1500, 3000])
def test_implausible_year_fails(small: pd.DataFrame, year: int) -> None:
    small.loc[0, "year"] = year
    (failure,) = validate_catalogue(small)
    assert failure.column == "year" and failure.value == str(year)


def test_bad_work_id_and_empty_name_fail(small: pd.DataFrame) -> None:
    small.loc[0, "work_id"] = "gutenberg:abc"
    small.loc[1, "name"] = ""
    failed = {c for c, _ in checks_failed(small)}
    assert {"work_id", "name"} <= failed


def test_all_failures_are_reported_at_once(tmp_path: Path, small: pd.DataFrame) -> None:
    text = to_csv_text(small)
    text = text.replace(",1968,", ",nineteen,", 1)
    text = text.replace(",play,", ",opera,", 1)
    path = tmp_path / "broken.csv"
    path.write_text(text, encoding="utf-8")
    failures = validate_catalogue(load_catalogue(path))
    found = {(f.column, f.value) for f in failures}
    assert found >= {("year", "'nineteen'"), ("medium", "'opera'")}
    # The uncoercible year also fails the dtype check: reported once, not twice.
    assert [f.check for f in failures if f.column == "year"] == ["coerce_dtype('int64')"]
    assert all(f.line is not None and f.line >= 2 for f in failures)


# --- names for the extractor -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "expected"),
    [("HAL 9000", True), ("R2-D2", True), ("T-800", True), ("Tik-Tok", True),
     ("Robby the Robot", True), ("Jon Venex", True), ("Radius", False), ("Data", False),
     ("The Terminator", False), ("Deep Thought", False), ("The Steam Man", False),
     ("Number 5", False), ("F-1", False), ("B-12", False), ("the household robot", False),
     ("Maid-of-All-Work", False), ("Porfiry Petrovich", False)],
)
def test_distinctive_names(surface: str, expected: bool) -> None:
    assert is_distinctive(surface) is expected


def test_common_names_are_scoped_to_their_work(committed: pd.DataFrame) -> None:
    names = scoped_names(committed)
    assert Name("Radius", "radius-rur", "gutenberg:59112") in names
    assert Name("Helena", "helena-robot-rur", "gutenberg:59112") in names
    assert Name("HAL 9000", "hal-9000", None) in names
    assert Name("Jerry", "jerry-robots-arise", "gutenberg:31611") in names
    global_surfaces = {n.surface for n in names if n.work_id is None}
    assert not {"Radius", "Helena", "Data", "MOTHER", "Jerry", "Tiktok"} & global_surfaces


def test_ambiguous_global_name_stays_scoped(small: pd.DataFrame) -> None:
    hal = small[small["character_id"] == "hal-9000"].iloc[0].copy()
    hal[["character_id", "creator"]] = ["hal-9000-parody", "Someone Else"]
    small.loc[len(small)] = hal  # a different character also called HAL 9000
    names = scoped_names(small)
    assert not [n for n in names if n.surface == "HAL 9000"]


def test_one_character_in_several_works(committed: pd.DataFrame) -> None:
    mapping = names_by_work(committed)
    assert mapping[None]["Tik-Tok"] == "tik-tok"  # first appearance, for uncatalogued Oz books
    assert mapping["gutenberg:486"]["Tik-Tok"] == "tik-tok"
    assert mapping["gutenberg:956"]["Tik-Tok"] == "tik-tok-tik-tok-of-oz"
    in_rur = names_for_work(mapping, "gutenberg:59112")
    assert in_rur["Radius"] == "radius-rur" and in_rur["HAL 9000"] == "hal-9000"
    assert "Radius" not in names_for_work(mapping, "gutenberg:486")


def test_names_by_work_defaults_to_committed_catalogue() -> None:
    assert names_by_work()["gutenberg:990001"]["Tobias"] == "sample-tobias"


# --- saving ----------------------------------------------------------------------------------


def test_save_refuses_invalid_catalogue_and_leaves_file(
    tmp_path: Path, small: pd.DataFrame
) -> None:
    path = tmp_path / "characters.csv"
    save_catalogue(small, path)
    before = path.read_bytes()
    small.loc[0, "medium"] = "radio"
    with pytest.raises(UserError, match="medium"):
        save_catalogue(small, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["characters.csv"]  # no temp file left


def test_load_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="catalogue not found"):
        load_catalogue(tmp_path / "nope.csv")


# --- Wikidata import -------------------------------------------------------------------------


def test_query_asks_for_the_expected_variables() -> None:
    for var in ("?item", "?itemLabel", "?work", "?workLabel", "?year", "?creatorLabel",
                "wdt:P1441", "wdt:P4584", "wdt:P577", "wdt:P170", "wd:Q11012"):
        assert var in SPARQL_QUERY


def test_import_matches_adds_and_reports_conflicts(catalogue_file: Path) -> None:
    before = load_catalogue(catalogue_file)
    report = import_wikidata(before, FIXTURE)
    assert report.added == ["tobor"]
    matched = {(m.character_id, m.by, m.qid_filled) for m in report.matched}
    assert matched == {("hal-9000", "qid", False), ("robby-the-robot", "name+work", True),
                       ("radius-rur", "name+work", False)}  # matched, but QID not trusted
    assert [(c.character_id, c.field, c.catalogue, c.wikidata) for c in report.conflicts] == [
        ("radius-rur", "year", "1920", "1921")
    ]
    assert [s.qid for s in report.skipped] == ["Q4000005"]
    merged = report.catalogue.set_index("character_id")
    tobor = merged.loc["tobor"]
    assert (tobor["name"], tobor["work_title"], tobor["year"], tobor["medium"]) == (
        "Tobor", "Tobor the Great", 1954, "film")
    assert tobor["aliases"] == ["Tobor the Great"]
    assert (tobor["embodiment"], tobor["creator"], tobor["wikidata_qid"]) == (
        "humanoid_robot", "Lee Sholem", "Q4000004")
    assert merged.loc["robby-the-robot", "wikidata_qid"] == "Q4000002"
    # Conflicts are never written over curated facts.
    assert merged.loc["radius-rur", "year"] == 1920
    assert pd.isna(merged.loc["radius-rur", "wikidata_qid"])
    assert before["character_id"].tolist() == report.catalogue["character_id"].tolist()[:-1]


def test_cli_import_round_trip(catalogue_file: Path) -> None:
    runner = CliRunner()
    args = ["import-wikidata", str(FIXTURE), "--catalogue", str(catalogue_file)]
    first = runner.invoke(characters, args)
    assert first.exit_code == 0, first.output
    assert "added: tobor" in first.output
    assert "conflict: radius-rur vs Q4000003: year" in first.output
    written = catalogue_file.read_bytes()
    assert validate_catalogue(load_catalogue(catalogue_file)) == []
    # Importing the same results again changes nothing: everything now matches by QID.
    second = runner.invoke(characters, args)
    assert second.exit_code == 0, second.output
    assert "added:" not in second.output and "nothing to write" in second.output
    assert "matched: tobor = Q4000004 by qid" in second.output
    assert catalogue_file.read_bytes() == written


def test_cli_dry_run_writes_nothing(catalogue_file: Path) -> None:
    before = catalogue_file.read_bytes()
    result = CliRunner().invoke(
        characters,
        ["import-wikidata", str(FIXTURE), "--catalogue", str(catalogue_file), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "added: tobor" in result.output and "not written" in result.output
    assert catalogue_file.read_bytes() == before


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_json_is_a_clear_error_and_file_unchanged(
    tmp_path: Path, catalogue_file: Path
) -> None:
    bad = _write(tmp_path / "bad.json", FIXTURE.read_text(encoding="utf-8")[:400])
    before = catalogue_file.read_bytes()
    result = CliRunner().invoke(characters, ["import-wikidata", str(bad), "--catalogue",
                                          str(catalogue_file)])
    assert result.exit_code != 0
    assert isinstance(result.exception, UserError)
    assert "not valid JSON (line" in str(result.exception)
    assert catalogue_file.read_bytes() == before


def test_missing_variables_are_named(tmp_path: Path) -> None:
    bad = _write(tmp_path / "vars.json",
                 '{"head": {"vars": ["item", "itemLabel"]}, "results": {"bindings": []}}')
    with pytest.raises(UserError, match="work, workLabel, year, creatorLabel"):
        read_results(bad)


def test_bad_bindings_name_their_index(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("entity/Q4000002", "entity/P31", 1)
    text = text.replace('"value": "1956"', '"value": "the fifties"', 1)
    text = text.replace("entity/Q4000004", "entity/q4000004", 1)
    bad = _write(tmp_path / "bindings.json", text)
    with pytest.raises(UserError) as caught:
        read_results(bad)
    message = str(caught.value)
    assert "binding 2: item 'http://www.wikidata.org/entity/P31' is not a Wikidata" in message
    assert "binding 4: item" in message
    assert "3 problem(s)" not in message  # binding 2 stops at the bad item; its year is unseen
    assert "2 problem(s)" in message


def test_bad_year_is_reported(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace('"value": "1956"', '"value": "fifties"')
    with pytest.raises(UserError, match=r"binding 2 \(Q4000002\): year 'fifties'"):
        read_results(_write(tmp_path / "year.json", text))


def test_import_into_invalid_catalogue_is_refused(tmp_path: Path, small: pd.DataFrame) -> None:
    small.loc[0, "medium"] = "radio"
    with pytest.raises(UserError, match="characters check"):
        import_wikidata(small, FIXTURE)


# --- `faip characters check` --------------------------------------------------------------------


def test_cli_check_passes_on_committed_catalogue() -> None:
    result = CliRunner().invoke(characters, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid:")


def test_cli_check_prints_every_failure(tmp_path: Path, committed: pd.DataFrame) -> None:
    path = tmp_path / "characters.csv"
    shutil.copy(COMMITTED, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hal = next(i for i, line in enumerate(lines) if line.startswith("hal-9000,"))
    lines[hal] = lines[hal].replace(",film,", ",cinema,").replace(",1968,", ",1068,")
    lines.append(lines[hal])  # duplicate id
    path.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(characters, ["check", "--catalogue", str(path)])
    assert result.exit_code == 1
    out = result.output
    line_no = hal + 1
    assert f"line {line_no} (hal-9000): column medium" in out and "'cinema'" in out
    assert f"line {line_no} (hal-9000): column year" in out and "bad value 1068 " in out
    assert f"line {len(lines)} (hal-9000): column character_id: failed field_uniqueness" in out


def test_parquet_round_trip_keeps_names(tmp_path: Path, committed: pd.DataFrame) -> None:
    # Releases ship the catalogue as parquet, where list cells come back as numpy arrays.
    path = tmp_path / "characters.parquet"
    committed.to_parquet(path)
    back = pd.read_parquet(path)
    assert validate_catalogue(back) == []
    assert scoped_names(back) == scoped_names(committed)
    assert to_csv_text(back) == to_csv_text(committed)


def test_sample_characters_match_the_sample_ground_truth(committed: pd.DataFrame) -> None:
    import json

    from dataset_builder.paths import SAMPLE_MIRROR

    expected = json.loads((SAMPLE_MIRROR / "EXPECTED.json").read_text(encoding="utf-8"))
    rows = committed[committed["source_note"] == "project sample"]
    found = {(r.work_id, r.name): list(r.aliases) for r in rows.itertuples()}
    wanted = {
        (f"gutenberg:{book_id}", c["name"]): list(c["aliases"])
        for book_id, book in expected["books"].items()
        for c in book["ai_characters"]
    }
    assert found == wanted


def test_two_wikidata_items_for_one_new_character_add_one_row(
    tmp_path: Path, catalogue_file: Path
) -> None:
    import json

    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    tobor = next(b for b in data["results"]["bindings"] if b["itemLabel"]["value"] == "Tobor")
    twin = json.loads(json.dumps(tobor))
    twin["item"]["value"] = "http://www.wikidata.org/entity/Q4000006"
    data["results"]["bindings"].append(twin)
    results = _write(tmp_path / "twins.json", json.dumps(data))
    report = import_wikidata(load_catalogue(catalogue_file), results)
    assert report.added == ["tobor"]
    twins = [(s.qid, s.reason.startswith("same name and work as tobor")) for s in report.skipped]
    assert twins == [("Q4000005", False), ("Q4000006", True)]


def test_readme_shows_the_sparql_query_the_importer_expects() -> None:
    from dataset_builder.characters.wikidata import SPARQL_QUERY

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert SPARQL_QUERY.rstrip("\n") in readme
