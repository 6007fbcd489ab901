"""The Label Studio labeling config, generated from ``schema/taxonomy.yaml``.

The passage is shown with ``<Text>`` (never ``<HyperText>``): narrative text must never be
rendered as HTML, so a passage containing markup stays inert text. Every taxonomy id is the
``value`` of exactly one label or choice, so the annotation results carry taxonomy ids.
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
# Span colours: readable on white, distinct from each other.
_SPAN_COLOURS = ("#ffb74d", "#81d4fa", "#c5e1a5", "#f48fb1")


@dataclass(frozen=True)
class Guideline:
    """The codebook as Label Studio shows it: HTML instructions and their version."""

    html: str
    version: str


def _hint(name: str, definition: str) -> str:
    return quoteattr(f"{name}: {definition}")


def _choices(field: Field, gated: bool) -> str:
    mode = "single" if field.kind == "single" else "multiple"
    attrs = [
        f"name={quoteattr(field.id)}", f"toName={quoteattr(TEXT_KEY)}",
        f"choice={quoteattr(mode)}", 'showInline="false"',
    ]
    if field.required:
        attrs.append('required="true"')
    if gated:
        # Persona, traits, ... only make sense once an artificial mind is present.
        attrs.append('visibleWhen="choice-selected" whenTagName="ai_present" '
                     'whenChoiceValue="present"')
    lines = [f"  <Header value={quoteattr(field.name)}/>", f"  <Choices {' '.join(attrs)}>"]
    for c in field.choices:
        lines.append(f"    <Choice value={quoteattr(c.id)} hint={_hint(c.name, c.definition)}/>")
    lines.append("  </Choices>")
    return "\n".join(lines)


def _spans(field: Field) -> str:
    lines = [f"  <Labels name={quoteattr(field.id)} toName={quoteattr(TEXT_KEY)}>"]
    for i, c in enumerate(field.choices):
        colour = _SPAN_COLOURS[i % len(_SPAN_COLOURS)]
        lines.append(f"    <Label value={quoteattr(c.id)} hint={_hint(c.name, c.definition)} "
                     f"background={quoteattr(colour)}/>")
    lines.append("  </Labels>")
    return "\n".join(lines)


def _rating(field: Field) -> str:
    scale = "; ".join(f"{v} = {d}" for v, d in field.levels)
    return (f"  <Header value={quoteattr(f'{field.name} ({field.min}-{field.max})')}/>\n"
            f"  <Header value={quoteattr(scale)} size=\"6\"/>\n"
            f"  <Rating name={quoteattr(field.id)} toName={quoteattr(TEXT_KEY)} "
            f'maxRating="{field.max}" icon="star" size="medium"/>')


def labeling_config(tax: Taxonomy | None = None) -> str:
    """The labeling config XML for a taxonomy (default: the project's)."""
    tax = tax or taxonomy_mod.load()
    if any(f.kind == "rating" and f.min != 1 for f in tax.fields):
        # Label Studio's <Rating> always starts at 1; a taxonomy that does not cannot map to it.
        raise ValueError("Label Studio ratings start at 1; change the taxonomy's rating min to 1.")
    span_fields = [f for f in tax.fields if f.kind == "spans"]
    parts = [f"<View>\n  <!-- taxonomy {tax.name} {tax.version} -->"]
    parts.extend(_spans(f) for f in span_fields)
    parts.append(f"  <Text name={quoteattr(TEXT_KEY)} value={quoteattr('$' + TEXT_KEY)} "
                 'granularity="symbol"/>')
    for f in tax.fields:
        if f.kind in ("single", "multi"):
            parts.append(_choices(f, gated=f.id != "ai_present"))
        elif f.kind == "rating":
            parts.append(_rating(f))
    parts.append('  <Header value="Notes (optional)"/>\n'
                 f'  <TextArea name="notes" toName={quoteattr(TEXT_KEY)} rows="3" '
                 'maxSubmissions="1" editable="true"/>')
    parts.append("</View>")
    return "\n".join(parts) + "\n"


def guideline(tax: Taxonomy | None = None) -> Guideline:
    """The codebook rendered for Label Studio's instructions panel, with its version."""
    from dataset_builder import codebook

    tax = tax or taxonomy_mod.load()
    root = codebook.default_path()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in Path(root).glob("*")))
    return _rendered(tax, stamp)


@lru_cache(maxsize=4)
def _rendered(tax: Taxonomy, stamp: tuple[tuple[str, int], ...]) -> Guideline:
    # Rendering takes ~0.5 s; cached until a codebook file or the taxonomy changes.
    from dataset_builder import codebook

    book = codebook.load()
    return Guideline(html=codebook.render_html(book, tax), version=book.version)
