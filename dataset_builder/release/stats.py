"""The statistics and figures a release's card shows, computed from the released rows."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pandas as pd

from dataset_builder.release.frames import ReleaseFrames
from dataset_builder.release.splits import SPLITS
from dataset_builder.taxonomy import Taxonomy


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _decade(years: pd.Series) -> pd.Series:
    """"1880s" per row ("unknown" without a year), vectorised."""
    numeric = pd.to_numeric(years, errors="coerce")
    decade = (numeric // 10 * 10).astype("Int64").astype("string") + "s"
    return decade.fillna("unknown").astype(object)


def _share(n: int, total: int) -> str:
    return f"{n:,} ({100 * n / total:.1f}%)" if total else "0"


def compute(frames: ReleaseFrames, tax: Taxonomy) -> dict[str, str]:
    """Markdown snippets keyed as the card's ``{{stats.*}}`` placeholders."""
    passages = {s: frames.data["passages"][s] for s in SPLITS}
    annotations = {s: frames.data["annotations"][s] for s in SPLITS}
    all_p = pd.concat(passages.values())
    per_split = [
        [s, f"{p['work_id'].nunique():,}", f"{len(p):,}", f"{int(p['persona'].notna().sum()):,}",
         f"{len(annotations[s]):,}", f"{int(p['text_withheld'].sum()):,}"]
        for s, p in passages.items()
    ]
    per_split.append(["**total**", f"{all_p['work_id'].nunique():,}", f"{len(all_p):,}",
                      f"{int(all_p['persona'].notna().sum()):,}",
                      f"{sum(len(a) for a in annotations.values()):,}",
                      f"{int(all_p['text_withheld'].sum()):,}"])
    out = {
        "passages_per_split": md_table(
            ["split", "works", "passages", "labelled passages", "annotations", "text withheld"],
            per_split),
        "total_passages": f"{len(all_p):,}",
        "total_works": f"{all_p['work_id'].nunique():,}",
        "total_annotations": f"{sum(len(a) for a in annotations.values()):,}",
        "annotators": f"{frames.annotations['annotator'].nunique():,}",
    }
    labelled = all_p[all_p["persona"].notna()]
    counts = Counter(labelled["persona"])
    out["persona_distribution"] = md_table(
        ["persona", *SPLITS, "all"],
        [[p, *(int((passages[s]["persona"] == p).sum()) for s in SPLITS),
          _share(counts[p], len(labelled))] for p in tax.ids("persona")])
    traits = Counter(t for cell in all_p["traits"].dropna() for t in cell)
    alignment = {c.id: c.alignment_relevant for c in tax.field("traits").choices}
    out["trait_distribution"] = md_table(
        ["trait", "alignment-relevant", "passages"],
        [[t, "yes" if alignment[t] else "no", _share(traits[t], len(labelled))]
         for t in tax.ids("traits")])
    decades = all_p.assign(decade=_decade(all_p["year"]))
    by_decade = decades.groupby("decade").agg(works=("work_id", "nunique"),
                                              passages=("passage_id", "size"))
    out["by_decade"] = md_table(["decade", "works", "passages"],
                                [[d, int(r.works), int(r.passages)] for d, r in
                                 by_decade.sort_index().iterrows()])
    out["agreement"] = _agreement(frames, tax)
    licences = frames.works["licence"].value_counts().sort_index()
    out["licences"] = md_table(["licence", "works"], [[k, int(v)] for k, v in licences.items()])
    return out


def _agreement(frames: ReleaseFrames, tax: Taxonomy) -> str:
    if frames.agreement:
        rows = []
        # Taxonomy order; per-choice entries such as "traits:deception" follow their field.
        keys = [k for f in tax.fields for k in sorted(frames.agreement)
                if k == f.id or k.startswith(f"{f.id}:")]
        for f in keys:
            a = frames.agreement.get(f)
            if a:
                ci = (f"[{a['ci_low']:.3f}, {a['ci_high']:.3f}]"
                      if a.get("ci_low") is not None and a.get("ci_high") is not None else "–")
                alpha = f"{a['alpha']:.3f}" if a.get("alpha") is not None else \
                    f"n/a ({a.get('reason', 'not computable')})"
                rows.append([f, alpha, ci, a.get("units", "–")])
        return md_table(["field", "Krippendorff's α", "95% CI", "units"], rows)
    labels = pd.concat(frames.data["passages"].values())["agreement"].dropna()
    mean = f"{labels.mean():.3f}" if len(labels) else "n/a"
    return ("No agreement report (`faip agreement`) was found for this release; the mean "
            f"per-passage agreement of the aggregated labels is {mean}.")


def figures(frames: ReleaseFrames, tax: Taxonomy) -> dict[str, bytes]:
    """PNG bytes per figure name; identical inputs give identical bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    all_p = pd.concat(frames.data["passages"].values())
    persona = Counter(all_p["persona"].dropna())
    traits = Counter(t for cell in all_p["traits"].dropna() for t in cell)
    decades = Counter(_decade(all_p["year"]))
    charts = {
        "persona_distribution": ("Passages per persona", tax.ids("persona"), persona),
        "trait_distribution": ("Passages per trait", tax.ids("traits"), traits),
        "by_decade": ("Passages per decade of publication", sorted(decades), decades),
    }
    out: dict[str, bytes] = {}
    with plt.rc_context({"svg.hashsalt": "faip", "font.family": "DejaVu Sans"}):
        for name, (title, keys, counts) in charts.items():
            fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(keys) + 1)), dpi=100)
            ax.barh(list(keys)[::-1], [counts.get(k, 0) for k in keys][::-1], color="#4c72b0")
            ax.set_title(title)
            ax.set_xlabel("passages")
            # Fixed margins: tight_layout costs more than the drawing itself.
            fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.5 / fig.get_figheight(),
                                bottom=0.6 / fig.get_figheight())
            out[name] = _png(fig)
        out["agreement"] = _agreement_figure(frames, tax)
    return out


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _agreement_figure(frames: ReleaseFrames, tax: Taxonomy) -> bytes:
    """Krippendorff's alpha per field with its 95% interval: reliability at a glance."""
    import matplotlib.pyplot as plt

    keys = [k for f in tax.fields for k in sorted(frames.agreement)
            if (k == f.id or k.startswith(f"{f.id}:"))
            and frames.agreement[k].get("alpha") is not None]
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(keys) + 1)), dpi=100)
    if keys:
        alphas = [frames.agreement[k]["alpha"] for k in keys][::-1]
        low = [frames.agreement[k].get("ci_low") for k in keys][::-1]
        high = [frames.agreement[k].get("ci_high") for k in keys][::-1]
        err = [[a - lo if lo is not None else 0 for a, lo in zip(alphas, low, strict=True)],
               [hi - a if hi is not None else 0 for a, hi in zip(alphas, high, strict=True)]]
        ax.errorbar(alphas, keys[::-1], xerr=err, fmt="o", color="#4c72b0", capsize=3)
        ax.axvline(0.667, color="#c44e52", linestyle="--", linewidth=1)
        ax.axvline(0.8, color="#55a868", linestyle="--", linewidth=1)
        ax.set_xlim(min([-0.05, *(lo - 0.05 for lo in low if lo is not None)]), 1.05)
    else:
        ax.text(0.5, 0.5, "no agreement report in this release", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("Krippendorff's alpha per field (95% CI; dashed: 0.667 and 0.8)")
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.5 / fig.get_figheight(),
                        bottom=0.6 / fig.get_figheight())
    return _png(fig)
