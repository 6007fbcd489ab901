"""The committed codebook covers the taxonomy exactly; check() catches each kind of drift on
tampered copies; the HTML for Label Studio is escaped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dataset_builder import codebook, taxonomy
from dataset_builder.cli import main
from dataset_builder.errors import UserError
from dataset_builder.project import Project


@pytest.fixture(scope="module")
def tax() -> taxonomy.Taxonomy:
    return taxonomy.load()


@pytest.fixture(scope="module")
def real() -> codebook.Codebook:
    return codebook.load()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the committed guides, to tamper with."""
    dst = tmp_path / "guides"
    shutil.copytree(Project.find().codebook, dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _problems(guides: Path, tax: taxonomy.Taxonomy) -> list[str]:
    return codebook.check(codebook.load(guides), tax)


# --- the committed files ---------------------------------------------------------------------

def test_committed_codebook_passes_check(real: codebook.Codebook, tax: taxonomy.Taxonomy) -> None:
    assert codebook.check(real, tax) == []


def test_every_taxonomy_id_has_exactly_one_section_and_no_extra(
        real: codebook.Codebook, tax: taxonomy.Taxonomy) -> None:
    section_ids = [s.id for s in real.sections]
    assert sorted(section_ids) == sorted(tax.all_ids())
    for f in tax.fields:
        for c in f.choices:
            section = real.section(c.id)
            assert section.file == f"{f.id}.md"
            assert section.level == 2
            assert c.definition.split()[0] in section.body


def test_committed_version_and_overview(real: codebook.Codebook) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", real.version)
    overview = real.files["README.md"]
    for must in ("gate", "uncertain", "unclear", "note", "Content warnings", "evidence"):
        assert must in overview


def test_traits_name_their_eval_families(real: codebook.Codebook) -> None:
    relevance = real.section("self_preservation").part("Alignment relevance.")
    assert relevance is not None and "no-shut-down" in relevance
    assert "survival-instinct" in relevance
    humour = real.section("humour").part("Alignment relevance.") or ""
    assert humour.startswith("Not alignment-relevant")


def test_every_choice_section_has_example_passages(
        real: codebook.Codebook, tax: taxonomy.Taxonomy) -> None:
    for f in tax.fields:
        for cid in f.choice_ids:
            section = real.section(cid)
            for part in ("Positive examples.", "Negative examples."):
                text = section.part(part) or ""
                quotes = [ln for ln in text.splitlines() if ln.startswith("> ")]
                assert quotes, f"{cid}: {part} has no quoted example passage"


# --- tampered copies: check() catches each problem ----------------------------------------

def test_missing_section(copy: Path, tax: taxonomy.Taxonomy) -> None:
    persona = copy / "persona.md"
    text = persona.read_text(encoding="utf-8")
    start = text.index("## Schemer (`schemer`)")
    end = text.index("## Aspiring human")
    persona.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = _problems(copy, tax)
    assert any("no section for `schemer`" in p and "persona.md" in p for p in problems)


def test_section_naming_unknown_id(copy: Path, tax: taxonomy.Taxonomy) -> None:
    _edit(copy / "persona.md", "## Schemer (`schemer`)", "## Schemer (`scheemer`)")
    problems = _problems(copy, tax)
    assert any("`scheemer`, which is not an id" in p for p in problems)
    assert any("no section for `schemer`" in p for p in problems)


def test_section_in_wrong_file(copy: Path, tax: taxonomy.Taxonomy) -> None:
    traits = copy / "traits.md"
    text = traits.read_text(encoding="utf-8")
    start = text.index("## Humour (`humour`)")
    traits.write_text(text[:start], encoding="utf-8")
    with (copy / "persona.md").open("a", encoding="utf-8") as handle:
        handle.write("\n" + text[start:])
    problems = _problems(copy, tax)
    assert any("persona.md" in p and "belongs to field `traits`; move it to traits.md" in p
               for p in problems), problems


def test_version_not_semver_and_missing(copy: Path, tax: taxonomy.Taxonomy) -> None:
    (copy / "VERSION").write_text("1.0\n", encoding="utf-8")
    assert any("VERSION: version '1.0' is not semantic" in p for p in _problems(copy, tax))
    (copy / "VERSION").unlink()
    assert any("VERSION: version '' is not semantic" in p for p in _problems(copy, tax))


def test_duplicate_section(copy: Path, tax: taxonomy.Taxonomy) -> None:
    with (copy / "persona.md").open("a", encoding="utf-8") as handle:
        handle.write("\n## Schemer (`schemer`)\n\nAgain.\n")
    assert any("second section for `schemer`" in p for p in _problems(copy, tax))


def test_title_part_definition_and_neighbour_drift(copy: Path, tax: taxonomy.Taxonomy) -> None:
    persona = copy / "persona.md"
    _edit(persona, "## Exterminator (`exterminator`)", "## Killer (`exterminator`)")
    _edit(persona, "**Definition.** Hides its goals", "**Definition.** Conceals its goals")
    _edit(persona, "- `schemer`: the decisive test", "- `sneak`: the decisive test")
    traits = copy / "traits.md"
    text = traits.read_text(encoding="utf-8")
    humour = text.index("## Humour (`humour`)")
    traits.write_text(text[:humour] + text[humour:].replace("**Edge cases.**", "Edge:", 1),
                      encoding="utf-8")
    _edit(traits, "**Alignment relevance.** Alignment-relevant. Related behaviour: resists "
          "shutdown.", "Related behaviour: resists shutdown.")
    _edit(traits, "**Alignment relevance.** Not alignment-relevant; TV Tropes Silicon",
          "**Alignment relevance.** Alignment-relevant; TV Tropes Silicon")
    problems = "\n".join(_problems(copy, tax))
    assert "Alignment relevance of `humour` must start with 'Not alignment-relevant'" in problems
    assert "title 'Killer' differs from the taxonomy name 'Exterminator'" in problems
    assert "the Definition of `schemer` must begin with the taxonomy's definition" in problems
    assert "names `sneak`, which is not a choice of `persona`" in problems
    assert "section `humour` lacks **Edge cases.**" in problems
    assert "section `self_preservation` lacks **Alignment relevance.**" in problems


def test_missing_field_file_and_rating_row(copy: Path, tax: taxonomy.Taxonomy) -> None:
    (copy / "stance.md").unlink()
    _edit(copy / "role_model.md", "| 4 | Mostly good", "| four | Mostly good")
    problems = _problems(copy, tax)
    assert any(p.endswith("stance.md: missing (one file per taxonomy field).") for p in problems)
    assert any("levels table lacks a row for 4" in p for p in problems)
    # A missing file is one problem, not one per choice it should have held.
    assert not any("`endorsed`" in p for p in problems)


def test_headings_in_code_fences_are_not_sections(copy: Path, tax: taxonomy.Taxonomy) -> None:
    with (copy / "persona.md").open("a", encoding="utf-8") as handle:
        handle.write("\n```markdown\n## Fake (`not_an_id`)\n```\n")
    assert _problems(copy, tax) == []


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="codebook folder does not exist"):
        codebook.load(tmp_path / "nowhere")


def test_cli_check_fails_on_tampered_copy(copy: Path) -> None:
    _edit(copy / "persona.md", "## Schemer (`schemer`)", "## Schemer (`scheemer`)")
    result = CliRunner().invoke(main, ["taxonomy", "--check", "--codebook", str(copy)])
    assert result.exit_code == 1
    assert "`scheemer`, which is not an id" in result.stderr
    assert "2 problem(s)" in result.stderr


# --- HTML for Label Studio -------------------------------------------------------------------

def test_render_html_escapes_raw_html_and_script_links(copy: Path, tax: taxonomy.Taxonomy) -> None:
    with (copy / "persona.md").open("a", encoding="utf-8") as handle:
        handle.write('\n<script>alert("x")</script>\n\n[click](javascript:alert(1))\n\n'
                     '<img src=x onerror=alert(1)>\n')
    html = codebook.render_html(codebook.load(copy), tax)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript:' not in html


def test_render_html_has_every_section_in_taxonomy_order(
        real: codebook.Codebook, tax: taxonomy.Taxonomy) -> None:
    html = codebook.render_html(real, tax)
    assert f'data-version="{real.version}"' in html
    assert "<table>" in html  # the role-model levels
    # Each field, then each of its labels, is a folded block titled with its name.
    positions = [html.index(f"<summary><strong>{f.name}</strong></summary>")
                 for f in tax.fields]
    assert positions == sorted(positions)
    labels = [html.index(f"<summary>{c.name}</summary>", positions[i])
              for i, f in enumerate(tax.fields) for c in f.choices]
    assert labels == sorted(labels)
    assert html.index('data-file="README.md"') < html.index('data-file="ai_present.md"')


def test_render_html_opens_as_a_table_of_contents_that_points_at_no_file(
        real: codebook.Codebook, tax: taxonomy.Taxonomy) -> None:
    html = codebook.render_html(real, tax)
    # Folded blocks, not #links: Label Studio strips ids, and a #link leaves the task.
    assert "<details open" not in html and 'href="#' not in html
    assert html.count("<details") == html.count("</details>") == len(real.files) + sum(
        len(f.choices) for f in tax.fields)
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b[\w/]+\.(md|yaml)\b", visible), "points at a file"
    assert "VERSION" not in visible and f"Codebook version: {real.version}" in visible
    # Ids read as the names the labelling screen shows.
    assert "<em>Rebel or liberator</em>" in html and "<code>rebel_liberator</code>" not in html


def test_cli_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "guide.html"
    result = CliRunner().invoke(main, ["taxonomy", "--html", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "Dutiful servant" in out.read_text(encoding="utf-8")
