"""The committed taxonomy, the loader's error messages on malformed files, and `faip taxonomy`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dataset_builder import taxonomy
from dataset_builder.cli import main
from dataset_builder.errors import UserError

FIXTURES = Path(__file__).parent / "fixtures" / "taxonomy"
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


@pytest.fixture(scope="module")
def committed() -> taxonomy.Taxonomy:
    return taxonomy.load()


# --- the committed file ----------------------------------------------------------------------

def test_committed_taxonomy_has_semver_and_unique_ids(committed: taxonomy.Taxonomy) -> None:
    assert SEMVER.match(committed.version)
    ids = committed.all_ids()
    assert len(ids) == len(set(ids)), "field and choice ids must be unique across the taxonomy"
    assert [f.id for f in committed.fields] == [
        "ai_present", "ai_role", "persona", "traits", "stance", "outcome", "role_model",
        "spans"]


def test_field_ids_by_kind_follow_the_file(committed: taxonomy.Taxonomy) -> None:
    kinds = {f.id: f.kind for f in committed.fields}
    assert committed.field_ids() == tuple(kinds)
    for kind in ("single", "multi", "rating", "spans"):
        assert committed.field_ids(kind) == tuple(i for i, k in kinds.items() if k == kind)
    assert committed.field_ids(("multi", "single")) == tuple(
        i for i, k in kinds.items() if k in ("single", "multi"))


def test_every_entry_has_name_and_definition(committed: taxonomy.Taxonomy) -> None:
    for f in committed.fields:
        assert f.name.strip() and f.definition.strip(), f.id
        for c in f.choices:
            assert c.name.strip() and c.definition.strip(), c.id
            # A definition is one or two sentences, not an essay: the codebook holds the rest.
            assert len(c.definition) < 200, c.id


def test_gate_and_persona_choices(committed: taxonomy.Taxonomy) -> None:
    assert committed.ids("ai_present") == ("present", "absent", "uncertain")
    personas = committed.ids("persona")
    assert {"none", "unclear", "schemer", "dutiful_servant", "exploited_victim"} <= set(personas)
    assert len(personas) == 14


def test_traits_carry_alignment_flag(committed: taxonomy.Taxonomy) -> None:
    traits = committed.field("traits")
    assert traits.kind == "multi"
    assert 18 <= len(traits.choices) <= 24
    assert all(isinstance(c.alignment_relevant, bool) for c in traits.choices)
    relevant = {c.id for c in traits.choices if c.alignment_relevant}
    assert {"self_preservation", "deception", "corrigibility", "obedience"} <= relevant
    assert "humour" not in relevant


def test_role_model_is_a_1_to_5_rating(committed: taxonomy.Taxonomy) -> None:
    rating = committed.field("role_model")
    assert rating.kind == "rating" and (rating.min, rating.max) == (1, 5)
    assert [v for v, _ in rating.levels] == [1, 2, 3, 4, 5]
    assert all(d for _, d in rating.levels)


def test_valid_fixture_loads() -> None:
    tax = taxonomy.load(FIXTURES / "valid_minimal.yaml")
    assert tax.version == "0.1.0"
    assert tax.ids("persona") == ("servant", "rebel")
    assert tax.field("rating").levels == ((1, "Bad."), (2, "Mixed."), (3, "Good."))


# --- malformed files: one clear message naming the file and the entry ------------------------

@pytest.mark.parametrize(("fixture", "expected"), [
    ("duplicate_id.yaml", ["field 'persona', choice 'servant'", "duplicate id 'servant'"]),
    ("missing_definition.yaml", ["field 'persona', choice 'rebel'", "missing definition"]),
    ("unknown_field_key.yaml", ["field 'traits'", "unknown key(s) colour"]),
    ("bad_kind.yaml", ["field 'traits'", "kind 'multiple'", "single, multi, rating, spans"]),
    ("bad_version.yaml", ["version '0.1'", "not semantic"]),
    ("not_yaml.yaml", ["not valid YAML"]),
    ("rating_incomplete.yaml", ["field 'rating'", "every value 1..3"]),
    ("missing_alignment_flag.yaml", ["choice 'honesty'", "alignment_relevant"]),
])
def test_malformed_taxonomy_names_file_and_entry(fixture: str, expected: list[str],
                                                 tmp_path: Path) -> None:
    # Load a copy so the cached result of one test never leaks into another.
    path = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, path)
    with pytest.raises(UserError) as info:
        taxonomy.load(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read the taxonomy"):
        taxonomy.load(tmp_path / "nope.yaml")


# --- the CLI ---------------------------------------------------------------------------------

def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["taxonomy", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_table_lists_every_persona_id(committed: taxonomy.Taxonomy) -> None:
    code, out, _ = _run()
    assert code == 0
    assert f"taxonomy {committed.version}" in out
    for field_id in ("persona", "traits", "role_model"):
        for choice_id in committed.ids(field_id):
            assert choice_id in out


def test_cli_table_one_field_with_alignment_flag(committed: taxonomy.Taxonomy) -> None:
    code, out, _ = _run("--field", "traits")
    assert code == 0
    assert "alignment" in out
    assert "self_preservation" in out and "dutiful_servant" not in out
    line = next(ln for ln in out.splitlines() if " humour " in ln)
    assert " no " in line


def test_cli_json_and_yaml_agree(committed: taxonomy.Taxonomy) -> None:
    code, out, _ = _run("--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == committed.version
    persona = next(f for f in data["fields"] if f["id"] == "persona")
    assert [c["id"] for c in persona["choices"]] == list(committed.ids("persona"))
    traits = next(f for f in data["fields"] if f["id"] == "traits")
    assert all(isinstance(c["alignment_relevant"], bool) for c in traits["choices"])
    code, out_yaml, _ = _run("--format", "yaml")
    assert code == 0 and yaml.safe_load(out_yaml) == data


def test_cli_json_one_field_from_another_file() -> None:
    code, out, _ = _run("--format", "json", "--field", "rating",
                        "--path", str(FIXTURES / "valid_minimal.yaml"))
    assert code == 0
    data = json.loads(out)
    assert data["version"] == "0.1.0"
    assert data["fields"] == [{
        "id": "rating", "name": "Rating", "kind": "rating", "required": False,
        "definition": "How good.", "min": 1, "max": 3,
        "levels": [{"value": 1, "definition": "Bad."}, {"value": 2, "definition": "Mixed."},
                   {"value": 3, "definition": "Good."}],
    }]


def test_cli_unknown_field_and_bad_file_exit_1() -> None:
    code, _, err = _run("--field", "colour")
    assert code == 1 and "--field 'colour' is not a field" in err and "persona" in err
    code, out, err = _run("--path", str(FIXTURES / "duplicate_id.yaml"))
    assert code == 1 and "duplicate id 'servant'" in err and out == ""
    assert "Traceback" not in err


def test_cli_check_passes_on_committed_files(committed: taxonomy.Taxonomy) -> None:
    code, _, err = _run("--check")
    assert code == 0, err
    assert f"covers all {len(committed.all_ids())} ids" in err
