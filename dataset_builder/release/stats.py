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
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
            plt.close(fig)
            out[name] = buf.getvalue()
    return out
