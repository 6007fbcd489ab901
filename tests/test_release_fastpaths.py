"""The release's fast paths give exactly what the plain rules give.

Each vectorised path (privacy-scan prefilter, schema checks in Arrow, span-range check, list
columns kept in Arrow from read to write, Arrow sort, figure worker) is compared with the rule
it replaces, on crafted values that sit on every boundary and on seeded random ones.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from dataset_builder import taxonomy
from dataset_builder.release import plots, scan
from dataset_builder.release.features import CONFIGS, features_of, to_arrow
from dataset_builder.release.frames import by_split, load_frames, without_span_text
from dataset_builder.schemas import _common
from dataset_builder.schemas.annotations import SPAN_FIELDS
from dataset_builder.schemas.passages import EVIDENCE_FIELDS
from dataset_builder.split.assign import SPLITS, assign_splits
from dataset_builder.tables import read_annotations, read_annotations_arrow, read_arrow, read_table
from dataset_builder.validate.cross import _spans_in_range
from dataset_builder.validate.schema import Failure, short_value
from tests import release_fixtures as rf

HEX40 = "0123456789abcdef" * 2 + "01234567"
TOKEN = "hf_" + "A1b2C3d4E5" * 2


# --- privacy scan: one blob per column, then per value -------------------------------------

def _hits(value: str, pattern: str) -> bool:
    """The rule, for one value: RE2 (as pyarrow runs it) finds the pattern in it."""
    return bool(pc.match_substring_regex(pa.array([value]), pattern)[0].as_py())


def _matches(values: list[str | None]) -> bool:
    return any(_hits(v, p) for v in values if v is not None for p in scan.PATTERNS.values())


def _counts(table: pa.Table, label: str) -> list[str]:
    """The findings as the scan reports them, computed value by value."""
    found = []
    for name in table.column_names:
        for leaf, values in scan._string_leaves(table[name].combine_chunks(), name):
            cells = [v for v in values.to_pylist() if v is not None]
            for what, pattern in scan.PATTERNS.items():
                n = sum(1 for v in cells if _hits(v, pattern))
                if n:
                    found.append(f"{label}: column {leaf}: {n} value(s) contain {what}")
    return found


CRAFTED: list[list[str | None]] = [
    [], [None], [""], ["plain words only"],
    ["mail bob@example.org now"], ["bob@", "example.org"], ["bob", "@example.org"],
    ["bob@example.o", "rg"], ["bob@example", ".org"],
    [HEX40], [HEX40 + "x"], ["x" + HEX40], [HEX40[:20], HEX40[20:]], [HEX40, "x"], ["x", HEX40],
    [HEX40 + "0"], [HEX40[:-1]], ["g" + HEX40[1:]], [HEX40.upper()],
    [TOKEN], ["x" + TOKEN], [TOKEN + "_"], [TOKEN[:12], TOKEN[12:]], ["hf_", "A" * 20],
    [None, TOKEN, None], ["line one\n" + HEX40 + "\nline three"], ["a\nb@c.de"],
    ["bob@exa\nmple.org"], [HEX40[:20] + "\n" + HEX40[20:]], ["é" + HEX40 + "é"],
    ["é", HEX40, "é"], ["bob@example.orgé"],
]


@pytest.mark.parametrize("values", CRAFTED, ids=[repr(v)[:40] for v in CRAFTED])
def test_prefilter_says_yes_exactly_when_a_value_matches(values: list[str | None]) -> None:
    for kind in (pa.string(), pa.large_string()):
        array = pa.array(values, kind)
        assert scan.may_contain(array) == _matches(values)
        assert scan.scan_table(pa.table({"c": array}), "T") == _counts(pa.table({"c": array}), "T")


def test_prefilter_on_random_values_slices_and_null_slots() -> None:
    rng = random.Random(7)
    pieces = ["a", "Z", "0", "f", "9", ".", "-", "_", "@", " ", "\n", "hf_", "x@y.zz", "b@c",
              ".org", HEX40[:13], HEX40[:27], "A1b2C3d4E5"]
    for _ in range(3000):
        values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
                  if rng.random() > 0.15 else None for _ in range(rng.randint(1, 6))]
        array = pa.array(values, pa.string())
        assert scan.may_contain(array) == _matches(values), values
        start = rng.randint(0, len(values) - 1)
        sliced = array.slice(start, rng.randint(0, len(values) - start))
        assert scan.may_contain(sliced) == _matches(sliced.to_pylist()), values


def test_a_null_slot_cannot_hide_a_value() -> None:
    # Nulls whose slots still cover bytes (legal in Arrow): extra text to search, nothing less.
    data = pa.py_buffer(b"keep" + HEX40.encode())
    offsets = pa.array([0, 4, 44], pa.int32()).buffers()[1]
    validity = pa.array([False, True]).buffers()[1]  # bit 0: null, bit 1: valid
    array = pa.Array.from_buffers(pa.string(), 2, [validity, offsets, data])
    assert array.to_pylist() == [None, HEX40]
    assert scan.may_contain(array)


def test_nested_columns_are_scanned_leaf_by_leaf() -> None:
    table = pa.table({
        "spans": pa.array([[{"label": "x", "text": None}], None,
                           [{"label": "y", "text": "write to a@b.org"}]]),
        "ids": pa.array([["a"], [], [TOKEN]]),
    })
    assert scan.scan_table(table, "T") == _counts(table, "T") != []


def test_no_pattern_can_match_the_separator() -> None:
    # What the blob relies on: no ".", no negated or \s-like class in any pattern.
    for pattern in scan.PATTERNS.values():
        outside_classes = re.sub(r"\\.|\[[^\]]*\]", "", pattern)
        assert "." not in outside_classes and "[^" not in pattern, pattern
        assert not re.search(r"\\[sSWDB]", pattern), pattern
        for cls in re.findall(r"\[([^\]]*)\]", pattern):
            assert "\\" not in cls.replace("\\.", ""), pattern


# --- schema checks: vectorised where Arrow holds the cells exactly -------------------------

LIST_CELLS: list[object] = [
    ["a"], [], None, ["a", None], ["z"], np.array(["a", "b"], dtype=object), ("a",), {"a"},
    [None], np.array([], dtype=object), np.array(["a"]), ["b", "a"],
]
ODD_CELLS: list[object] = ["a", b"x", [b"a"], [1], [np.nan], np.nan, pd.NA, {"a": 1},
                           ["a", 1.5], [["a"]], [True]]


@pytest.mark.parametrize("odd", [None, *ODD_CELLS], ids=lambda v: repr(v)[:20])
def test_list_checks_match_their_rules(odd: object) -> None:
    cells = LIST_CELLS + ([] if odd is None else [odd])
    series = pd.Series(cells, dtype=object, index=range(10, 10 + len(cells)))
    by_row = _common.list_items_in_by_row(series, ("a", "b")).tolist()
    assert _common.list_items_in(series, ("a", "b")).tolist() == by_row
    assert _common.is_list_of_str(series).tolist() == [
        _common.str_list_cell_ok(c) for c in cells]
    assert list(_common.is_list_of_str(series).index) == list(series.index)


def _arrow_backed(cells: list[object]) -> pd.Series:
    """The cells as the release reads a list column: Arrow data, no Python object per cell
    (a column of missing cells only is still typed as a list column, as in a parquet file)."""
    array = pa.array(cells)
    if pa.types.is_null(array.type):
        array = pa.array(cells, pa.list_(pa.string()))
    return pd.Series(pd.arrays.ArrowExtensionArray(array))


@pytest.mark.parametrize("cells", [
    [["a"], [], None, ["a", None], ["z"], ["b", "a"], [None]],
    [[], []], [[], None], [[None], []], [None, None], [["z", "z"], None, ["b"]],
    [[1, 2], None, []], [[["a"]], [], None],  # Arrow lists of something else than strings
], ids=repr)
def test_list_checks_on_arrow_backed_columns_match_their_rules(cells: list[object]) -> None:
    series = _arrow_backed(cells)
    assert isinstance(series.dtype, pd.ArrowDtype)
    python = pd.Series(cells, dtype=object)
    assert _common.list_items_in(series, ("a", "b")).tolist() == \
        _common.list_items_in_by_row(python, ("a", "b")).tolist()
    assert _common.is_list_of_str(series).tolist() == [
        _common.str_list_cell_ok(c) for c in cells]


@pytest.mark.parametrize("cells", [[[], []], [[], None], [[None], []], [None, None]],
                         ids=repr)
def test_list_checks_on_cells_without_a_single_string(cells: list[object]) -> None:
    series = pd.Series(cells, dtype=object)
    by_row = _common.list_items_in_by_row(series, ("a",)).tolist()
    assert _common.list_items_in(series, ("a",)).tolist() == by_row
    assert _common.is_list_of_str(series).tolist() == [
        _common.str_list_cell_ok(c) for c in cells]


SPAN = {"label": "ai_mention", "start": 0, "end": 3}
SPAN_CELLS: list[object] = [
    None, [], [SPAN], [{**SPAN, "start": 5, "end": 2}], [{**SPAN, "label": "x"}], [None],
    [{**SPAN, "start": -1}], [{**SPAN, "text": "t"}, {"label": "evidence", "end": 4}],
    [{**SPAN, "label": None}], np.array([{**SPAN, "label": "evidence"}], dtype=object),
    [{**SPAN, "end": None}], [{**SPAN, "start": 3}], [SPAN, {**SPAN, "start": 4, "end": 4}],
]
ODD_SPANS: list[object] = [
    [{**SPAN, "start": 1.0}], [{**SPAN, "start": "1"}], "abc", np.nan, pd.NA,
    [{**SPAN, "start": True}], SPAN, [{"start": 1, "end": 2}], [{**SPAN, "label": 1}], [[1]],
    [{**SPAN, "label": b"evidence"}], [{**SPAN, "end": 2**70}],
]


EVIDENCE = {"term": "robot", "kind": "lexicon", "start": 0, "end": 5}
EVIDENCE_CELLS: list[object] = [
    None, [], [EVIDENCE], [{**EVIDENCE, "start": 5, "end": 2}], [{**EVIDENCE, "term": None}],
    [None], [{**EVIDENCE, "start": -1}], [EVIDENCE, {"term": "x", "start": 0, "end": 1}],
    [EVIDENCE, {**EVIDENCE, "start": 4, "end": 4}], [{**EVIDENCE, "kind": None}],
]
ODD_EVIDENCE: list[object] = [
    [{**EVIDENCE, "start": 1.0}], [{**EVIDENCE, "kind": 3}], "abc", np.nan, pd.NA, EVIDENCE,
    [[1]], [{**EVIDENCE, "term": b"x"}], [{**EVIDENCE, "end": 2**70}], [1, 2],
]
ITEMS = {"spans": (SPAN_FIELDS, SPAN_CELLS, ODD_SPANS),
         "evidence": (EVIDENCE_FIELDS, EVIDENCE_CELLS, ODD_EVIDENCE)}
CASES = [(kind, odd) for kind, (_, _, odds) in ITEMS.items() for odd in [None, *odds]]


@pytest.mark.parametrize(("kind", "odd"), CASES, ids=lambda v: repr(v)[:20])
def test_offset_checks_match_their_rule(kind: str, odd: object) -> None:
    fields, crafted, _ = ITEMS[kind]
    cells = crafted + ([] if odd is None else [odd])
    rule = [_common.offset_cell_ok(c, fields) for c in cells]
    fast = _common.offsets_ok_vectorised(pd.Series(cells, dtype=object), fields)
    assert fast is None or fast.tolist() == rule
    if odd is None:
        assert fast is not None  # plain dicts take the vectorised path
    assert _common.offsets_ok(pd.Series(cells, dtype=object), fields).tolist() == rule


@pytest.mark.parametrize("kind", ITEMS)
def test_offset_checks_on_arrow_backed_cells_match_their_rule(kind: str) -> None:
    fields, crafted, odds = ITEMS[kind]
    cells = [c.tolist() if isinstance(c, np.ndarray) else c for c in crafted]
    rule = [_common.offset_cell_ok(c, fields) for c in cells]
    fast = _common.offsets_ok_vectorised(_arrow_backed(cells), fields)
    assert fast is not None and fast.tolist() == rule
    # Arrow lists of something else than items: the rule, cell by cell.
    for odd in ([[[1]], None, []], [[1, 2], [], None], [[{"start": 0}], []]):
        assert _common.offsets_ok(_arrow_backed(odd), fields).tolist() == [
            _common.offset_cell_ok(c, fields) for c in odd]


SHARE_CELLS: list[object] = [
    None, [], [0.0, 0.5, 1.0], [0, 1, 0], [0.2, 0.3], [1.5, 0.0, 0.0], [-0.1, 0.0, 0.0],
    [None, 0.0, 0.0], [np.nan, 0.0, 0.0], np.array([0.1, 0.2, 0.3]), [0.1, 0.2, 0.3, 0.4],
    np.array([0.1, 0.2, 0.3], dtype=np.float32),
]
ODD_SHARES: list[object] = [
    "abc", [True, False, True], ["0.1", 0.0, 0.0], np.nan, pd.NA, [[0.1], 0.0, 0.0],
    {"a": 1}, 5, [0.5, 0, True], b"abc",
]


@pytest.mark.parametrize("odd", [None, *ODD_SHARES], ids=lambda v: repr(v)[:20])
def test_share_check_matches_its_rule(odd: object) -> None:
    cells = SHARE_CELLS + ([] if odd is None else [odd])
    rule = [_common.share_cell_ok(c, 3) for c in cells]
    assert _common.shares_ok(pd.Series(cells, dtype=object), 3).tolist() == rule
    arrow_able = [c.tolist() if isinstance(c, np.ndarray) else c for c in SHARE_CELLS
                  if not (isinstance(c, list) and None in c)]
    assert _common.shares_ok(_arrow_backed(arrow_able), 3).tolist() == [
        _common.share_cell_ok(c, 3) for c in arrow_able]


def _spans_rule(annotations: pd.DataFrame, passages: pd.DataFrame) -> list[Failure]:
    """The span-range rule, span by span."""
    length = dict(zip(passages["passage_id"], passages["char_end"] - passages["char_start"],
                      strict=True))
    out = []
    for row, pid, cell in zip(annotations["row_id"], annotations["passage_id"],
                              annotations["spans"], strict=True):
        for span in cell if cell is not None else []:
            if span is not None and pid in length and int(span["end"]) > length[pid]:
                out.append(Failure("annotations", row, "spans", "span end <= passage length",
                                   short_value(dict(span)), f"the passage has {int(length[pid])} "
                                   "characters: fix or reject the span"))
    return out


def test_span_range_check_matches_its_rule() -> None:
    passages = pd.DataFrame({"passage_id": ["p1", "p2"], "char_start": [0, 10],
                             "char_end": [5, 12]})
    cells = [[{**SPAN, "end": 6}], None, [], [None, {**SPAN, "end": 3}, {**SPAN, "end": 9}],
             [{**SPAN, "end": 2}], [{**SPAN, "end": 3}], [{**SPAN, "end": 99}]]
    annotations = pd.DataFrame({"row_id": [f"r{i}" for i in range(len(cells))],
                                "passage_id": ["p1", "p1", "p2", "p1", "p2", "p2", "p9"],
                                "spans": pd.Series(cells, dtype=object)})
    expected = _spans_rule(annotations, passages)
    assert [f.row for f in expected] == ["r0", "r3", "r5"]
    assert _spans_in_range(annotations, passages) == expected
    assert _spans_in_range(annotations.assign(spans=_arrow_backed(cells)), passages) == expected


# --- the release's Arrow paths ---------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fast")
    w = rf.write_workdir(root / "w", n_works=24)
    assign_splits(w, root / "splits.csv")
    return w, root / "splits.csv"


def test_table_readers_give_what_pandas_reads(workdir: tuple[Path, Path]) -> None:
    # read_table and read_annotations convert the Arrow reads: the frames must be pandas' own.
    w, _ = workdir
    for name in ("works", "passages", "labels"):
        path = w / f"{name}.parquet"
        pd.testing.assert_frame_equal(read_table(w, name), pd.read_parquet(path))
        pd.testing.assert_frame_equal(read_arrow(w, name).to_pandas(), pd.read_parquet(path))
    files = sorted((w / "annotations").glob("*.parquet"))
    assert len(read_annotations_arrow(w / "annotations")) == len(files)
    pd.testing.assert_frame_equal(
        read_annotations(w / "annotations"),
        pd.concat([pd.read_parquet(f) for f in files], ignore_index=True))


def _python_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every Arrow-backed column as one Python object per cell."""
    return frame.assign(**{c: _common.python_cells(frame[c])
                           for c in frame.columns if isinstance(frame[c].dtype, pd.ArrowDtype)})


def test_arrow_backed_list_columns_give_the_tables_python_cells_give(
        workdir: tuple[Path, Path]) -> None:
    w, splits = workdir
    frames = load_frames(w, splits, rf.characters())
    tax = taxonomy.load()
    arrow_backed = {c for config in ("passages", "annotations")
                    for frame in frames.data[config].values()
                    for c in frame.columns if isinstance(frame[c].dtype, pd.ArrowDtype)}
    assert {"evidence", "traits", "persona_soft", "spans", "authors"} <= arrow_backed
    for config in CONFIGS:
        features = features_of(config, tax)
        for split, frame in frames.data[config].items():
            if frame.empty:
                continue
            fast = to_arrow(frame, features)
            # Every column from Python objects: the reference layout and values.
            slow = to_arrow(_python_cells(frame).astype(object), features)
            assert fast.equals(slow), (config, split)
            # nbytes sizes the row groups and is published as num_bytes.
            assert fast.nbytes == slow.nbytes, (config, split)
            assert [c.nbytes for c in fast.columns] == [c.nbytes for c in slow.columns]
    # Span texts are withheld row by row, in Arrow as in Python cells.
    live = frames.annotations
    hide = np.arange(len(live)) % 3 == 1
    arrow = without_span_text(live["spans"], hide)
    assert isinstance(live["spans"].dtype, pd.ArrowDtype) and isinstance(arrow.dtype,
                                                                         pd.ArrowDtype)
    assert arrow.tolist() == without_span_text(_python_cells(live)["spans"], hide).tolist()
    assert [all(s["text"] is None for s in c) for c in arrow.tolist()] == hide.tolist()


def test_arrow_sort_equals_stable_sort_then_filter() -> None:
    rng = np.random.default_rng(3)
    n = 500
    frame = pd.DataFrame({
        "work_id": pd.Series(rng.choice(["w:b", "w:a", "w:é", "w:B"], n), dtype="str"),
        "char_start": rng.integers(0, 5, n),
        "passage_id": pd.Series(rng.choice(["p1", "p2", "p10"], n), dtype="str"),
        "split": rng.choice(list(SPLITS), n),
        "payload": np.arange(n),
    }, index=rng.permutation(n))
    keys = ["work_id", "char_start", "passage_id"]
    expected = frame.sort_values(keys, kind="stable")
    for split, part in by_split(frame, keys).items():
        pd.testing.assert_frame_equal(part, expected[expected["split"] == split])


def test_figure_worker_draws_the_same_bytes_as_this_process() -> None:
    bars: plots.Bars = {"persona_distribution": ("Passages per persona", ["a", "b"], [3, 0])}
    intervals: plots.Intervals = [("persona", 0.61, 0.52, 0.7), ("traits", 0.5, None, None)]
    worker = plots.FigureWorker()
    try:
        worker.submit(bars, intervals)
        drawn = worker.result()
    finally:
        worker.close()
    assert drawn == plots.render(bars, intervals)
    assert set(drawn) == {"persona_distribution", "agreement"}


def test_a_worker_that_cannot_start_costs_no_wait() -> None:
    # A script read from stdin: a spawned interpreter cannot import its __main__, so the
    # worker dies at start-up; the figures are drawn here at once, not after the timeout.
    code = (
        "import time\n"
        "from dataset_builder.release import plots\n"
        "worker = plots.FigureWorker(timeout=60)\n"
        "worker.submit({'by_decade': ('Passages per decade', ['1880s'], [2])}, [])\n"
        "start = time.monotonic()\n"
        "drawn = worker.result()\n"
        "print(round(time.monotonic() - start, 1), sorted(drawn))\n"
    )
    out = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True,
                         timeout=120, check=True)
    waited, names = out.stdout.split(" ", 1)
    bars: plots.Bars = {"by_decade": ("Passages per decade", ["1880s"], [2])}
    assert names.strip() == str(sorted(plots.render(bars, [])))
    assert float(waited) < 30, out.stderr[-2000:]


def test_inside_a_daemon_process_the_figures_are_drawn_there(tmp_path: Path) -> None:
    # A daemonic process may not start children (a release run from a pool's worker).
    script = tmp_path / "daemon.py"
    script.write_text(
        "import multiprocessing\n"
        "def job(queue):\n"
        "    from dataset_builder.release import plots\n"
        "    worker = plots.FigureWorker(timeout=60)\n"
        "    worker.submit({'by_decade': ('Passages per decade', ['1880s'], [2])}, [])\n"
        "    queue.put(sorted(worker.result()))\n"
        "if __name__ == '__main__':\n"
        "    context = multiprocessing.get_context('spawn')\n"
        "    queue = context.Queue()\n"
        "    child = context.Process(target=job, args=(queue,), daemon=True)\n"
        "    child.start()\n"
        "    print(queue.get(timeout=100))\n"
        "    child.join()\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, check=True)
    bars: plots.Bars = {"by_decade": ("Passages per decade", ["1880s"], [2])}
    assert out.stdout.strip() == str(sorted(plots.render(bars, []))), out.stderr[-2000:]


def test_figures_are_drawn_here_when_the_worker_is_too_slow() -> None:
    bars: plots.Bars = {"by_decade": ("Passages per decade", ["1880s"], [2])}
    worker = plots.FigureWorker(timeout=0)  # no worker answers within 0 s
    try:
        worker.submit(bars, [])
        assert worker.result() == plots.render(bars, [])
    finally:
        worker.close()
