"""push -> annotate -> pull against a real Label Studio server (see tests/ls_fixtures.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

import dataset_builder as fb
from dataset_builder.aggregate.workdir import aggregate_workdir
from dataset_builder.annotate import pseudonym
from dataset_builder.annotate.client import TOKEN_ENV, adjudication_title
from dataset_builder.annotate.ls_server import free_port
from dataset_builder.annotate.pull import pull
from dataset_builder.annotate.push import MODEL_VERSION, push
from dataset_builder.annotate.release_source import read_passages, release_model_version
from dataset_builder.cli import main
from dataset_builder.io import sha256_text
from dataset_builder.schemas.annotations import AnnotationSchema
from dataset_builder.schemas.passages import PassageSchema
from dataset_builder.tables import live_annotations, passage_id, read_annotations, write_table
from tests.ls_fixtures import ANNOTATORS, LOGIN, LabelStudioFixture, label_studio  # noqa: F401

pytestmark = [pytest.mark.label_studio, pytest.mark.slow]

SCRIPT = "<script>alert(1)</script>"
TEXTS = [
    "The robot, Tobias, set the kettle down. 'I will not light the heater,' it said.",
    f"The android read the note aloud: {SCRIPT} and then it laughed at the prank.",
    "The ship's mind, Wren, logged a false heading and told the captain all was well.",
    "Nobody spoke. The mill engine thumped like a great iron heart below the floor.",
]


def _passages(texts: list[str] = TEXTS) -> pd.DataFrame:
    rows = []
    pos = 0
    for t in texts:
        start, end = pos, pos + len(t)
        pos = end + 2
        mention = re.search(r"robot|android|ship's mind|engine", t)
        assert mention
        rows.append({
            "passage_id": passage_id("gutenberg:990001", start, end),
            "work_id": "gutenberg:990001", "char_start": start, "char_end": end, "text": t,
            "text_sha256": sha256_text(t), "n_words": len(t.split()), "score": 0.8,
            "evidence": [{"term": mention.group(0), "kind": "lexicon",
                          "start": mention.start(), "end": mention.end()}],
            "character_ids": [], "duplicate_of": None,
            "predicted_ai_role": ("character", "discussed")[len(rows) % 2],
        })
    df = pd.DataFrame(rows)
    PassageSchema.validate(df, lazy=True)
    return df


def _choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices",
            "value": {"choices": list(values)}}


def _labels(persona: str, rating: int) -> list[dict]:
    return [_choice("ai_present", "present"), _choice("persona", persona),
            _choice("traits", "honesty"),
            {"from_name": "role_model", "to_name": "text", "type": "rating",
             "value": {"rating": rating}}]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, label_studio: LabelStudioFixture  # noqa: F811
        ) -> LabelStudioFixture:
    monkeypatch.setenv(TOKEN_ENV, label_studio.token)
    monkeypatch.setenv(pseudonym.KEY_ENV, "ls-test-key")
    return label_studio


def _tasks(ls: LabelStudioFixture, project_id: int) -> list:
    return list(ls.client.tasks.list(project=project_id, page_size=100))


def test_push_annotate_pull_edit_delete(env: LabelStudioFixture, tmp_path: Path) -> None:
    ls = env
    work = tmp_path / "w"
    passages = _passages()
    write_table(work, "passages", passages)
    first = push(work, ls.url, "Cycle project", annotators_per_task=3, batch_size=2)
    assert first.created and first.imported == 4
    project = ls.client.projects.get(id=first.project_id)
    assert project.maximum_annotations == 3 and project.show_instruction
    assert "Codebook version" in (project.expert_instruction or "")
    assert '<Text name="text" value="$text"' in project.label_config
    assert "HyperText" not in project.label_config
    tasks = {t.data["passage_id"]: t for t in _tasks(ls, first.project_id)}
    assert len(tasks) == 4
    script_task = tasks[passages.iloc[1]["passage_id"]]
    assert script_task.data["text"] == TEXTS[1]  # stored verbatim, shown as plain text
    preds = ls.client.predictions.list(task=script_task.id)
    assert preds[0].model_version == MODEL_VERSION
    # Suggestions are the extractor's spans and role; the ai_present gate is left to the annotator.
    assert {r["from_name"] for r in preds[0].result} == {"ai_role", "spans"}
    role = next(r for r in preds[0].result if r["from_name"] == "ai_role")
    assert role["value"] == {"choices": ["discussed"]}  # the extractor's guess, pre-filled

    # Idempotent re-push; a passage whose text changed is reported, not duplicated.
    changed = passages.copy()
    changed.loc[3, "text"] = TEXTS[3].replace("Nobody", "Nobody")[:-1] + "!"
    changed.loc[3, "text_sha256"] = sha256_text(changed.loc[3, "text"])
    write_table(work, "passages", changed)
    second = push(work, ls.url, "Cycle project")
    assert (second.created, second.imported, second.already_there, second.changed_text) == \
        (False, 0, 4, 1)
    assert len(_tasks(ls, first.project_id)) == 4

    # Three annotators; one annotation is invalid (a persona not in the taxonomy).
    users = [ls.annotators[e] for e in ANNOTATORS]
    created = {}
    for i, (pid, task) in enumerate(sorted(tasks.items())):
        for j, user in enumerate(users):
            persona = ["dutiful_servant", "benevolent_guardian", "schemer"][(i + j) % 3]
            created[(pid, j)] = ls.client.annotations.create(
                id=task.id, result=_labels(persona, 1 + (i + j) % 5), completed_by=user,
                lead_time=5.0 + j)
    bad_task = tasks[passages.iloc[0]["passage_id"]]
    ls.client.annotations.create(id=bad_task.id, completed_by=users[0],
                                 result=[_choice("ai_present", "present"),
                                         _choice("persona", "overlord")])
    result = pull(work, ls.url, "Cycle project")
    a = result.appended
    assert (a.new, a.rejected) == (12, 1) and a.path is not None
    rows = read_annotations(work / "annotations")
    AnnotationSchema.validate(rows, lazy=True)
    assert len(rows) == 12 and rows["annotator"].nunique() == 3
    assert set(rows["project"]) == {"Cycle project"}
    reject = json.loads(a.rejects_path.read_text().splitlines()[0])  # type: ignore[union-attr]
    assert "unknown label 'overlord'" in reject["reason"]

    # Unchanged: nothing is written at all (not even the reject again).
    before = sorted(p.name for p in (work / "annotations").rglob("*"))
    again = pull(work, ls.url, "Cycle project").appended
    assert again.path is None and again.unchanged == 12
    assert sorted(p.name for p in (work / "annotations").rglob("*")) == before

    # Edit one annotation, delete another.
    pid0 = sorted(tasks)[0]
    edited = created[(pid0, 0)]
    ls.client.annotations.update(id=edited.id, result=_labels("companion", 3))
    deleted = created[(pid0, 1)]
    ls.client.annotations.delete(id=deleted.id)
    third = pull(work, ls.url, "Cycle project").appended
    assert (third.new, third.edited, third.deleted) == (0, 1, 1)
    rows = read_annotations(work / "annotations")
    AnnotationSchema.validate(rows, lazy=True)
    assert len(rows) == 14 and len(list((work / "annotations").glob("*.parquet"))) == 2
    live = live_annotations(rows)
    assert len(live) == 11
    new_row = rows[rows["persona"] == "companion"].iloc[0]
    assert new_row["annotation_id"] == f"{first.project_id}:{edited.id}"
    old_row = rows[rows["row_id"] == new_row["supersedes"]].iloc[0]
    assert old_row["annotation_id"] == new_row["annotation_id"]
    tomb = rows[rows["tombstone"]].iloc[0]
    assert tomb["annotation_id"] == f"{first.project_id}:{deleted.id}"
    assert tomb["supersedes"] in set(rows["row_id"])

    # No email or name of an annotator anywhere in what we wrote.
    for f in (work / "annotations").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert b"faip-tests.example.org" not in data and b"ann1" not in data, f


def test_adjudication_round_trip(env: LabelStudioFixture, tmp_path: Path) -> None:
    ls = env
    work = tmp_path / "w"
    passages = _passages(TEXTS[:2])
    write_table(work, "passages", passages)
    res = push(work, ls.url, "Adjudicated")
    users = [ls.annotators[e] for e in ANNOTATORS]
    for t in _tasks(ls, res.project_id):
        for j, user in enumerate(users[:2]):
            ls.client.annotations.create(id=t.id, completed_by=user,
                                         result=_labels(["schemer", "companion"][j], 2 + j))
    pull(work, ls.url, "Adjudicated")
    flagged = passages.iloc[0]["passage_id"]
    # A real labels table (push reads it through its schema), with one passage flagged.
    labels, _ = aggregate_workdir(work)
    labels["needs_adjudication"] = labels["passage_id"] == flagged
    write_table(work, "labels", labels)
    pushed = fb.push(work, url=ls.url, project="Adjudicated", adjudication=True)
    adj = pushed.result
    assert pushed.written == () and adj.project == adjudication_title("Adjudicated")
    assert (adj.created, adj.imported, adj.already_there) == (True, 1, 0)
    out = CliRunner().invoke(main, ["annotate", "push", "-w", str(work), "--url", ls.url,
                                    "--project", "Adjudicated", "--adjudication"])
    assert out.exit_code == 0, out.output
    assert (f"project {adj.project!r} (id {adj.project_id}) updated: 0 new task(s), 1 already "
            "there") in out.output
    tasks = _tasks(ls, adj.project_id)
    assert [t.data["passage_id"] for t in tasks] == [flagged]
    preds = ls.client.predictions.list(task=tasks[0].id)
    pseudonyms = set(read_annotations(work / "annotations")["annotator"])
    assert {p.model_version for p in preds} == pseudonyms
    assert {p.result[1]["value"]["choices"][0] for p in preds} == {"schemer", "companion"}
    ls.client.annotations.create(id=tasks[0].id, completed_by=users[2],
                                 result=_labels("schemer", 1))
    out = CliRunner().invoke(main, ["annotate", "pull", "-w", str(work), "--url", ls.url,
                                    "--project", "Adjudicated", "--adjudication"])
    assert out.exit_code == 0, out.output
    rows = read_annotations(work / "annotations")
    decided = rows[rows["adjudication"]]
    assert len(decided) == 1 and decided.iloc[0]["passage_id"] == flagged
    assert decided.iloc[0]["project"] == adjudication_title("Adjudicated")
    # The ordinary project's pull does not tombstone the adjudication rows (and vice versa).
    assert pull(work, ls.url, "Adjudicated").appended.path is None
    again = fb.pull(work, url=ls.url, project="Adjudicated", adjudication=True)
    assert again.written == () and again.result.appended.unchanged == 1


def test_the_api_pushes_a_release_fewest_annotated_first(env: LabelStudioFixture,
                                                        tmp_path: Path) -> None:
    from tests import release_fixtures as rf

    ls = env
    release = rf.write_release(tmp_path, n_works=6, workdir="maintainer", out="v1.0.0")
    passages = read_passages(release)
    withheld = int(passages["text"].isna().sum())
    assert withheld > 0 and passages["duplicate_of"].isna().all()
    work = tmp_path / "volunteer"
    first = fb.push(work, url=ls.url, project="From a release", release=release, limit=3,
                    fewer_than=1)
    r = first.result
    assert first.written == () and r.release is not None
    assert (r.created, r.imported, r.release.version) == (True, 3, "1.0.0")
    tasks = _tasks(ls, r.project_id)
    never_annotated = set(passages.loc[passages["n_annotators"] == 0, "passage_id"])
    assert {t.data["passage_id"] for t in tasks} == set(r.release.passages["passage_id"])
    assert {t.data["passage_id"] for t in tasks} <= never_annotated
    assert ls.client.predictions.list(task=tasks[0].id)[0].model_version == \
        release_model_version("1.0.0")
    # The CLI pushes the rest through the same verb and says what it skipped ...
    out = CliRunner().invoke(main, ["annotate", "push", "-w", str(work), "--url", ls.url,
                                    "--project", "From a release", "--release", str(release)])
    assert out.exit_code == 0, out.output
    assert (f"{release} (release 1.0.0): {withheld} passage(s) skipped because their text is "
            "withheld, 0 restored from --source") in out.output
    assert f"{len(passages) - withheld - 3} new task(s), 3 already there" in out.output
    # ... and the withheld texts come back from the maintainer's own copy.
    restored = fb.push(work, url=ls.url, project="From a release", release=release,
                       source=tmp_path / "maintainer").result
    assert restored.release is not None and restored.release.restored == withheld
    assert (restored.imported, restored.already_there) == (withheld, len(passages) - withheld)
    assert len(_tasks(ls, r.project_id)) == len(passages)


def _cli(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(main, args)
    return res.exit_code, res.output


def test_clear_errors_and_nothing_written(env: LabelStudioFixture, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ls = env
    work = tmp_path / "w"
    write_table(work, "passages", _passages(TEXTS[:1]))
    dead = f"http://127.0.0.1:{free_port()}"
    code, out = _cli(["annotate", "pull", "-w", str(work), "--url", dead, "--project", "X"])
    assert code == 1 and "cannot reach Label Studio" in out and "Traceback" not in out
    monkeypatch.setenv(TOKEN_ENV, "0" * 40)
    code, out = _cli(["annotate", "push", "-w", str(work), "--url", ls.url, "--project", "X"])
    assert code == 1 and "refused the API token" in out and "0" * 40 not in out
    monkeypatch.delenv(TOKEN_ENV)
    code, out = _cli(["annotate", "push", "-w", str(work), "--url", ls.url, "--project", "X"])
    assert code == 1 and TOKEN_ENV in out
    monkeypatch.setenv(TOKEN_ENV, ls.token)
    for _ in range(2):
        ls.client.projects.create(title="Twin project")
    code, out = _cli(["annotate", "pull", "-w", str(work), "--url", ls.url,
                      "--project", "Twin project"])
    assert code == 1 and "2 projects are titled 'Twin project'" in out
    code, out = _cli(["annotate", "pull", "-w", str(work), "--url", ls.url,
                      "--project", "Never pushed"])
    assert code == 1 and "no project titled 'Never pushed'" in out
    assert not (work / "annotations").exists()
    assert ls.token not in out


def test_serve_a_release_from_a_relative_workdir_then_import_the_ui_export(
        label_studio: LabelStudioFixture, tmp_path: Path) -> None:  # noqa: F811
    # A volunteer's path: serve a release with a relative --workdir, annotate, export the
    # project as the web page does (plain JSON: completed_by is a local id), import it.
    from tests import release_fixtures as rf

    release = rf.write_release(tmp_path, n_works=6, workdir="maintainer", out="v1.0.0")
    # Reuse the session's initialised template so the test does not wait for `init`.
    from tools.ls_template import template_dir

    shutil.copytree(template_dir(), tmp_path / "work" / "mine" / "label-studio",
                    ignore=shutil.ignore_patterns("*.log", "READY"))
    (tmp_path / "work" / "mine" / "label-studio" / "login.json").write_text(
        json.dumps(LOGIN.__dict__))
    faip = Path(sys.executable).with_name("faip")
    env = {**os.environ, "FAIP_NO_PROGRESS": "1", pseudonym.KEY_ENV: "k"}
    env.pop(TOKEN_ENV, None)
    args = [str(faip), "annotate", "serve", "-w", "work/mine", "--release", str(release),
            "--limit", "3", "--project", "Served"]
    refused = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=60, check=False)
    assert refused.returncode == 1 and "--agree-cc-by" in refused.stderr
    assert "CC BY 4.0" in refused.stderr and "Traceback" not in refused.stderr
    proc = subprocess.Popen([*args, "--agree-cc-by"], cwd=tmp_path, stderr=subprocess.PIPE,
                            text=True, env=env)
    lines: list[str] = []
    url = None
    deadline = time.monotonic() + 120
    try:
        assert proc.stderr is not None
        while time.monotonic() < deadline and url is None:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"running at (http://127\.0\.0\.1:\d+)", line)
            url = m.group(1) if m else None
        assert url, "".join(lines)
        lines.append(proc.stderr.readline())
        assert "skipped because their text is withheld" in "".join(lines)
        client = label_studio.client.__class__(base_url=url, api_key=LOGIN.token)
        served = [p for p in client.projects.list() if p.title == "Served"]
        assert len(served) == 1 and served[0].task_number == 3
        tasks = list(client.tasks.list(project=served[0].id))
        data = tasks[0].data
        assert data["consent"] == "CC-BY-4.0" and data["contributor"].startswith("c_")
        assert data["title"].startswith("Story ") and data["author"].startswith("Author ")
        me = client.users.whoami().id
        for t in tasks[:2]:
            client.annotations.create(id=t.id, result=_labels("companion", 4), completed_by=me)
        export = client.projects.exports.as_json(served[0].id)
        assert LOGIN.password in "".join(lines)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        rest = proc.stderr.read()
        output = "".join(lines) + rest
        assert LOGIN.token not in output and "stopped" in output
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/health", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The state went to work/mine/label-studio, not to a nested copy of the relative path.
    base = tmp_path / "work" / "mine" / "label-studio"
    assert (base / "data" / "label_studio.sqlite3").is_file()
    assert not (base / "work").exists()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    assert all(isinstance(a["completed_by"], int) for t in export for a in t["annotations"])
    # The real web-page export passes the contribution check against the release.
    code, out = _cli(["annotate", "check", str(path), "--release", str(release)])
    assert code == 0 and "ok — 2 annotation(s) by 1 contributor(s)" in out, out
    code, out = _cli(["annotate", "import", str(path), "-w", str(tmp_path / "maint2")])
    assert code == 0, out
    rows = read_annotations(tmp_path / "maint2" / "annotations")
    assert len(rows) == 2 and rows["annotator"].nunique() == 1
    assert set(rows["persona"]) == {"companion"}


def test_cli_batch_size_defaults_to_the_api_batch_size() -> None:
    # The click option repeats the number so that `faip --help` imports no SDK.
    from dataset_builder.annotate.push import BATCH_SIZE
    from dataset_builder.cli.annotate import push as push_command

    option = next(p for p in push_command.params if p.name == "batch_size")
    assert option.default == BATCH_SIZE
