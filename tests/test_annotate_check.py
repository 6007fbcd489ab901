"""`faip annotate check`: a contribution is fit to commit, or every problem is one line."""

from __future__ import annotations

import copy
from pathlib import Path

from click.testing import CliRunner

from dataset_builder.annotate.check import CONTRIB_DIR, check_export
from dataset_builder.annotate.contributor import CONSENT_SENTENCE
from dataset_builder.cli import main
from dataset_builder.paths import project_root
from tests import release_fixtures as rf
from tests.contrib_fixtures import labels, ui_export, write

A = "c_00000000000000aa"


def _clean() -> list[dict]:
    return ui_export(A, {0: labels("dutiful_servant"), 1: labels("schemer"),
                         2: labels("companion", ("care",))})


def test_a_clean_contribution_passes(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["annotate", "check", str(write(tmp_path / "a.json",
                                                                   _clean()))])
    assert res.exit_code == 0, res.output
    assert "ok — 3 annotation(s) by 1 contributor(s) on 3 passage(s)" in res.output


def _problems(tmp_path: Path, tasks: list[dict]) -> list[str]:
    return check_export(write(tmp_path / "x.json", tasks)).problems


def test_each_problem_is_one_line(tmp_path: Path) -> None:
    tasks = _clean()
    tasks[0]["annotations"][0]["result"].append(
        {"from_name": "notes", "to_name": "text", "type": "textarea",
         "value": {"text": ["ask jane.doe@example.org"]}})
    tasks[1]["data"]["consent"] = None
    tasks[2]["annotations"][0]["result"][1]["value"]["choices"] = ["overlord"]
    found = _problems(tmp_path, tasks)
    assert len(found) == 3, found
    assert any("notes" in p and "an e-mail address" in p for p in found)
    assert any("no consent to CC-BY-4.0 (tasks 2)" in p for p in found)
    assert any("task 3:" in p and "unknown label 'overlord'" in p for p in found)
    assert not any("jane.doe" in p for p in found)  # the value itself is never repeated


def test_names_duplicates_edited_texts_and_other_taxonomies(tmp_path: Path) -> None:
    tasks = _clean()
    for t in tasks:  # the label-studio CLI export shape: names and e-mails of accounts
        t["annotations"][0]["completed_by"] = {"id": 1, "email": "", "first_name": "Jane",
                                               "last_name": ""}
    twin = copy.deepcopy(tasks[0])
    twin["id"] = 9
    twin["annotations"][0]["id"] = 9
    tasks.append(twin)
    tasks[1]["data"]["text"] = tasks[1]["data"]["text"].replace("Wren", "Finch")
    found = _problems(tmp_path, tasks)
    assert sum("a personal field (first_name)" in p for p in found) == 4
    assert any("is in 2 tasks" in p for p in found)
    assert any("annotated 2 times by the same contributor" in p for p in found)
    assert any("task 2: the text does not match its text_sha256" in p for p in found)
    other = _clean()
    for t in other:
        t["data"]["taxonomy_version"] = "9.0.0"
    assert any("taxonomy 9.0.0" in p for p in _problems(tmp_path, other))
    (tmp_path / "bad.json").write_text("[{")
    assert check_export(tmp_path / "bad.json").problems[0].startswith("not JSON")


def test_against_a_release_ids_texts_and_withheld_works(tmp_path: Path) -> None:
    rel = rf.write_release(tmp_path, n_works=3)
    released = rf.passages(3)
    rows = [released.iloc[0].to_dict(), released[released["work_id"] == rf.work_id(1)]
            .iloc[0].to_dict()]  # work 1 is copyrighted: its text is withheld
    tasks = ui_export(A, {0: labels("companion", mention=None),
                          1: labels("schemer", mention=None)}, passages=rows)
    stray = _clean()[0]  # a passage of no release
    stray["id"] = stray["annotations"][0]["id"] = 3
    tasks.append(stray)
    path = write(tmp_path / "c.json", tasks)
    res = CliRunner().invoke(main, ["annotate", "check", str(path), "--release", str(rel)])
    assert res.exit_code == 1
    assert "task 3: passage" in res.output and "is not in" in res.output
    assert "task 2: holds the text of passage" in res.output
    assert "task 1" not in res.output


def test_every_committed_contribution_passes_the_check() -> None:
    # CI: what a pull request adds under data/contrib/ must pass `faip annotate check`.
    folder = project_root() / CONTRIB_DIR
    assert (folder / "README.md").is_file()
    for path in sorted(folder.glob("*.json")):
        report = check_export(path)
        assert report.ok, "\n".join([report.summary(), *report.problems])


def test_contributing_states_the_consent_sentence_serve_records() -> None:
    text = (project_root() / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert CONSENT_SENTENCE in text and f"{CONTRIB_DIR}/" in text
    assert "faip annotate check" in text and "--agree-cc-by" in text
