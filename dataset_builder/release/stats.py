"""The statistics and figures a release's card shows, computed from the released rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_builder.release import plots
from dataset_builder.release.frames import ReleaseFrames
from dataset_builder.schemas._common import arrow_cells
from dataset_builder.split.assign import SPLITS
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


# The extractor pre-fills these spans in Label Studio: agreement on them is partly agreement
# with the same suggestion.
PREFILLED = "spans:ai_mention"


def prefill_note(uptake: dict[str, Any]) -> str:
    """Why the ai_mention α is high: annotators start from the extractor's spans."""
    note = ("the extractor pre-fills these spans and annotators correct them, so agreement is "
            "inflated by the shared suggestion")
    kept, mine = uptake.get("kept_share"), uptake.get("mentions_from_suggestions_share")
    if kept is None or mine is None:
        return note
    return (f"{note}: {100 * kept:.1f}% of the {uptake.get('suggested_spans', 0):,} suggested "
            f"spans were kept unchanged, and {100 * mine:.1f}% of the annotators' mentions are "
            "unchanged suggestions")


def decade_range(counts: Counter[Any]) -> list[str]:
    """Every decade from the first to the last that has passages, empty ones included (a gap
    is a fact about the corpus), then "unknown" if some works have no year."""
    known = sorted(int(d[:-1]) for d in counts if d != "unknown")
    out = [f"{d}s" for d in range(known[0], known[-1] + 10, 10)] if known else []
    return out + (["unknown"] if counts.get("unknown") else [])


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
    if labelled.empty:  # before any human label: say so instead of tables of zeros
        for key in ("persona_distribution", "trait_distribution"):
            out[key] = "No passage has a gold label yet."
    works_by_decade = Counter(_decade(all_p.drop_duplicates("work_id")["year"]))
    passages_by_decade = Counter(_decade(all_p["year"]))
    out["by_decade"] = md_table(["decade", "works", "passages"],
                                [[d, works_by_decade[d], passages_by_decade[d]]
                                 for d in decade_range(passages_by_decade)])
    out["agreement"] = _agreement(frames, tax)
    licences = frames.works["licence"].value_counts().sort_index()
    out["licences"] = md_table(["licence", "works"], [[k, int(v)] for k, v in licences.items()])
    return out


def positive_units(frames: ReleaseFrames, tax: Taxonomy) -> dict[str, int]:
    """Per ``traits:<id>`` key, in how many passages at least one annotator chose the trait:
    a binary α resting on a handful of such passages has a degenerate bootstrap interval."""
    coders = frames.annotations
    if "adjudication" in coders:
        coders = coders[~coders["adjudication"].astype(bool)]
    counts: Counter[Any] = Counter()
    present = coders[coders["traits"].notna()] if len(coders) else coders
    if len(present):
        lists = arrow_cells(present["traits"])
        if isinstance(lists, pa.ListArray):  # Arrow cells: no Python loop over rows
            owners = pc.take(pa.array(present["passage_id"].astype(object)),
                             pc.list_parent_indices(lists))
            pairs = pd.DataFrame({"p": owners.to_numpy(zero_copy_only=False),
                                  "t": pc.list_flatten(lists).to_numpy(zero_copy_only=False)})
            counts = Counter(pairs.drop_duplicates()["t"].value_counts().to_dict())
        else:
            counts = Counter(t for _, t in {(p, t) for p, cell in zip(
                present["passage_id"], present["traits"], strict=True) for t in cell})
    return {f"traits:{t}": int(counts.get(t, 0)) for t in tax.ids("traits")}


def agreement_keys(frames: ReleaseFrames, tax: Taxonomy) -> list[str]:
    """The agreement report's keys in taxonomy order (``traits:x`` after ``traits``)."""
    return [k for f in tax.fields for k in sorted(frames.agreement)
            if k == f.id or k.startswith(f"{f.id}:")]


def interval_shown(key: str, entry: dict[str, Any], positives: dict[str, int]) -> bool:
    """Whether the 95% interval means something: not for a trait with fewer than
    MIN_POSITIVE_UNITS passages chosen by anyone (its bootstrap resamples the same few)."""
    from dataset_builder.release.facts import MIN_POSITIVE_UNITS

    if entry.get("ci_low") is None or entry.get("ci_high") is None:
        return False
    return positives.get(key, MIN_POSITIVE_UNITS) >= MIN_POSITIVE_UNITS


def _agreement(frames: ReleaseFrames, tax: Taxonomy) -> str:
    from dataset_builder.release.facts import MIN_POSITIVE_UNITS

    if frames.agreement:
        positives = positive_units(frames, tax)
        rows = []
        for f in agreement_keys(frames, tax):
            a = frames.agreement[f]
            notes = []
            if a.get("alpha") is None:
                alpha = "n/a"
                notes.append(str(a.get("reason", "not computable")))
            else:
                alpha = f"{a['alpha']:.3f}"
            if interval_shown(f, a, positives):
                ci = f"[{a['ci_low']:.3f}, {a['ci_high']:.3f}]"
            else:
                ci = "–"
                if a.get("alpha") is not None and positives.get(f, MIN_POSITIVE_UNITS) \
                        < MIN_POSITIVE_UNITS:
                    n = positives[f]
                    notes.append(f"chosen in only {n} passage{'' if n == 1 else 's'}: too few "
                                 "for α or an interval to be trusted")
            if f == PREFILLED:
                notes.append(prefill_note(frames.suggestions))
            rows.append([f, alpha, ci, a.get("units", "–"), "; ".join(notes)])
        return md_table(["field", "Krippendorff's α", "95% CI", "units", "note"], rows)
    labels = pd.concat(frames.data["passages"].values())["agreement"].dropna()
    if labels.empty:
        return "No agreement figures: no passage has two or more annotators yet."
    mean = f"{labels.mean():.3f}"
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
        "by_decade": ("Passages per decade of publication", decade_range(decades), decades),
    }
    bars = {name: (title, [str(k) for k in keys], [int(counts.get(k, 0)) for k in keys])
            for name, (title, keys, counts) in charts.items()}
    positives = positive_units(frames, tax)
    intervals: plots.Intervals = []
    for k in agreement_keys(frames, tax):
        a = frames.agreement[k]
        shown = interval_shown(k, a, positives)
        label = f"{k} (pre-filled)" if k == PREFILLED else k
        intervals.append((label, a.get("alpha"), a["ci_low"] if shown else None,
                          a["ci_high"] if shown else None))
    return bars, intervals


def figures(frames: ReleaseFrames, tax: Taxonomy) -> dict[str, bytes]:
    """PNG bytes per figure name; identical inputs give identical bytes."""
    return plots.render(*figure_data(frames, tax))
