"""The statistics and figures a release's card shows, computed from the released rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.release import plots
from dataset_builder.release.frames import ReleaseFrames
from dataset_builder.release.splits import SPLITS
from dataset_builder.schemas._common import arrow_cells
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


def _value_counts(values: pd.Series) -> Counter[Any]:
    """``Counter(values)`` for a column without missing values, counted by pandas."""
    return Counter({k: int(n) for k, n in values.value_counts(dropna=False).items()})


def _item_counts(cells: pd.Series) -> Counter[Any]:
    """``Counter(item for cell in cells.dropna() for item in cell)``, in Arrow for list cells."""
    present = cells.dropna()
    lists = arrow_cells(present)
    if not isinstance(lists, pa.ListArray):
        return Counter(item for cell in present for item in cell)
    counted = pc.value_counts(pc.list_flatten(lists))
    return Counter(dict(zip(counted.field("values").to_pylist(),
                            counted.field("counts").to_pylist(), strict=True)))


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
    counts = _value_counts(labelled["persona"])
    out["persona_distribution"] = md_table(
        ["persona", *SPLITS, "all"],
        [[p, *(int((passages[s]["persona"] == p).sum()) for s in SPLITS),
          _share(counts[p], len(labelled))] for p in tax.ids("persona")])
    traits = _item_counts(all_p["traits"])
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


def figure_data(frames: ReleaseFrames, tax: Taxonomy) -> tuple[plots.Bars, plots.Intervals]:
    """The counts the figures show (plain Python values, for the figure worker)."""
    all_p = pd.concat(frames.data["passages"].values())
    persona = _value_counts(all_p["persona"].dropna())
    traits = _item_counts(all_p["traits"])
    decades = Counter(_decade(all_p["year"]))
    charts = {
        "persona_distribution": ("Passages per persona", list(tax.ids("persona")), persona),
        "trait_distribution": ("Passages per trait", list(tax.ids("traits")), traits),
        "by_decade": ("Passages per decade of publication", sorted(decades), decades),
    }
    bars = {name: (title, [str(k) for k in keys], [int(counts.get(k, 0)) for k in keys])
            for name, (title, keys, counts) in charts.items()}
    keys = [k for f in tax.fields for k in sorted(frames.agreement)
            if (k == f.id or k.startswith(f"{f.id}:"))
            and frames.agreement[k].get("alpha") is not None]
    intervals = [(k, frames.agreement[k]["alpha"], frames.agreement[k].get("ci_low"),
                  frames.agreement[k].get("ci_high")) for k in keys]
    return bars, intervals


def figures(frames: ReleaseFrames, tax: Taxonomy) -> dict[str, bytes]:
    """PNG bytes per figure name; identical inputs give identical bytes."""
    return plots.render(*figure_data(frames, tax))
