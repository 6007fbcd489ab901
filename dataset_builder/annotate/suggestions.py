"""How often annotators kept the extractor's suggestions.

Suggestions (the extractor's AI-mention spans, pre-filled as Label Studio predictions) are
stored with the passages (``evidence``) and never become annotation rows; an annotator who
keeps one makes it their own answer. Their spans agree partly because they started from the
same suggestions, so the agreement report says how often that happened.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dataset_builder.annotate.export_rows import plain

MENTION = "ai_mention"


def _offsets(cells: Any, label: str | None = None) -> set[tuple[int, int]]:
    out = set()
    for item in plain(cells) or []:
        if label is None or item.get("label") == label:
            out.add((int(item["start"]), int(item["end"])))
    return out


def suggestion_uptake(live: pd.DataFrame, passages: pd.DataFrame) -> dict[str, Any]:
    """Over the live human annotations (adjudications left out) of passages that had
    suggestions: the share of suggested spans kept exactly, the share of the annotators'
    ai_mention spans that are unchanged suggestions, and how many annotations kept every
    suggestion and added none."""
    rows = live[~live["adjudication"].astype(bool)]
    suggested = {pid: _offsets(ev) for pid, ev in zip(passages["passage_id"],
                                                       passages["evidence"], strict=True)}
    offered = kept = marked = untouched = annotations = 0
    for pid, spans in zip(rows["passage_id"], rows["spans"], strict=True):
        offer = suggested.get(pid)
        if not offer:
            continue
        mine = _offsets(spans, MENTION)
        annotations += 1
        offered += len(offer)
        kept += len(offer & mine)
        marked += len(mine)
        untouched += mine == offer
    return {
        "annotations": annotations,
        "suggested_spans": offered,
        "kept_share": kept / offered if offered else None,
        "mentions_from_suggestions_share": kept / marked if marked else None,
        "kept_all_unchanged": untouched,
    }


def markdown(uptake: dict[str, Any]) -> list[str]:
    """The report section (lines)."""
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{100 * x:.1f}%"

    return [
        "## Suggestions kept", "",
        "The extractor's AI mentions are pre-filled as suggestions (Label Studio "
        "predictions); they are not annotations and are not counted above, but spans an "
        "annotator kept are that annotator's answer.", "",
        f"- annotations of passages with suggestions: {uptake['annotations']}",
        f"- suggested spans kept unchanged: {pct(uptake['kept_share'])} of "
        f"{uptake['suggested_spans']}",
        f"- annotators' ai_mention spans that are unchanged suggestions: "
        f"{pct(uptake['mentions_from_suggestions_share'])}",
        f"- annotations that kept every suggestion and marked nothing else: "
        f"{uptake['kept_all_unchanged']}",
    ]
