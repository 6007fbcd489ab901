"""One column list per table: the pandera model. The Arrow schemas the stages write with and
the features a release publishes are derived from it, and agree with it."""

from __future__ import annotations

import pandera.pandas as pa
import pyarrow
import pytest
from pandera.typing.pandas import Series

from dataset_builder import taxonomy
from dataset_builder.annotate import store
from dataset_builder.extract import sink
from dataset_builder.release.features import CONFIGS, features_of
from dataset_builder.schemas import TABLES, model
from dataset_builder.schemas._common import ListCells
from dataset_builder.schemas.derived import arrow_schema, arrow_type, column_types
from tests import table_builders as tb

BUILT = ("works", "passages", "annotations", "labels")


@pytest.mark.parametrize("table", list(TABLES))
def test_arrow_schema_has_the_model_columns_in_order(table: str) -> None:
    assert arrow_schema(model(table)).names == list(model(table).to_schema().columns)


@pytest.mark.parametrize("table", BUILT)
def test_valid_rows_round_trip_through_the_arrow_schema(table: str) -> None:
    rows = getattr(tb, table)()
    schema = arrow_schema(model(table))  # (less the optional columns these rows leave out)
    schema = pyarrow.schema([f for f in schema if f.name in rows.columns])
    typed = pyarrow.Table.from_pandas(rows, schema=schema, preserve_index=False)
    back = typed.to_pandas()
    model(table).validate(back, lazy=True)
    assert back.columns.tolist() == rows.columns.tolist()


def test_writers_use_the_derived_schemas() -> None:
    assert arrow_schema(model("passages")) == sink.SCHEMA
    assert store.arrow_schema() == arrow_schema(model("annotations"))
    # explicit list types: an all-empty list column is still list<string>, not list<null>
    assert sink.SCHEMA.field("character_ids").type == pyarrow.list_(pyarrow.string())


@pytest.mark.parametrize("config", CONFIGS)
def test_release_features_are_model_columns_narrowed(config: str) -> None:
    """Every released column a table also has is that column, in a type its values cast to."""
    tax = taxonomy.load()
    features = features_of(config, tax).arrow_schema
    sources = {"passages": ("passages", "works", "labels"),
               "annotations": ("annotations", "passages"),
               "works": ("works",), "characters": ("characters",)}[config]
    # the passages config names its work's title and its labels' method apart
    renamed = {"work_title": "title", "label_method": "method"} if config == "passages" else {}
    matched = 0
    for name in features.names:
        source = renamed.get(name, name)
        for table in sources:
            kinds = column_types(model(table))
            if source in kinds:
                released = features.field(name).type
                if name in tax.field_ids(("single", "multi")):
                    # ClassLabel codes: ids become integers, lists stay lists
                    assert pyarrow.types.is_list(released) == isinstance(kinds[source], list)
                else:
                    pyarrow.array([], arrow_type(kinds[source])).cast(released)
                matched += 1
                break
    computed = {"text_withheld", "split"} & set(features.names)  # made by the release
    assert matched == len(features.names) - len(computed)


def test_a_list_column_without_an_item_type_is_refused() -> None:
    class Untyped(pa.DataFrameModel):
        tags: Series[ListCells]

    with pytest.raises(TypeError, match="Untyped.tags"):
        column_types(Untyped)


def test_release_types_narrow_only_where_declared() -> None:
    plain = column_types(model("passages"))
    released = column_types(model("passages"), release=True)
    assert (plain["n_words"], released["n_words"]) == ("int64", "int32")
    assert plain["char_start"] == released["char_start"] == "int64"
