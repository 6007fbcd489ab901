"""Every schema check has an example that fails it, reported with table, row, column and check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from dataset_builder import synthetic
from dataset_builder.schemas import TABLES, model
from dataset_builder.schemas.annotations import annotation_schema
from dataset_builder.schemas.export import export_schemas, schema_yaml
from dataset_builder.schemas.labels import label_schema
from dataset_builder.validate.schema import validate_frame
from tests import table_builders as tb

Mutation = Callable[[pd.DataFrame], None]


def _set(column: str, value: object, row: int = 0) -> Mutation:
    def mutate(df: pd.DataFrame) -> None:
        df[column] = df[column].astype(object)
        df.at[row, column] = value

    return mutate


def _drop(column: str) -> Mutation:  # noqa: D103
    return lambda df: df.pop(column)


def _duplicate(column: str) -> Mutation:
    def mutate(df: pd.DataFrame) -> None:
        df.at[1, column] = df.at[0, column]

    return mutate


CASES: list[tuple[str, Mutation, str, str]] = [
    # works
    ("works", _duplicate("work_id"), "work_id", "field_uniqueness"),
    ("works", _set("work_id", "gutenberg:12a"), "work_id", "str_matches"),
    ("works", _set("source", "scraped"), "source", "isin"),
    ("works", _set("title", ""), "title", "str_length"),
    ("works", _set("authors", "Jane Doe"), "authors", "list_of_strings"),
    ("works", _set("year", 3000), "year", "less_than_or_equal_to"),
    ("works", _set("language", "English"), "language", "str_matches"),
    ("works", _set("licence", "free"), "licence", "isin"),
    ("works", _set("sha256", "abc"), "sha256", "str_matches"),
    ("works", _set("n_chars", -1), "n_chars", "greater_than_or_equal_to"),
    ("works", _set("subjects", "Robots -- Fiction"), "subjects", "list_of_strings"),
    ("works", _drop("text_path"), "text_path", "column_in_dataframe"),
    # passages
    ("passages", _duplicate("passage_id"), "passage_id", "field_uniqueness"),
    ("passages", _set("passage_id", "p_XYZ"), "passage_id", "str_matches"),
    ("passages", _set("work_id", "book 12"), "work_id", "str_matches"),
    ("passages", _set("char_start", -3), "char_start", "greater_than_or_equal_to"),
    ("passages", _set("char_end", 0), "char_end", "greater_than"),
    ("passages", _set("char_start", 100), "(table)", "char_start < char_end"),
    ("passages", _set("text", "too short"), "(table)", "len(text) == char_end - char_start"),
    ("passages", _set("text_sha256", "0" * 10), "text_sha256", "str_matches"),
    ("passages", _set("score", 1.5), "score", "less_than_or_equal_to"),
    ("passages", _set("character_ids", [1, 2]), "character_ids", "list_of_strings"),
    ("passages", _set("duplicate_of", "nope"), "duplicate_of", "str_matches"),
    ("passages", _set("n_words", -1), "n_words", "greater_than_or_equal_to"),
    ("passages", _set("score", -0.1), "score", "greater_than_or_equal_to"),
    # annotations
    ("annotations", _duplicate("row_id"), "row_id", "field_uniqueness"),
    ("annotations", _set("annotator", "alice@example.org"), "annotator", "str_matches"),
    ("annotations", _set("persona", "villain"), "persona", "isin"),
    ("annotations", _set("traits", ["evil"]), "traits", "traits are taxonomy ids"),
    ("annotations", _set("stance", "liked"), "stance", "isin"),
    ("annotations", _set("outcome", "won"), "outcome", "isin"),
    ("annotations", _set("role_model", 7), "role_model", "less_than_or_equal_to"),
    ("annotations", _set("spans", [{"label": "x", "start": 0, "end": 2}]), "spans", "span labels"),
    ("annotations", _set("spans", [{"label": "evidence", "start": 5, "end": 2}]), "spans",
     "span labels"),
    ("annotations", _set("ai_present", None), "(table)", "ai_present gate"),
    ("annotations", _set("created_at", "yesterday"), "created_at", "str_matches"),
    ("annotations", _set("taxonomy_version", "v1"), "taxonomy_version", "str_matches"),
    ("annotations", _set("supersedes", "r_1"), "supersedes", "str_matches"),
    ("annotations", _set("lead_time", -1.0), "lead_time", "greater_than_or_equal_to"),
    ("annotations", _set("row_id", "row-1"), "row_id", "str_matches"),
    ("annotations", _set("annotation_id", ""), "annotation_id", "str_length"),
    ("annotations", _set("passage_id", "p_1"), "passage_id", "str_matches"),
    ("annotations", _set("ai_present", "maybe"), "ai_present", "isin"),
    ("annotations", _set("role_model", 0), "role_model", "greater_than_or_equal_to"),
    ("annotations", _set("updated_at", "2026-13"), "updated_at", "str_matches"),
    ("annotations", _set("guideline_version", "1.0"), "guideline_version", "str_matches"),
    # labels
    ("labels", _set("persona", "villain"), "persona", "isin"),
    ("labels", _set("traits", ["evil"]), "traits", "traits are taxonomy ids"),
    ("labels", _set("agreement", 1.2), "agreement", "less_than_or_equal_to"),
    ("labels", _set("method", "vibes"), "method", "isin"),
    ("labels", _set("n_annotators", -1), "n_annotators", "greater_than_or_equal_to"),
    ("labels", _set("role_model", 0.5), "role_model", "greater_than_or_equal_to"),
    ("labels", _set("role_model", 5.5), "role_model", "less_than_or_equal_to"),
    ("labels", _set("passage_id", "x"), "passage_id", "str_matches"),
    ("labels", _set("ai_present", "yes"), "ai_present", "isin"),
    ("labels", _set("stance", "liked"), "stance", "isin"),
    ("labels", _set("outcome", "won"), "outcome", "isin"),
    ("labels", _set("agreement", -0.1), "agreement", "greater_than_or_equal_to"),
]


@pytest.mark.parametrize("table", ["works", "passages", "annotations", "labels"])
def test_builders_are_valid(table: str) -> None:
    assert validate_frame(table, getattr(tb, table)()) == []


@pytest.mark.parametrize(("table", "mutate", "column", "check"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_each_check_fails_on_a_bad_value(table: str, mutate: Mutation, column: str,
                                         check: str) -> None:
    df = getattr(tb, table)()
    mutate(df)
    failures = validate_frame(table, df)
    assert failures, "the bad value was accepted"
    assert any(f.column == column and check in f.check for f in failures), failures
    assert all(f.table == table and f.hint for f in failures)


def test_failure_names_the_row_id() -> None:
    df = tb.passages()
    df["score"] = df["score"].astype(object)
    df.at[1, "score"] = 2.0
    (failure,) = validate_frame("passages", df)
    assert failure.row == df.at[1, "passage_id"]
    assert failure.value == "2.0"


@pytest.mark.parametrize("table", list(TABLES))
def test_committed_schema_files_match_the_code(table: str) -> None:
    committed = Path(__file__).parents[1] / "schema" / f"{table}.yaml"
    assert committed.exists(), "run `faip schema export`"
    assert committed.read_text(encoding="utf-8") == schema_yaml(table), (
        f"schema/{table}.yaml drifted from the code: run `faip schema export`"
    )


def test_export_writes_every_table(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{t}.yaml" for t in TABLES)
    assert "custom_checks" in (tmp_path / "passages.yaml").read_text()


def test_annotation_and_label_schemas_follow_the_taxonomy_they_are_given() -> None:
    tax = synthetic.taxonomy_with_field("extra_role", ("actor", "scenery"), position=2)
    annotations = list(annotation_schema(tax).to_schema().columns)
    labels = list(label_schema(tax).to_schema().columns)
    before = tax.field_ids()[tax.field_ids().index("extra_role") - 1]
    assert annotations.index("extra_role") == annotations.index(before) + 1
    assert {"extra_role", "extra_role_soft"} <= set(labels)
    assert "extra_role" not in model("annotations").to_schema().columns  # the project's own
    rows = tb.annotations()
    rows.insert(6, "extra_role", ["actor", "villain"])
    with pytest.raises(pandera.errors.SchemaErrors) as failed:
        annotation_schema(tax).validate(rows, lazy=True)
    cases = failed.value.failure_cases
    assert list(cases["column"]) == ["extra_role"] and list(cases["failure_case"]) == ["villain"]
