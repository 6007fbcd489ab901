"""The Label Studio labeling config, generated from ``schema/taxonomy.yaml``.

The passage is shown with ``<Text>`` (never ``<HyperText>``): narrative text must never be
rendered as HTML, so a passage containing markup stays inert text. Every taxonomy id is the
result value (``alias``) of exactly one label or choice, so the annotation results carry
taxonomy ids while the annotator reads the taxonomy's names.

The screen is laid out for a volunteer on a 1440x900 display: the passage (with the work's
title and author, and the span labels) on the left, the questions on the right, so a typical
passage needs no scrolling. The gate field (``ai_present``) comes first; every other question
(any field the taxonomy adds, too) shows only once an artificial mind is marked present, and
Label Studio does not submit the answers of a hidden question. Every choice has a hotkey.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from dataset_builder import taxonomy as taxonomy_mod
from dataset_builder.taxonomy import Field, Taxonomy

# The task data key shown to annotators and the name of the <Text> object tag.
TEXT_KEY = "text"
# Task data key of the work's "title — author" line shown above the passage.
WORK_KEY = "work"
# The gate question and the answer that opens the others.
GATE_FIELD = "ai_present"
GATE_OPEN = "present"
# Span colours: readable on white, distinct from each other.
_SPAN_COLOURS = ("#ffb74d", "#81d4fa", "#c5e1a5", "#f48fb1")
# Hotkeys, in the order Label Studio itself hands them out (it leaves out h, r and u, which
# are its own region shortcuts), then the same letters with shift: enough for 56 choices.
_PLAIN_KEYS = tuple("1234567890qwetasdfgzxcvbyiopjklnm")
_HOTKEYS = _PLAIN_KEYS + tuple(f"shift+{k}" for k in _PLAIN_KEYS if k.isalpha())

# A single-choice question with at most this many answers fits on one line with its title.
_SMALL = 4
# Two columns that fill the labelling area; the passage column keeps its place while the
# questions column is used, and choices flow in rows instead of one long column.
_STYLE = """  <Style>
    .faip-screen { display: flex; gap: 24px; align-items: flex-start; }
    .faip-passage { flex: 1 1 55%; min-width: 0; position: sticky; top: 0; }
    .faip-head { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 16px; }
    .faip-head h3 { font-size: 16px !important; margin: 0 !important; }
    .faip-text { max-height: calc(100vh - 165px); overflow-y: auto; padding-right: 8px;
                 margin-top: 6px; }
    /* Hard-wrapped lines (Gutenberg's 70 columns) reflow to the column's width; blank
       lines still part paragraphs. Display only: offsets are counted on the text. */
    .faip-text .lsf-richtext__container { font-size: 14.5px; line-height: 20px; }
    .faip-text br { display: none; }
    .faip-text .lsf-richtext__line { display: inline; padding-left: 0; }
    .faip-text .lsf-richtext__line::after { content: " "; }
    .faip-text .lsf-richtext__line:empty { display: block; height: 8px; }
    .faip-questions { flex: 1 1 45%; min-width: 0; }
    .faip-questions h4 { font-size: 14px !important; margin: 6px 0 2px 0 !important; }
    .faip-questions .lsf-choices { margin: 0 !important; line-height: 19px; }
    .faip-questions .lsf-choice__item, .faip-questions .lsf-choice { margin: 0 !important;
      padding: 0 !important; line-height: 19px; }
    .faip-questions .lsf-choice__checkbox, .faip-questions .lsf-choice__checkbox span {
      font-size: 13px; line-height: 19px; }
    .faip-questions .lsf-choice_layout_inline { margin-right: 8px !important; }
    .faip-inline { display: flex; align-items: center; gap: 8px; margin: 4px 0; }
    .faip-inline h4 { flex: 0 0 125px; margin: 0 !important; }
    .faip-scale h4 { font-size: 12px !important; font-weight: normal !important;
                     line-height: 1.35; color: #555; }
  </Style>"""


@dataclass(frozen=True)
class Guideline:
    """The codebook as Label Studio shows it: HTML instructions and their version."""

    html: str
    version: str


def hotkeys(tax: Taxonomy) -> dict[str, str]:
    """choice id -> its hotkey, in screen order (the gate's answers get 1, 2, 3)."""
    ids = [c.id for f in _ordered(tax) if f.kind != "rating" for c in f.choices]
    if len(ids) > len(_HOTKEYS):
        raise ValueError(f"{len(ids)} choices but only {len(_HOTKEYS)} hotkeys; add keys to "
                         "dataset_builder/annotate/config.py.")
    return dict(zip(ids, _HOTKEYS, strict=False))


def _ordered(tax: Taxonomy) -> list[Field]:
    """The gate first, the spans next (beside the passage), then the rest in taxonomy order."""
    gate = [f for f in tax.fields if f.id == GATE_FIELD]
    spans = [f for f in tax.fields if f.kind == "spans"]
    return gate + spans + [f for f in tax.fields if f not in gate and f not in spans]


def _hint(name: str, definition: str) -> str:
    return quoteattr(f"{name}: {definition}")


def _header(field: Field) -> str:
    return f"      <Header value={quoteattr(field.name)} size=\"5\"/>"


def _choices(field: Field, keys: dict[str, str]) -> str:
    # One answer: radio buttons; several: checkboxes. All inline, so they wrap into rows.
    mode = "single-radio" if field.kind == "single" else "multiple"
    attrs = [f"name={quoteattr(field.id)}", f"toName={quoteattr(TEXT_KEY)}",
             f"choice={quoteattr(mode)}", 'layout="inline"']
    if field.required:
        attrs.append('required="true"')
    lines = [_header(field), f"      <Choices {' '.join(attrs)}>"]
    for c in field.choices:
        lines.append(f"        <Choice value={quoteattr(c.name)} alias={quoteattr(c.id)} "
                     f"hint={_hint(c.name, c.definition)} hotkey={quoteattr(keys[c.id])}/>")
    lines.append("      </Choices>")
    if field.kind == "single" and len(field.choices) <= _SMALL:
        lines = ['      <View className="faip-inline">', *lines, "      </View>"]
    return "\n".join(lines)


def _spans(field: Field, keys: dict[str, str]) -> str:
    lines = [f"      <Labels name={quoteattr(field.id)} toName={quoteattr(TEXT_KEY)}>"]
    for i, c in enumerate(field.choices):
        colour = _SPAN_COLOURS[i % len(_SPAN_COLOURS)]
        lines.append(f"        <Label value={quoteattr(c.name)} alias={quoteattr(c.id)} "
                     f"hint={_hint(c.name, c.definition)} background={quoteattr(colour)} "
                     f"hotkey={quoteattr(keys[c.id])}/>")
    lines.append("      </Labels>")
    return "\n".join(lines)


def _rating(field: Field) -> str:
    scale = " · ".join(f"{v} = {d.rstrip('.')}" for v, d in field.levels)
    return ('      <View className="faip-inline">\n'
            f"        <Header value={quoteattr(f'{field.name} ({field.min}-{field.max})')} "
            'size="5"/>\n'
            f"        <Rating name={quoteattr(field.id)} toName={quoteattr(TEXT_KEY)} "
            f'maxRating="{field.max}" icon="star" size="medium"/>\n      </View>\n'
            '      <View className="faip-scale">\n'
            f'        <Header value={quoteattr(scale)} size="6"/>\n      </View>')


def _question(field: Field, keys: dict[str, str]) -> str:
    if field.kind in ("single", "multi"):
        return _choices(field, keys)
    if field.kind == "rating":
        return _rating(field)
    raise ValueError(f"no question layout for a {field.kind} field ({field.id})")


def labeling_config(tax: Taxonomy | None = None) -> str:
    """The labeling config XML for a taxonomy (default: the project's)."""
    tax = tax or taxonomy_mod.load()
    if any(f.kind == "rating" and f.min != 1 for f in tax.fields):
        # Label Studio's <Rating> always starts at 1; a taxonomy that does not cannot map to it.
        raise ValueError("Label Studio ratings start at 1; change the taxonomy's rating min to 1.")
    keys = hotkeys(tax)
    fields = _ordered(tax)
    gate = [f for f in fields if f.id == GATE_FIELD]
    span_fields = [f for f in fields if f.kind == "spans"]
    gated = [f for f in fields if f not in gate and f not in span_fields]
    # The work's line and the span labels share one row above the passage.
    passage = ['      <View className="faip-head">',
               f"      <Header value={quoteattr('$' + WORK_KEY)} size=\"4\"/>"]
    passage.extend(_spans(f, keys) for f in span_fields)
    passage.append("      </View>")
    passage.append('      <View className="faip-text">\n'
                   f"        <Text name={quoteattr(TEXT_KEY)} value={quoteattr('$' + TEXT_KEY)} "
                   'granularity="symbol"/>\n      </View>')
    questions = [_question(f, keys) for f in gate]
    if gated:
        questions.append(f'      <View visibleWhen="choice-selected" '
                         f"whenTagName={quoteattr(GATE_FIELD)} "
                         f"whenChoiceValue={quoteattr(GATE_OPEN)}>")
        questions.extend(_question(f, keys) for f in gated)
        questions.append("      </View>")
    # Typed notes are kept on submit without an "Add" click (transcription mode).
    questions.append(f'      <TextArea name="notes" toName={quoteattr(TEXT_KEY)} rows="1" '
                     'maxSubmissions="1" editable="true" transcription="true" '
                     'showSubmitButton="false" placeholder="Notes (optional): what made you '
                     'hesitate, which labels you weighed"/>')
    parts = [f"<View>\n  <!-- taxonomy {tax.name} {tax.version} -->", _STYLE,
             '  <View className="faip-screen">',
             '    <View className="faip-passage">', *passage, "    </View>",
             '    <View className="faip-questions">', *questions, "    </View>",
             "  </View>", "</View>"]
    return "\n".join(parts) + "\n"


def guideline(tax: Taxonomy | None = None) -> Guideline:
    """The codebook rendered for Label Studio's instructions panel, with its version."""
    from dataset_builder.project import Project

    tax = tax or taxonomy_mod.load()
    root = Project.find().codebook
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in Path(root).glob("*")))
    return _rendered(tax, stamp)


@lru_cache(maxsize=4)
def _rendered(tax: Taxonomy, stamp: tuple[tuple[str, int], ...]) -> Guideline:
    # Rendering takes ~0.5 s; cached until a codebook file or the taxonomy changes.
    from dataset_builder import codebook

    book = codebook.load()
    return Guideline(html=codebook.render_html(book, tax), version=book.version)
