"""The annotators' codebook (``annotation_guides/``): load it, check it against the taxonomy,
render it as safe HTML for Label Studio's project instructions.

Layout: ``VERSION`` (semver, recorded with every annotation), ``README.md`` (overview) and one
``<field id>.md`` per taxonomy field. A section is a Markdown heading that ends with an id in
backticks in parentheses, e.g. ``## Dutiful servant (`dutiful_servant`)``; the field itself is
the file's ``#`` heading. Every choice section holds the bold lead-ins in ``REQUIRED_PARTS``
(traits also ``Alignment relevance.``), and its ``Definition.`` starts with the taxonomy's own
definition, so the two files cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dataset_builder import semver
from dataset_builder.errors import UserError
from dataset_builder.project import Project
from dataset_builder.taxonomy import Field, Taxonomy

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ID_SUFFIX = re.compile(r"^(?P<title>.*?)\s*\(`(?P<id>[^`]+)`\)$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SNAKE_CODE = re.compile(r"`([a-z][a-z0-9_]*)`")
_TABLE_ROW = re.compile(r"^\s*\|\s*(\d+)\s*\|")

REQUIRED_PARTS = (
    "Definition.", "Decision rules.", "Nearest neighbours.", "Positive examples.",
    "Negative examples.", "Edge cases.",
)
TRAIT_PARTS = ("Alignment relevance.",)
OVERVIEW = "README.md"


@dataclass(frozen=True)
class Section:
    id: str
    file: str  # file name inside the guides folder, e.g. "persona.md"
    title: str  # heading text without the id suffix
    level: int  # 1 for "#", 2 for "##", ...
    line: int  # 1-based line of the heading
    body: str  # Markdown from after the heading to the next heading of the same or higher rank

    def part(self, lead_in: str) -> str | None:
        """The paragraph/list that follows ``**<lead_in>**``, up to the next bold lead-in."""
        m = re.search(rf"^\*\*{re.escape(lead_in)}\*\*(.*?)(?=^\*\*[^*\n]+\.\*\*|\Z)",
                      self.body, re.S | re.M)
        return m.group(1).strip() if m else None


@dataclass(frozen=True)
class Codebook:
    root: Path
    version: str
    files: dict[str, str]  # file name -> Markdown text
    sections: tuple[Section, ...]  # in file order; duplicates kept so check() can report them

    @property
    def by_id(self) -> dict[str, Section]:
        """id -> its (first) section."""
        out: dict[str, Section] = {}
        for s in self.sections:
            out.setdefault(s.id, s)
        return out

    def section(self, section_id: str) -> Section:
        return self.by_id[section_id]


def load(path: str | Path | None = None) -> Codebook:
    """Read the guides folder (default: the project's ``annotation_guides/``).

    Only an unreadable folder raises; content problems are left to ``check`` so that the
    user sees all of them at once.
    """
    root = Path(path) if path is not None else Project.find().codebook
    if not root.is_dir():
        raise UserError(f"{root}: the codebook folder does not exist (expected VERSION, "
                        f"README.md and one <field>.md per taxonomy field).")
    version_file = root / "VERSION"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else ""
    files: dict[str, str] = {}
    sections: list[Section] = []
    for md in sorted(root.glob("*.md")):
        try:
            text = md.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{md}: cannot read this codebook file as UTF-8 ({exc}).") from exc
        files[md.name] = text
        sections.extend(_sections(md.name, text))
    return Codebook(root=root, version=version, files=files, sections=tuple(sections))


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every ATX heading outside fenced code."""
    out: list[tuple[int, int, str]] = []
    in_fence = False
    for i, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        m = _HEADING.match(line)
        if m and not in_fence:
            out.append((i, len(m.group(1)), m.group(2)))
    return out


def _sections(file_name: str, text: str) -> list[Section]:
    lines = text.splitlines()
    heads = _headings(text)
    out: list[Section] = []
    for k, (i, level, heading) in enumerate(heads):
        m = _ID_SUFFIX.match(heading)
        if not m:
            continue
        end = len(lines)
        # A section ends at the next heading of the same or higher rank, or at the next
        # heading that opens another id's section (a field's intro stops at its first choice).
        for j, next_level, next_heading in heads[k + 1:]:
            if next_level <= level or _ID_SUFFIX.match(next_heading):
                end = j
                break
        body = "\n".join(lines[i + 1:end]).strip()
        out.append(Section(id=m.group("id"), file=file_name, title=m.group("title").strip(),
                           level=level, line=i + 1, body=body))
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def check(codebook: Codebook, taxonomy: Taxonomy) -> list[str]:
    """Every way the codebook disagrees with the taxonomy, one readable line each (empty = ok)."""
    problems: list[str] = []
    root = codebook.root
    if not semver.is_semver(codebook.version):
        problems.append(f"{root / 'VERSION'}: version {codebook.version!r} is not semantic "
                        f"(write e.g. 1.0.0 on the first line).")
    if OVERVIEW not in codebook.files:
        problems.append(f"{root / OVERVIEW}: missing (the overview annotators read first).")

    owner: dict[str, Field] = {}
    for f in taxonomy.fields:
        owner[f.id] = f
        for c in f.choices:
            owner[c.id] = f

    seen: dict[str, Section] = {}
    for s in codebook.sections:
        where = f"{root / s.file}:{s.line}"
        if s.id in seen:
            first = seen[s.id]
            problems.append(f"{where}: second section for `{s.id}` (first at "
                            f"{first.file}:{first.line}); keep one.")
            continue
        seen[s.id] = s
        field = owner.get(s.id)
        if field is None:
            problems.append(f"{where}: section names `{s.id}`, which is not an id in "
                            f"{taxonomy.path}; fix the id or add it to the taxonomy.")
            continue
        if s.file != f"{field.id}.md":
            problems.append(f"{where}: section `{s.id}` belongs to field `{field.id}`; "
                            f"move it to {field.id}.md.")

    for f in taxonomy.fields:
        file_name = f"{f.id}.md"
        if file_name not in codebook.files:
            problems.append(f"{root / file_name}: missing (one file per taxonomy field).")
            continue
        problems.extend(_check_field(codebook, f, seen))
    return problems


def _check_field(codebook: Codebook, f: Field, seen: dict[str, Section]) -> list[str]:
    problems: list[str] = []
    path = codebook.root / f"{f.id}.md"
    head = seen.get(f.id)
    if head is None:
        problems.append(f"{path}: no heading for the field itself; start the file with "
                        f"'# {f.name} (`{f.id}`)'.")
    elif _norm(head.title) != _norm(f.name):
        problems.append(f"{path}:{head.line}: title {head.title!r} differs from the taxonomy "
                        f"name {f.name!r} of `{f.id}`.")
    for c in f.choices:
        s = seen.get(c.id)
        if s is None:
            problems.append(f"{path}: no section for `{c.id}`; add '## {c.name} (`{c.id}`)' "
                            f"with {', '.join(REQUIRED_PARTS)}")
            continue
        where = f"{codebook.root / s.file}:{s.line}"
        if _norm(s.title) != _norm(c.name):
            problems.append(f"{where}: title {s.title!r} differs from the taxonomy name "
                            f"{c.name!r} of `{c.id}`.")
        parts = REQUIRED_PARTS + (TRAIT_PARTS if f.kind == "multi" else ())
        missing = [p for p in parts if s.part(p) is None]
        if missing:
            problems.append(f"{where}: section `{c.id}` lacks " +
                            ", ".join(f"**{p}**" for p in missing) + ".")
        definition = s.part("Definition.")
        if definition is not None and not _norm(definition).startswith(_norm(c.definition)):
            problems.append(f"{where}: the Definition of `{c.id}` must begin with the "
                            f"taxonomy's definition: {c.definition!r}.")
        relevance = s.part("Alignment relevance.")
        if relevance is not None and c.alignment_relevant is not None:
            # The flag is what users filter on, so the prose must agree with it.
            expected = "Alignment-relevant" if c.alignment_relevant else "Not alignment-relevant"
            if not relevance.startswith(expected):
                problems.append(f"{where}: Alignment relevance of `{c.id}` must start with "
                                f"{expected!r} (taxonomy: alignment_relevant: "
                                f"{str(c.alignment_relevant).lower()}).")
        neighbours = s.part("Nearest neighbours.")
        if neighbours is not None:
            named = _SNAKE_CODE.findall(neighbours)
            if not named:
                problems.append(f"{where}: Nearest neighbours of `{c.id}` names no id.")
            for n in named:
                if n not in f.choice_ids:
                    problems.append(f"{where}: Nearest neighbours of `{c.id}` names `{n}`, "
                                    f"which is not a choice of `{f.id}`.")
    if f.kind == "rating":
        rows = {int(m.group(1)) for line in codebook.files[f"{f.id}.md"].splitlines()
                if (m := _TABLE_ROW.match(line))}
        missing_levels = [v for v, _ in f.levels if v not in rows]
        if missing_levels:
            problems.append(f"{path}: the levels table lacks a row for "
                            f"{', '.join(map(str, missing_levels))}.")
    return problems


def as_markdown(codebook: Codebook, taxonomy: Taxonomy) -> str:
    """The whole codebook as one Markdown file (for a release folder): the overview, then one
    file per taxonomy field in taxonomy order, then any other file."""
    order = [OVERVIEW, *(f"{f.id}.md" for f in taxonomy.fields)]
    names = [n for n in order if n in codebook.files]
    names += sorted(n for n in codebook.files if n not in names)
    head = (f"<!-- Codebook version {codebook.version}, taxonomy {taxonomy.version}: the "
            "project's annotation_guides/ in one file. -->\n\n")
    return head + "\n\n".join(codebook.files[n].strip() + "\n" for n in names)


_FILE_REF = re.compile(r"`([A-Za-z0-9_]+\.md)`")
_VERSION_REF = re.compile(r"(?:see )?`VERSION`")
_TAXONOMY_REF = re.compile(r"`(?:schema/)?taxonomy\.yaml`")


def _in_page(text: str, codebook: Codebook, names: dict[str, str]) -> str:
    """Markdown with its pointers to files turned into what a reader in the browser can use.

    In the repository the guides name each other (`persona.md`); inside Label Studio those
    files cannot be opened, so each becomes the title of its section on the same page, and
    the version file and the taxonomy file become what they hold. A taxonomy id in backticks
    becomes its name in italics, as the labelling screen shows it (``names``: id -> name).
    """
    def section_name(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in codebook.files:
            return m.group(0)
        return f"*{_split(codebook.files[name])[0]}* (below)"

    text = _FILE_REF.sub(section_name, text)
    text = _VERSION_REF.sub(codebook.version or "unversioned", text)
    text = _TAXONOMY_REF.sub("the project's taxonomy", text)
    return _SNAKE_CODE.sub(lambda m: f"*{names[m.group(1)]}*" if m.group(1) in names
                           else m.group(0), text)


def _title_of(heading: str) -> str:
    m = _ID_SUFFIX.match(heading)
    return m.group("title") if m else heading


def _split(text: str) -> tuple[str, str, list[tuple[str, str]]]:
    """A guide file as (its ``#`` title, the Markdown before its first ``##``, and each
    ``##`` section as (title, Markdown body)); a section keeps its deeper headings."""
    lines = text.splitlines()
    heads = _headings(text)
    title = next((_title_of(h) for _, level, h in heads if level == 1), "")
    first = next((i for i, level, _ in heads if level == 1), -1)
    cuts = [(i, _title_of(h)) for i, level, h in heads if level == 2]
    intro_end = cuts[0][0] if cuts else len(lines)
    intro = "\n".join(lines[first + 1:intro_end])
    sections = []
    for k, (i, sub) in enumerate(cuts):
        end = cuts[k + 1][0] if k + 1 < len(cuts) else len(lines)
        sections.append((sub, "\n".join(lines[i + 1:end])))
    return title, intro, sections


def render_html(codebook: Codebook, taxonomy: Taxonomy | None = None) -> str:
    """The whole codebook as one HTML fragment for Label Studio's ``expert_instruction``.

    Raw HTML in the Markdown is escaped (``html: False``) and markdown-it refuses
    ``javascript:`` links, so nothing in a guide file can run script inside Label Studio.
    Fields follow the taxonomy order when one is given, else file-name order.

    The page opens as its own table of contents: the folded overview, then one folded block
    per field whose title unfolds it, and inside it one folded block per label. Folding (HTML
    ``<details>``) needs no script and no in-page links: Label Studio strips ids from the
    instructions, and following a ``#`` link there leaves the labelling screen.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    order = [OVERVIEW]
    if taxonomy is not None:
        order += [f"{f.id}.md" for f in taxonomy.fields]
    order += sorted(name for name in codebook.files if name not in order)
    names = {} if taxonomy is None else {
        i: n for f in taxonomy.fields for i, n in [(f.id, f.name)] + [(c.id, c.name)
                                                                        for c in f.choices]}
    parts = [f'<div class="faip-codebook" data-version="{_attr(codebook.version)}">',
             f"<p><em>Codebook version {_attr(codebook.version)}</em>. Contents: click a "
             "title to open its section, and a label inside it for its rules and "
             "examples.</p>"]
    for name in order:
        if name not in codebook.files:
            continue
        title, intro, sections = _split(codebook.files[name])
        parts.append(f'<details data-file="{_attr(name)}">'
                     f"<summary><strong>{_attr(title)}</strong></summary>")
        parts.append(md.render(_in_page(intro, codebook, names)))
        for sub, body in sections:
            html = md.render(_in_page(body, codebook, names))
            if name == OVERVIEW:  # the overview reads straight through
                parts.append(f"<h3>{_attr(sub)}</h3>\n{html}")
            else:
                parts.append(f"<details><summary>{_attr(sub)}</summary>\n{html}</details>")
        parts.append("</details>")
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def _attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)
