"""The extract stage on hand-written fixture texts: detection, precision cues, windows, dedup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset_builder.characters.name import Name
from dataset_builder.errors import UserError
from dataset_builder.extract import dedup, run_extract
from dataset_builder.extract.cues import acts
from dataset_builder.extract.dedup import Key, duplicate_links, signature, signatures
from dataset_builder.extract.detect import Matcher
from dataset_builder.extract.hit import INTRODUCED
from dataset_builder.extract.segment import paragraphs, windows
from dataset_builder.io import sha256_text
from dataset_builder.schemas.passages import PassageSchema
from dataset_builder.tables import passage_id, write_table
from tests.extract_fixtures import NAMES, fixture_text, write_workdir

SMALL = (40, 120)  # target words for the short fixture texts


def extract(workdir: Path, **kwargs: object) -> pd.DataFrame:
    kwargs.setdefault("names", NAMES)
    kwargs.setdefault("target_words", SMALL)
    run_extract(workdir, **kwargs)  # type: ignore[arg-type]
    return pd.read_parquet(workdir / "passages.parquet")


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    workdir = tmp_path_factory.mktemp("extract")
    write_workdir(workdir)
    return workdir, extract(workdir)


def test_output_validates_and_offsets_point_into_the_cleaned_text(fixture_run) -> None:
    workdir, passages = fixture_run
    PassageSchema.validate(passages, lazy=True)
    works = pd.read_parquet(workdir / "works.parquet").set_index("work_id")
    for row in passages.itertuples():
        text = (workdir / works.loc[row.work_id, "text_path"]).read_text(encoding="utf-8")
        assert row.text == text[row.char_start:row.char_end]
        assert row.passage_id == passage_id(row.work_id, row.char_start, row.char_end)
        assert row.text_sha256 == sha256_text(row.text)
        assert row.n_words == len(row.text.split())
        for ev in row.evidence:
            assert row.text[ev["start"]:ev["end"]] == ev["term"]


def test_hard_negatives_give_no_passage(fixture_run) -> None:
    _, passages = fixture_run
    # metaphors, a detective nicknamed "The Thinking Machine", clockwork toys, human computers
    for work_id in ("local:metaphors", "local:detective", "local:clockwork", "local:observatory"):
        assert work_id not in set(passages["work_id"]), work_id


def test_hard_negatives_are_found_but_scored_low(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:metaphors", "local:detective", "local:clockwork",
                             "local:observatory"])
    passages = extract(tmp_path, min_score=0.0)
    assert set(passages["work_id"]) == {"local:metaphors", "local:detective",
                                        "local:clockwork", "local:observatory"}
    assert passages["score"].max() < 0.2
    assert all(len(ev) == 0 for ev in passages["evidence"])  # negated hits are no evidence


def test_positives_found_with_introduced_names_and_agency(fixture_run) -> None:
    _, passages = fixture_run
    jerry = passages[passages["work_id"] == "local:robot-jerry"]
    assert len(jerry) >= 2 and (jerry["score"] >= 0.9).all()
    kinds = {(e["term"], e["kind"]) for ev in jerry["evidence"] for e in ev}
    assert ("Jerry", INTRODUCED) in kinds
    # The last part mentions Jerry only by name: it is found through the introduced name.
    text = fixture_text("robot_jerry.txt")
    last = text.index('"No," Jerry answered')
    assert any(r.char_start <= last < r.char_end for r in jerry.itertuples())


def test_introduced_name_forms() -> None:
    text = (
        "A robot named Daneel stood at the door. Later, Giskard, the old robot, came in.\n\n"
        "Daneel said nothing. Giskard thought for a while."
    )
    hits = Matcher().find(text, "local:x")
    names = {h.term for h in hits if h.kind == INTRODUCED}
    assert names == {"Daneel", "Giskard"}


def test_character_ids_are_scoped_to_their_work(fixture_run) -> None:
    _, passages = fixture_run
    ids = {w: sorted({c for cs in g["character_ids"] for c in cs})
           for w, g in passages.groupby("work_id")}
    assert ids["local:robot-jerry"] == ["smith-the-steward"]
    # "Smith" also occurs in the Tik-Tok story and the boarding house: no link there.
    assert ids["local:tiktok"] == ["tik-tok"]
    hits = Matcher(NAMES).find(fixture_text("metaphors.txt"), "local:metaphors")
    assert not [h for h in hits if h.character_id]


def test_case_variants_and_word_boundaries() -> None:
    matcher = Matcher()
    terms = [h.term for h in matcher.find("ROBOTS! Robot; robotics; a robot's arm; Androids", "x")]
    assert terms == ["ROBOTS", "Robot", "robot", "Androids"]


def test_paragraph_windows_respect_boundaries_and_length() -> None:
    para = "word " * 30
    filler = "\n\n".join(f"{para}filler{i}." for i in range(12))
    text = f"{filler}\n\nThe robot spoke. {para}\n\n{filler}"
    hit = text.index("robot")
    spans = paragraphs(text)
    (win,) = windows(text, [hit], min_words=90, max_words=100)
    assert win.start <= hit < win.end
    assert any(a == win.start for a, _ in spans) and any(b == win.end for _, b in spans)
    assert 90 <= win.n_words <= 100


def test_overlapping_windows_are_merged_and_far_ones_kept_apart() -> None:
    para = "word " * 30
    body = [f"{para}p{i}." for i in range(20)]
    body[3] = "The robot waved. " + body[3]
    body[4] = "The robot smiled. " + body[4]
    body[16] = "The android left. " + body[16]
    text = "\n\n".join(body)
    starts = [text.index("robot waved"), text.index("robot smiled"), text.index("android")]
    wins = windows(text, starts, min_words=60, max_words=130)
    assert len(wins) == 2
    assert wins[0].start <= starts[0] and starts[1] < wins[0].end
    assert wins[0].end <= wins[1].start  # never overlapping
    assert all(w.n_words <= 130 for w in wins)


def test_an_oversized_paragraph_is_cut_at_sentences() -> None:
    sentence = "This is a plain sentence of nine words here. "
    text = sentence * 40 + "The robot said hello. " + sentence * 40
    hit = text.index("robot")
    (win,) = windows(text, [hit], min_words=20, max_words=60)
    assert win.start <= hit < win.end and win.n_words <= 60
    assert text[win.start:win.end].endswith(".")


def test_ids_are_stable_across_runs(fixture_run, tmp_path: Path) -> None:
    _, first = fixture_run
    write_workdir(tmp_path)
    again = extract(tmp_path)
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.slow
def test_workers_two_equals_workers_one(fixture_run, tmp_path: Path) -> None:
    _, one = fixture_run
    write_workdir(tmp_path)
    two = extract(tmp_path, workers=2, shard_size=2)
    pd.testing.assert_frame_equal(one, two)


def test_near_duplicate_story_in_two_collections_is_linked(fixture_run) -> None:
    _, passages = fixture_run
    a = passages[passages["work_id"] == "local:collection-a"]
    b = passages[passages["work_id"] == "local:collection-b"]
    assert len(a) == len(b) >= 1
    assert a["duplicate_of"].isna().all()
    assert list(b["duplicate_of"]) == list(a["passage_id"])
    # Other works are not linked to anything.
    others = passages[~passages["work_id"].str.startswith("local:collection")]
    assert others["duplicate_of"].isna().all()


def test_exact_duplicate_work_is_linked(tmp_path: Path) -> None:
    works = write_workdir(tmp_path, ["local:tiktok"])
    copy = works.assign(work_id="local:tiktok-reprint")
    write_table(tmp_path, "works", pd.concat([works, copy], ignore_index=True))
    passages = extract(tmp_path)
    original = passages[passages["work_id"] == "local:tiktok"]
    reprint = passages[passages["work_id"] == "local:tiktok-reprint"]
    assert list(reprint["duplicate_of"]) == list(original["passage_id"])
    assert list(reprint["text_sha256"]) == list(original["text_sha256"])


def test_dedup_keeps_distinct_texts_apart() -> None:
    a = "the android walked into the garden and looked at the roses for a long time " * 3
    b = "a storm broke over the harbour and the fishing boats ran for shelter at dusk " * 3
    keys = [Key("p_1", sha256_text(a), signature(a).tobytes()),
            Key("p_2", sha256_text(b), signature(b).tobytes())]
    assert duplicate_links(keys) == {}


def _reference_signature(text: str) -> list[int]:
    """MinHash as the dedup module documents it, one shingle and one permutation at a time."""
    words = dedup._words(text).split(b" ")
    k = min(dedup.SHINGLE, len(words))
    mask = (1 << 64) - 1
    hashes = []
    for i in range(len(words) - k + 1):
        h = 0
        for byte in b" ".join(words[i:i + k]):  # a polynomial over the shingle's bytes
            h = (h * dedup._BASE + byte) & mask
        hashes.append(h)
    return [min((int(a) * h + int(b)) & mask for h in hashes) >> 32
            for a, b in zip(dedup._A, dedup._B, strict=True)]


def test_batched_signatures_equal_the_reference_one_text_at_a_time() -> None:
    texts = ["", "!!", "robot", "the robot said", "one two three four five",
             "The Robot, Jerry, said: “No.” Çà et là — the android waited.",
             "the android walked into the garden and looked at the roses " * 20]
    batch = signatures(texts)
    assert batch.shape == (len(texts), dedup.NUM_PERM)
    for text, row in zip(texts, batch, strict=True):
        assert row.tolist() == _reference_signature(text), text
        assert signature(text).tolist() == row.tolist()
    assert signatures([]).shape == (0, dedup.NUM_PERM)


def test_damaged_text_is_reported_and_other_works_go_on(tmp_path: Path) -> None:
    works = write_workdir(tmp_path, ["local:tiktok", "local:robot-jerry"])
    text = tmp_path / works.loc[works["work_id"] == "local:tiktok", "text_path"].item()
    text.write_text(text.read_text("utf-8").replace("Tik-Tok", "Tik-Tak"), "utf-8")
    report = run_extract(tmp_path, names=NAMES, target_words=SMALL)
    assert len(report.problems) == 1
    assert "local:tiktok" in report.problems[0] and "sha256" in report.problems[0]
    passages = pd.read_parquet(tmp_path / "passages.parquet")
    assert set(passages["work_id"]) == {"local:robot-jerry"}


def test_missing_text_is_reported_and_other_works_go_on(tmp_path: Path, capsys) -> None:
    works = write_workdir(tmp_path, ["local:tiktok", "local:robot-jerry"])
    (tmp_path / works.loc[works["work_id"] == "local:tiktok", "text_path"].item()).unlink()
    report = run_extract(tmp_path, names=NAMES, target_words=SMALL)
    assert len(report.problems) == 1
    assert "local:tiktok" in report.problems[0] and "faip collect" in report.problems[0]
    assert "missing" in capsys.readouterr().err
    passages = pd.read_parquet(tmp_path / "passages.parquet")
    assert set(passages["work_id"]) == {"local:robot-jerry"}


def test_empty_works_table_is_a_clear_error(tmp_path: Path) -> None:
    works = write_workdir(tmp_path, ["local:tiktok"]).iloc[0:0]
    write_table(tmp_path, "works", works)
    with pytest.raises(UserError, match="no rows.*faip collect"):
        run_extract(tmp_path, names=NAMES)
    assert not (tmp_path / "passages.parquet").exists()


def test_missing_works_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="works"):
        run_extract(tmp_path, names=NAMES)


def test_no_passages_still_writes_a_valid_empty_table(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:clockwork"])
    passages = extract(tmp_path)
    assert passages.empty
    assert list(passages.columns) == list(PassageSchema.to_schema().columns)


def test_bad_parameters_are_user_errors(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:tiktok"])
    with pytest.raises(UserError, match="min-words"):
        run_extract(tmp_path, names=NAMES, target_words=(400, 150))
    with pytest.raises(UserError, match="min-score"):
        run_extract(tmp_path, names=NAMES, min_score=2.0)
    with pytest.raises(UserError, match="executor"):
        run_extract(tmp_path, names=NAMES, executor="spark")


def test_default_catalogue_is_loaded(tmp_path: Path) -> None:
    write_workdir(tmp_path, ["local:tiktok"])
    report = run_extract(tmp_path, target_words=SMALL)  # data/characters.csv
    assert report.n_passages >= 1


def test_names_scoped_to_another_work_never_fire() -> None:
    text = "Data was stored in the ledger. The robot counted it."
    hits = Matcher([Name("Data", "data", "local:elsewhere")]).find(text, "local:here")
    assert [h.term for h in hits] == ["robot"]
    hits = Matcher([Name("Data", "data", "local:here")]).find(text, "local:here")
    assert [h.character_id for h in hits] == ["data", None]


@pytest.mark.parametrize(("text", "flag"), [
    ("He worked like a machine and moved like an automaton all day.", "metaphor"),
    ("She was nothing but a robot to them.", "metaphor"),
    ("The pilot checked the course computer twice.", "tool"),
    ("She taught computer theory at the college.", "tool"),
    ("The chief computer at the observatory checked the logarithms.", "human_computer"),
    ("A music box with a tiny automaton on its lid.", "mechanism"),
    ("Chapter one\n\nTHE MISERLY ROBOT\n\nIt was a cold day.", "heading"),
    ("CONTENTS\n\n   7 - The Long Night\n   8 - The Robot Tackles a Task\n   9 - Home", "heading"),
    ("Farnum operated the compact computer while Bates watched the stars.", "tool"),
    ("He fed the last figures to the computer and waited.", "tool"),
    ("The red line crept along the computer-board.", "tool"),
    ("She sat in front of a digital computer all night.", "tool"),
    ('"Honestly, Ned, you\'re some kind of robot," his sister said.', "simile"),
    ("A man that tired might as well be a robot on the line.", "simile"),
    ("The old tales were full of dragons, ogres, cyborgs and giants.", "list"),
    ("They loaded crates, spare tools, robots and fuel into the hold.", "list"),
    ("The fleet sent a robot ship ahead to draw their fire.", "device"),
    ("The homing missile had an electronic brain that found its mark.", "device"),
    ("A music box, a clock, and his collection of automata filled the room.", "mechanism"),
    ("In the window the automaton bowed and went through its set motions again.", "mechanism"),
])
def test_negative_cues_flag_the_hit(text: str, flag: str) -> None:
    hits = Matcher().find(text, "local:x")
    assert hits and all(flag in h.flags for h in hits), [(h.term, h.flags) for h in hits]


@pytest.mark.parametrize("text", [
    "Just as the robots reached the door, it closed.",
    "It was a kind of android, tall and grey.",
    '"I will not," said the robot.',
    "The robot decided to stay.",
    "The ship's computer knows that something is wrong, so it has taken over.",
    "He was some kind of hero, and the robots loved him.",
    "The robots, the men and the dogs ran for the gate.",
    "The robot pilot brought the ship down itself.",
    "I am a robot.\nI think, and so I am.\nI will not stop.",
    "He counted.\n1 robot stood there and 2 more came.\nThen it rained.",
])
def test_literal_uses_are_not_flagged_negative(text: str) -> None:
    hits = Matcher().find(text, "local:x")
    assert hits and not any(h.negative for h in hits)


@pytest.mark.parametrize(("text", "expected"), [
    ("The robot decided to stay.", True),
    ('"Stay," said the robot.', True),
    ("The robot stood by the door.", False),
    ("The robot calculated the odds and refused.", True),
    ("The computer calculated the new heading.", False),
    ("The computer decided to wait.", True),
])
def test_agency(text: str, expected: bool) -> None:
    (hit,) = Matcher().find(text, "local:x")
    assert acts(text, hit) is expected


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=25),
    picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8),
    bounds=st.tuples(st.integers(min_value=5, max_value=80),
                     st.integers(min_value=0, max_value=80)),
)
def test_windows_cover_hits_without_overlap(sizes: list[int], picks: list[int],
                                            bounds: tuple[int, int]) -> None:
    min_words, extra = bounds
    max_words = min_words + extra
    text = "\n\n".join(" ".join(f"w{i}x{j}" for j in range(n)) for i, n in enumerate(sizes))
    hits = sorted({p % len(text) for p in picks if not text[p % len(text)].isspace()})
    if not hits:
        return
    wins = windows(text, hits, min_words, max_words)
    paras = paragraphs(text)

    def cut_inside_long_paragraph(pos: int) -> bool:
        return any(a < pos < b and len(text[a:b].split()) > max_words for a, b in paras)

    for hit in hits:
        assert sum(w.start <= hit < w.end for w in wins) == 1
    for w, nxt in zip(wins, wins[1:], strict=False):
        assert w.end <= nxt.start
    for w in wins:
        assert w.n_words == len(text[w.start:w.end].split())
        assert w.n_words <= max_words or "\n\n" not in text[w.start:w.end]
        # Whole paragraphs, except where a paragraph longer than max_words had to be cut.
        assert w.start in {a for a, _ in paras} or cut_inside_long_paragraph(w.start)
        assert w.end in {b for _, b in paras} or cut_inside_long_paragraph(w.end)


def _reference_links(keys: list[Key]) -> dict[str, str]:
    """Dedup as documented, one passage and one band at a time: join a passage to the first
    with its text and to the first sharing a band if similar enough; the earliest of a group
    is kept."""
    group = list(range(len(keys)))

    def merge(i: int, j: int) -> None:
        old, new = max(group[i], group[j]), min(group[i], group[j])
        group[:] = [new if g == old else g for g in group]

    first_text: dict[str, int] = {}
    for i, key in enumerate(keys):
        merge(i, first_text.setdefault(key.text_sha256, i))
    sigs = [np.frombuffer(key.signature, dtype=np.uint32) for key in keys]
    rows = dedup.NUM_PERM // dedup.BANDS
    for band in range(dedup.BANDS):
        first_band: dict[bytes, int] = {}
        for i, sig in enumerate(sigs):
            j = first_band.setdefault(sig[band * rows:(band + 1) * rows].tobytes(), i)
            if np.mean(sig == sigs[j]) >= dedup.THRESHOLD:
                merge(i, j)
    return {key.passage_id: keys[group[i]].passage_id
            for i, key in enumerate(keys) if group[i] != i}


def test_duplicate_links_equal_the_reference_grouping() -> None:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 1 << 32, size=(40, dedup.NUM_PERM), dtype=np.uint32)
    sigs, digests = [], []
    for _ in range(400):  # copies of 40 originals with 0-40% of their values changed
        sig = base[rng.integers(0, 40)].copy()
        changed = rng.random(dedup.NUM_PERM) < rng.choice([0.0, 0.1, 0.25, 0.4])
        sig[changed] = rng.integers(0, 1 << 32, size=int(changed.sum()), dtype=np.uint32)
        sigs.append(sig)
        digests.append(f"{rng.integers(0, 300):064x}")  # some exact copies share a text
    keys = [Key(f"p_{i}", d, s.tobytes()) for i, (d, s) in enumerate(zip(digests, sigs,
                                                                           strict=True))]
    links = duplicate_links(keys)
    assert links == _reference_links(keys)
    assert 100 < len(links) < 400  # both linked and unlinked passages were exercised


def test_spooled_batches_are_regrouped_into_fixed_row_groups() -> None:
    from dataset_builder.extract.sink import SCHEMA, _row_groups

    rows = [{"passage_id": f"p_{i:016x}", "work_id": "local:x", "char_start": i,
             "char_end": i + 1, "text": "x", "text_sha256": "0" * 64, "n_words": 1,
             "score": 0.5, "evidence": [], "character_ids": [], "duplicate_of": None}
            for i in range(23)]
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    batches: list[pa.RecordBatch] = []
    at = 0
    for size in (1, 7, 2, 9, 4):  # as shards arrive: uneven, none aligned with a row group
        batches += table.slice(at, size).to_batches()
        at += size
    groups = list(_row_groups(batches, 5))
    assert [g.num_rows for g in groups] == [5, 5, 5, 5, 3]
    assert pa.concat_tables(groups).equals(table)
    assert list(_row_groups([], 5)) == []


def test_an_introduced_name_counts_once_the_book_presents_it_as_an_ai() -> None:
    # Vane is a man until his mind is moved into the robot; earlier mentions of him are
    # no evidence of an AI. A catalogue name is left as the catalogue says.
    early = "Vane poured the coffee. Vane laughed at the joke and sat down.\n\n"
    weather = "The rain went on all afternoon, and nobody went out. " * 10 + "\n\n"
    reveal = "Next morning the robot, Vane, opened its eyes in the laboratory.\n"
    text = early * 3 + weather + reveal
    hits = [h for h in Matcher().find(text, "local:x") if h.kind == INTRODUCED]
    assert [("unintroduced" in h.flags) for h in hits] == [True] * 6 + [False]
    names = [Name("Vane", "vane", "local:x")]
    hits = [h for h in Matcher(names).find(text, "local:x") if h.kind == "character"]
    assert len(hits) == 7 and not any(h.negative for h in hits)


@pytest.mark.parametrize(("text", "kept"), [
    ("The computer chimed, relays snicked, and the ship slid into the dark.", False),
    ("Two computers fouled in one day! Nobody at the bureau could say why.", False),
    ("Nobody on Earth would trust a computer to make decisions about people.", True),
    ("The Great Computer cannot think; it only sorts the cards it is given.", False),
    ("The computer said the course was clear.", True),
])
def test_a_window_of_computers_needs_a_mind_or_an_act(text: str, kept: bool) -> None:
    from dataset_builder.extract.score import score_window

    hits = Matcher().find(text, "local:x")
    assert (score_window(hits, text, 0, len(text), prior=True) >= 0.5) is kept
