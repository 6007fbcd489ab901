"""A volunteer's path through the real Label Studio web page, in headless Chromium.

`faip annotate serve` (a relative --workdir, as CONTRIBUTING says) starts the server; the
browser logs in, opens the task list (no internal columns), starts labelling, sees the
codebook, answers the gate, a persona and two traits, marks one span and submits, with
every action counted and nothing scrolled to; the web page's own JSON export is then
imported and the labels are found in the work dir. Bad input: a browser closed mid-task
(the draft survives, and import says it was never submitted), and a port already taken.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from label_studio_sdk import LabelStudio

from dataset_builder import paths
from dataset_builder.annotate import ls_server as lss
from dataset_builder.annotate import pseudonym
from dataset_builder.cli import main
from dataset_builder.tables import read_annotations
from tests.browser_fixtures import VIEWPORT, Actions, chromium
from tools.ls_template import LOGIN, ensure_template

pytestmark = pytest.mark.label_studio
PROJECT = "Screen test"
SCREENSHOT_ENV = "FAIP_SCREENSHOT"  # also save the labelling screen there (for the docs)
# What a volunteer does on one passage here: gate, persona, two traits, span label, drag,
# submit. The issue measured about 17 (and 3-4 screens of scrolling) before.
ACTIONS_PER_PASSAGE = 7


@dataclass
class Served:
    url: str
    port: int
    root: Path
    client: LabelStudio
    project_id: int
    log: Path


def _copy_template(workdir: Path) -> None:
    # The initialised template, so the test does not wait a minute for `label-studio init`.
    base = workdir / "label-studio"
    shutil.copytree(ensure_template(lss.find_ls_bin()), base,
                    ignore=shutil.ignore_patterns("*.log", "READY"))
    (base / "login.json").write_text(json.dumps(LOGIN.__dict__) + "\n")


def _env() -> dict[str, str]:
    return {**os.environ, "FAIP_NO_PROGRESS": "1", pseudonym.KEY_ENV: "browser-test-key"}


def _serve_args(workdir: str, port: int) -> list[str]:
    return [sys.executable, "-m", "dataset_builder", "annotate", "serve", "-w", workdir,
            "--limit", "4", "--port", str(port), "--project", PROJECT, "--agree-cc-by"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from dataset_builder.collect.gutenberg import collect_gutenberg
    from dataset_builder.extract import run_extract

    root = tmp_path_factory.mktemp("volunteer")
    work = root / "work" / "mine"
    collect_gutenberg(str(paths.SAMPLE_MIRROR), work, delay=0)
    run_extract(work)
    _copy_template(work)
    port = lss.free_port()
    log = root / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(_serve_args("work/mine", port), cwd=root, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL)
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            m = re.search(r"running at (http://127\.0\.0\.1:\d+)", log.read_text())
            url = m.group(1) if m else None
            time.sleep(0.3)
        assert url, log.read_text()
        client = LabelStudio(base_url=url, api_key=LOGIN.token)
        project = next(p for p in client.projects.list() if p.title == PROJECT)
        yield Served(url, port, root, client, int(project.id), log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _log_in(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", LOGIN.username)
    page.fill("input[name=password]", LOGIN.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "the login was refused"
    return page


def _start_labelling(page: Any, served: Served) -> None:
    page.goto(f"{served.url}/projects/{served.project_id}/data")
    page.get_by_role("button", name="Label All Tasks").click()
    # The codebook opens first: a table of contents of folded sections.
    page.get_by_text("Labeling Instructions").wait_for()
    page.locator("summary").get_by_text("Persona", exact=True).click()
    page.locator("summary").get_by_text("Schemer", exact=True).wait_for()
    page.keyboard.press("Escape")
    page.locator(".faip-text").wait_for()


def _word_box(page: Any, word: str) -> dict[str, float]:
    """Where ``word`` is drawn in the passage (its first whole occurrence in a text node)."""
    box = page.evaluate("""word => {
      const walk = document.createTreeWalker(document.querySelector('.faip-text'),
                                             NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walk.nextNode())) {
        const i = node.textContent.search(new RegExp('\\\\b' + word + '\\\\b'));
        if (i >= 0) {
          const range = document.createRange();
          range.setStart(node, i); range.setEnd(node, i + word.length);
          const r = range.getBoundingClientRect();
          return {x: r.left, y: r.top, width: r.width, height: r.height};
        }
      }
      return null; }""", word)
    assert box is not None, f"{word!r} is not shown in the passage"
    return box


def _a_plain_word(text: str, taken: list[tuple[int, int]]) -> str:
    """A word of the passage, away from the pre-filled mentions, that occurs once."""
    for m in re.finditer(r"\b[a-z]{6,}\b", text):
        if (text.count(m.group(0)) == 1
                and all(m.end() < a or m.start() > b for a, b in taken)):
            return m.group(0)
    raise AssertionError("no plain word to mark in the passage")


def _import(export: Path, workdir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["annotate", "import", str(export), "-w", str(workdir)],
                                env={pseudonym.KEY_ENV: "browser-test-key"})
    return result.exit_code, result.output + (result.stderr or "")


def test_a_volunteer_labels_a_passage_in_the_web_page_and_the_export_imports(
        served: Served, tmp_path: Path, record_property: Any) -> None:
    with chromium() as browser:
        page = _log_in(browser, served.url)
        page.goto(f"{served.url}/projects/{served.project_id}/data")
        page.get_by_text("Label All Tasks").wait_for()
        columns = page.locator("body").inner_text()
        for internal in ("text_sha256", "char_start", "passage_id", "guideline_version",
                         "contributor"):
            assert internal not in columns, f"the task list shows {internal}"
        assert "work" in columns and "text" in columns

        _start_labelling(page, served)
        task = next(t for t in served.client.tasks.list(project=served.project_id)
                    if not t.annotations)
        text = task.data["text"]
        assert task.data["work"] in page.locator(".faip-passage").inner_text()  # title, author
        # The gate is the volunteer's to answer; the questions behind it are hidden until then.
        present = page.locator('input[name="Present"]')
        assert not present.is_checked()
        persona = page.locator('input[name="Dutiful servant"]')
        assert not persona.is_visible()
        mentions = [(r["value"]["start"], r["value"]["end"])
                    for p in served.client.predictions.list(task=task.id) for r in p.result
                    if r["from_name"] == "spans"]
        word = _a_plain_word(text, mentions)

        acts = Actions(page)
        acts.click(present, "gate: Present")
        acts.click(persona, "persona: Dutiful servant")
        acts.click(page.locator('input[name="Obedience"]'), "trait: Obedience")
        acts.click(page.locator('input[name="Honesty"]'), "trait: Honesty")
        acts.click(page.locator(".lsf-label", has_text="Evidence").first, "span label: Evidence")
        acts.drag_over(_word_box(page, word), f"the word {word!r}")
        # Text and questions side by side, all on the screen: nothing scrolls.
        shown, room = page.locator(".faip-text").evaluate(
            "e => [e.scrollHeight, e.clientHeight]")
        assert shown <= room, f"a {len(text.split())}-word passage needs scrolling"
        submit = page.get_by_test_id("bottombar-submit-button")
        bottom = page.locator(".faip-questions").evaluate(
            "e => e.getBoundingClientRect().bottom")
        assert bottom <= submit.bounding_box()["y"], "the last question is below the fold"
        page.screenshot(path=str(tmp_path / "labelling-screen.png"))
        if os.environ.get(SCREENSHOT_ENV):
            page.screenshot(path=os.environ[SCREENSHOT_ENV])
        with page.expect_response(lambda r: "/annotations" in r.url
                                  and r.request.method == "POST"):
            acts.click(submit, "Submit")
        print(f"actions per passage: {acts.count} ({'; '.join(acts.log)})")
        record_property("actions_per_passage", acts.count)
        assert acts.count == ACTIONS_PER_PASSAGE

        # The web page's own export (Export -> JSON), as CONTRIBUTING tells volunteers.
        page.goto(f"{served.url}/projects/{served.project_id}/data")
        page.get_by_role("button", name="Export").first.click()
        page.get_by_text("JSON-MIN").wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name="Export").last.click()
        export = tmp_path / "export.json"
        download.value.save_as(export)

    code, out = _import(export, tmp_path / "maintainer")
    assert code == 0, out
    rows = read_annotations(tmp_path / "maintainer" / "annotations")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["passage_id"] == task.data["passage_id"] and row["ai_present"] == "present"
    assert row["persona"] == "dutiful_servant"
    assert list(row["traits"]) == ["honesty", "obedience"]  # taxonomy order
    evidence = [s for s in row["spans"] if s["label"] == "evidence"]
    assert [s["text"] for s in evidence] == [word]
    assert text[evidence[0]["start"]:evidence[0]["end"]] == word
    # The extractor's suggested mentions were kept by the volunteer.
    assert {(s["start"], s["end"]) for s in row["spans"] if s["label"] == "ai_mention"} == \
        set(mentions)


def test_absent_hides_the_other_questions_and_their_answers_are_not_kept(
        served: Served, tmp_path: Path) -> None:
    with chromium() as browser:
        page = _log_in(browser, served.url)
        _start_labelling(page, served)
        rating = page.locator(".faip-questions h4", has_text="Role model for an AI assistant")
        assert not rating.is_visible()
        page.locator('input[name="Present"]').click()
        assert rating.is_visible()
        page.locator('input[name="Schemer"]').click()
        page.locator('input[name="Deception"]').click()
        page.locator('input[name="Absent"]').click()  # changed their mind
        assert not rating.is_visible() and not page.locator('input[name="Schemer"]').is_visible()
        with page.expect_response(lambda r: "/annotations" in r.url
                                  and r.request.method == "POST") as posted:
            page.get_by_test_id("bottombar-submit-button").click()
        result = posted.value.json()["result"]
    # Hidden questions are not submitted; the pre-filled mentions are, and import drops them.
    assert {r["from_name"] for r in result} == {"ai_present", "spans"}
    export = tmp_path / "export.json"
    export.write_text(json.dumps(served.client.projects.exports.as_json(served.project_id)))
    code, out = _import(export, tmp_path / "maintainer")
    assert code == 0, out
    assert "answer ai_present=absent but mark spans" in " ".join(out.split())
    rows = read_annotations(tmp_path / "maintainer" / "annotations")
    absent = rows[rows["ai_present"] == "absent"].iloc[0]
    assert len(absent["spans"]) == 0 and pd.isna(absent["persona"])
    assert len(absent["traits"]) == 0


def test_a_browser_closed_mid_task_keeps_the_draft_and_import_says_so(
        served: Served, tmp_path: Path) -> None:
    with chromium() as browser:
        page = _log_in(browser, served.url)
        _start_labelling(page, served)
        passage = page.locator(".faip-text").inner_text()
        page.locator('input[name="Present"]').click()
        page.locator('input[name="Schemer"]').click()
        page.locator(".lsf-label", has_text="Evidence").first.click()
        word = re.findall(r"\b[a-z]{6,}\b", passage)[0]
        with page.expect_request(lambda r: "/drafts" in r.url, timeout=30_000):
            Actions(page).drag_over(_word_box(page, word), word)  # Label Studio autosaves
    # The browser is gone mid-task: nothing was submitted for that passage.
    tasks = {t.id: t for t in served.client.tasks.list(project=served.project_id)}
    drafted = [t for t in tasks.values() if t.drafts and not t.annotations]
    assert len(drafted) == 1
    export = tmp_path / "export.json"
    export.write_text(json.dumps(
        served.client.projects.exports.as_json(served.project_id)))
    code, out = _import(export, tmp_path / "maintainer")
    assert code == 0, out
    pid = drafted[0].data["passage_id"]
    assert (f"1 passage(s) have a draft that was never submitted (e.g. {pid}): open them in "
            "Label Studio, press Submit") in " ".join(out.split())
    # Opening the task again restores the answers from the draft.
    with chromium() as browser:
        page = _log_in(browser, served.url)
        page.goto(f"{served.url}/projects/{served.project_id}/data?task={drafted[0].id}")
        page.locator(".faip-text").wait_for()
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => document.querySelector('input[name=\"Present\"]')?.checked === true")


def test_a_server_already_on_the_port_is_one_line(served: Served, tmp_path: Path) -> None:
    other = tmp_path / "work" / "theirs"
    shutil.copytree(served.root / "work" / "mine", other,
                    ignore=shutil.ignore_patterns("label-studio"))
    _copy_template(other)
    out = subprocess.run(_serve_args("work/theirs", served.port), cwd=tmp_path, env=_env(),
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                         check=False)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"error: port {served.port} on 127.0.0.1 is in use; pick another "
                      "with --port."], out.stderr
