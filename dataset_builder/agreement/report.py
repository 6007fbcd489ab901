"""The agreement report: report.md, agreement.json and two PNG figures, written atomically."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from dataset_builder.agreement.compute import AgreementResult
from dataset_builder.io import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from rich.table import Table

ALPHA_FIGURE = "alpha_by_field.png"
CONFUSION_FIGURE = "persona_confusion.png"

METHOD_NOTES = """\
## How these figures are computed

- Krippendorff's alpha with the `krippendorff` package. Levels of measurement: nominal for
  ai_present, ai_role, persona, stance and outcome; one binary (nominal) alpha per trait,
  where a trait an annotator of the passage did not choose counts as 0, not missing; ordinal
  for role_model (`role_model:interval` gives the interval alpha of the same ratings).
- Spans: every character of a passage is a unit coded 0/1 (inside one of my spans of this
  label) by each annotator of the passage; the binary alpha is pooled over passages. `f1` is
  the pooled pairwise character-level F1 (Dice) between annotators of the same passage.
- Units are passages. *units* = passages with at least two values for the field; *pairable* =
  the values in those passages. Passages with one annotation are excluded from alpha.
- 95% confidence intervals: percentile bootstrap over passages (resampled with replacement,
  jointly for all fields, seeded). Each passage's coincidence matrix is computed once, so a
  replicate is a weighted sum of them and alpha follows in closed form.
- Adjudication rows are not counted (an adjudicator sees the others' answers). Agreement with
  the majority compares an annotator's single-choice answers with the unique majority of the
  other annotators of the same passage.
- "not computable" means alpha is undefined for the data (e.g. one annotator per passage, or
  no variation in values); it is never reported as a number.
"""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


ALPHA_COLUMNS = ("field", "level", "alpha", "95% CI", "units", "pairable", "note")


def alpha_rows(result: AgreementResult, *, short: bool = False) -> list[tuple[str, ...]]:
    """One row of ``ALPHA_COLUMNS`` per field, as the report and ``faip agreement`` show it;
    ``short``: a terminal's notes (short reasons, no span F1)."""
    from dataset_builder.agreement.alpha import SHORT_REASONS

    rows = []
    for name, f in result.fields.items():
        ci = "—" if f.ci_low is None else f"[{_fmt(f.ci_low)}, {_fmt(f.ci_high)}]"
        note = f.reason or ""
        if short:
            note = SHORT_REASONS.get(note, note)
        elif f.extra.get("f1") is not None:
            note = f"F1 {_fmt(f.extra['f1'])} " + note  # type: ignore[arg-type]
        rows.append((name, f.level, _fmt(f.alpha), ci, str(f.units), str(f.pairable),
                     note.strip()))
    return rows


def alpha_table(result: AgreementResult) -> Table:
    """The alpha rows as a rich Table, titled with the shared passages and annotators (what
    ``faip agreement`` and ``faip demo`` print)."""
    from rich.table import Table

    s = result.summary
    table = Table(title=f"Krippendorff's alpha — {s['passages_shared']} shared passages, "
                  f"{s['annotators']} annotators")
    for col in ALPHA_COLUMNS:
        table.add_column(col, no_wrap=col != "note")
    for row in alpha_rows(result, short=True):
        table.add_row(*row)
    return table


def markdown(result: AgreementResult) -> str:
    s = result.summary
    lines = [
        "# Inter-annotator agreement",
        "",
        f"Taxonomy {s['taxonomy_version']}; {s['rows']} live rows "
        f"({s['adjudication_rows']} adjudication); {s['passages']} passages, "
        f"{s['passages_shared']} with two or more annotators, "
        f"{s['passages_single_annotation']} with one (excluded); {s['annotators']} annotators. "
        f"Bootstrap: {s['bootstrap']} replicates, seed {s['seed']}.",
        "",
        f"![alpha by field]({ALPHA_FIGURE})",
        "",
        "| " + " | ".join(ALPHA_COLUMNS) + " |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in alpha_rows(result)]
    lines += ["", "## Annotators", "",
              "| annotator | annotations | compared | agreement with majority |",
              "|---|---:|---:|---:|"]
    for a in result.annotators:
        lines.append(f"| {a.annotator} | {a.annotations} | {a.compared} | "
                     f"{_fmt(a.agreement_with_majority)} |")
    lines += ["", "## Persona confusion between annotator pairs", "",
              "Counts of ordered pairs of different annotators of one passage (row: one "
              "annotator's persona, column: the other's).", "",
              f"![persona confusion]({CONFUSION_FIGURE})", ""]
    ids = result.persona_ids
    lines.append("| | " + " | ".join(ids) + " |")
    lines.append("|---|" + "---:|" * len(ids))
    for pid, row in zip(ids, result.persona_confusion, strict=True):
        lines.append(f"| {pid} | " + " | ".join(str(v) for v in row) + " |")
    if s.get("suggestions"):
        from dataset_builder.annotate.suggestions import markdown as suggestion_lines

        lines += ["", *suggestion_lines(s["suggestions"])]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in result.notes]
    lines += ["", METHOD_NOTES]
    return "\n".join(lines)


def _png(fig: object) -> bytes:
    buf = io.BytesIO()
    # No timestamp/software metadata: the same data gives the same bytes.
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})  # type: ignore[attr-defined]
    return buf.getvalue()


def alpha_figure(result: AgreementResult) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.fields)
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(names) + 1.2))
    for y, name in enumerate(names):
        f = result.fields[name]
        if f.alpha is None:
            ax.text(0, y, "not computable", va="center", fontsize=7, color="grey")
            continue
        err = None
        if f.ci_low is not None and f.ci_high is not None:
            err = [[f.alpha - f.ci_low], [f.ci_high - f.alpha]]
        ax.errorbar(f.alpha, y, xerr=err, fmt="o", color="C0", ecolor="C0", capsize=2, ms=4)
    ax.axvline(0.667, color="orange", lw=0.8, ls="--", label="0.667 (tentative)")
    ax.axvline(0.8, color="green", lw=0.8, ls="--", label="0.8 (reliable)")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-1.0, 1.05)
    ax.set_xlabel("Krippendorff's alpha (95% bootstrap CI)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    data = _png(fig)
    plt.close(fig)
    return data


def confusion_figure(result: AgreementResult) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = result.persona_ids
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(result.persona_confusion, cmap="Blues")
    ax.set_xticks(range(len(ids)), ids, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(ids)), ids, fontsize=7)
    ax.set_title("Persona: pairs of annotators of the same passage", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    data = _png(fig)
    plt.close(fig)
    return data


def to_json(result: AgreementResult) -> str:
    # allow_nan=False: a NaN that slipped through is a bug we want to see, not invalid JSON.
    return json.dumps(result.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_report(result: AgreementResult, out_dir: str | Path) -> Path:
    """Write report.md, agreement.json and the figures into ``out_dir``; return report.md."""
    out = Path(out_dir)
    payload = to_json(result)
    figures = {ALPHA_FIGURE: alpha_figure(result), CONFUSION_FIGURE: confusion_figure(result)}
    text = markdown(result)
    # Everything is rendered before the first write, so a failure leaves no half report.
    for name, data in figures.items():
        atomic_write_bytes(out / name, data)
    atomic_write_text(out / "agreement.json", payload)
    atomic_write_text(out / "report.md", text)
    return out / "report.md"
