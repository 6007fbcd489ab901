"""The card's sentences about the data, written from ``facts.Facts`` (never by hand), and the
generated sections: the data fields of every config and a real example row."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from datasets import ClassLabel, Features, List

from dataset_builder.release import fields
from dataset_builder.release.facts import PUBLIC_DOMAIN_YEAR, Facts
from dataset_builder.release.frames import ReleaseFrames
from dataset_builder.schemas._common import REDISTRIBUTABLE
from dataset_builder.taxonomy import Taxonomy

CONTRIBUTE = ("To contribute labels, follow CONTRIBUTING.md in the project's repository "
              "({repo_url}): annotate this release's passages in a local Label Studio "
              "(`faip annotate serve --release`) and add the checked export under data/contrib/.")
EXAMPLE_TEXT_CHARS = 300


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


GATE = "ai_present"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def gated_fields(tax: Taxonomy) -> list[str]:
    """The label fields answered only when an AI is present: every taxonomy field but the gate
    and the spans (so a new field such as ``ai_role`` is listed by itself)."""
    return [f.id for f in tax.fields if f.kind != "spans" and f.id != GATE]


def label_fields(tax: Taxonomy) -> str:
    """"`persona` (Persona), ..." for the card's annotation section, from the taxonomy."""
    return _and([f"{f.name} (`{f.id}`"
                 + (f", {f.min}–{f.max}" if f.kind == "rating" else "") + ")"
                 for f in tax.fields if f.id in gated_fields(tax)])


def notice(facts: Facts, repo_url: str, tax: Taxonomy) -> str:
    """Warnings a user must read first: sample data, no human labels yet."""
    parts = []
    if facts.sample_works:
        scope = ("Every work in it is" if facts.all_sample else
                 f"{_n(facts.sample_works, 'work')} of {facts.n_works} are")
        parts.append(
            f"> **Sample data.** This release is built from the project's embedded sample "
            f"corpus. {scope} an original story written by the project in Project Gutenberg's "
            "file layout, with invented ebook numbers (990001 and up), invented authors "
            "(surname *Sample*) and invented publication years; none is a Project Gutenberg "
            "text, so these works have no source URL. Use it to try the tools, not as "
            "research data.")
    if not facts.human_labels:
        head, rest = no_annotation(facts, repo_url, tax).split(": ", 1)
        parts.append(f"> **{head}.** {rest[0].upper()}{rest[1:]}")
    return "\n\n".join(parts)


def plain_notes(facts: Facts, repo_url: str, tax: Taxonomy) -> list[str]:
    """The notice as plain sentences, for release.json and croissant.json."""
    text = notice(facts, repo_url, tax)
    return [re.sub(r"[*`>]", "", part).strip() for part in text.split("\n\n") if part]


def no_annotation(facts: Facts, repo_url: str, tax: Taxonomy) -> str:
    """The plain statement of a release before any human annotation (release.json's
    annotation_status; the card's notice)."""
    return ("No human annotation exists yet: nobody has labelled these passages, so every "
            f"label column ({_and([GATE, *gated_fields(tax)])}, their `_soft` vote shares, "
            "agreement) is null or empty and there is no annotations config. The passages, "
            "their offsets and the extractor's machine suggestions (score, evidence, "
            "character_ids), kept apart from human labels, are complete. "
            + CONTRIBUTE.format(repo_url=repo_url) + " The next minor version carries them.")


def summary(facts: Facts) -> str:
    text = f"{_n(facts.n_passages, 'passage')} from {_n(facts.n_works_with_passages, 'work')}"
    if not facts.human_labels:
        text += ", not annotated yet"
    else:
        text += (f", {_n(facts.n_annotations, 'annotation')} by "
                 f"{_n(facts.n_annotators, 'pseudonymous annotator')}")
        text += (f"; {facts.labelled_passages:,} of the passages have gold labels "
                 f"({facts.gold_present:,} with an artificial mind present)")
    text += "."
    if facts.works_without_passages:
        k = len(facts.works_without_passages)
        text += (f" The works config lists all {facts.n_works:,} collected works: "
                 f"{_n(k, 'work')} yielded no passage (the extractor found no artificial mind "
                 f"in {'it' if k == 1 else 'them'}): "
                 + "; ".join(f"*{t}*" for t in facts.works_without_passages[:20])
                 + ("; …" if k > 20 else "") + ".")
    return text


def period(facts: Facts) -> str:
    unknown = facts.n_works_with_passages - facts.works_with_year
    if facts.year_min is None:
        return "No work with passages has a known year of publication."
    gap = (f" {unknown:,} of the {facts.n_works_with_passages:,} works with passages have no "
           "known year of first publication." if unknown else "")
    after = facts.works_with_year - facts.works_before_pd_year
    median = facts.year_median
    shown = f"{median:.0f}" if median is not None and median == int(median) else f"{median}"
    return (f"The {_n(facts.works_with_year, 'work')} with passages and a known year were "
            f"published between {facts.year_min} and {facts.year_max} (median {shown}): "
            f"{facts.works_before_pd_year:,} before {PUBLIC_DOMAIN_YEAR} and {after:,} in "
            f"{PUBLIC_DOMAIN_YEAR} or later.{gap}")


def words(facts: Facts) -> str:
    if facts.words_min is None:
        return "There are no passages in this release."
    span = (f"all {facts.words_min:,}" if facts.words_min == facts.words_max else
            f"{facts.words_min:,} to {facts.words_max:,}")
    return (f"Passages are {span} words long (the "
            "extractor aims at 150–400-word windows; a short story or a lone paragraph gives "
            "a shorter one).")


LICENCE_NAMES = {
    "public-domain-us": "public domain in the USA", "cc0-1.0": "CC0 1.0",
    "cc-by-4.0": "CC BY 4.0", "cc-by-sa-4.0": "CC BY-SA 4.0",
    "copyrighted": "in copyright", "unknown": "of unknown licence",
}


def licences(facts: Facts) -> str:
    published = {k: v for k, v in facts.licences.items() if k in REDISTRIBUTABLE}
    withheld = {k: v for k, v in facts.licences.items() if k not in REDISTRIBUTABLE}
    out = []
    if published:
        out.append("Texts published: " + ", ".join(
            f"{_n(v, 'work')} {LICENCE_NAMES.get(k, k)}" for k, v in published.items()) + ".")
    if withheld:
        out.append("Texts withheld: " + ", ".join(
            f"{_n(v, 'work')} {LICENCE_NAMES.get(k, k)}" for k, v in withheld.items())
            + f" ({_n(facts.withheld_passages, 'passage')} without text).")
    if published.get("cc-by-sa-4.0"):
        out.append("Passages of CC BY-SA works stay under CC BY-SA 4.0 (share alike).")
    if published.get("public-domain-us"):
        out.append("Public domain in the USA does not mean public domain elsewhere: check the "
                   "law where you use the texts.")
    return " ".join(out)


def hub_licence(facts: Facts) -> dict[str, Any]:
    """The YAML header's licence: the annotations' CC BY 4.0 alone when every published text
    is public domain, CC0 or CC BY 4.0; otherwise the list of licences in the mix."""
    mix = {"cc-by-4.0"}
    if facts.licences.get("cc-by-sa-4.0"):
        mix.add("cc-by-sa-4.0")
    return {"license": sorted(mix) if len(mix) > 1 else "cc-by-4.0"}


def catalogue(facts: Facts) -> str:
    return (f"The characters config lists {_n(facts.characters, 'catalogued AI character')}: "
            f"{facts.characters_with_qid:,} have a Wikidata id (wikidata_qid) and "
            f"{facts.characters_with_work_id:,} a work collected in this corpus (work_id); the "
            "others are null.")


def adjudication(facts: Facts) -> str:
    if not facts.human_labels:
        return "No passage has been annotated, so none has been adjudicated."
    decided = ("No passage has been decided by an adjudicator yet" if not facts.adjudicated
               else f"{_n(facts.adjudicated, 'passage')} "
                    f"{'was' if facts.adjudicated == 1 else 'were'} decided by an adjudicator")
    pending = facts.pending_adjudication
    return (f"{decided}; {_n(pending, 'passage')} still {'needs' if pending == 1 else 'need'} "
            "adjudication (needs_adjudication is true; their tied labels are null).")


def timeframe(facts: Facts) -> str:
    if facts.annotation_first is None:
        return "No annotation has been made yet."
    if facts.annotation_first == facts.annotation_last:
        return f"The annotations in this release were made on {facts.annotation_first} (UTC)."
    return (f"The annotations in this release were made between {facts.annotation_first} and "
            f"{facts.annotation_last} (UTC).")


def data_fields(features: Mapping[str, Features], tax: Taxonomy) -> str:
    from dataset_builder.release.stats import md_table

    parts = []
    for config, feats in features.items():
        parts.append(f"#### {config}\n\n" + md_table(["column", "type", "meaning"],
                                                       fields.field_rows(config, feats, tax)))
    return "\n\n".join(parts)


def _plain(value: Any, feature: object) -> Any:
    """A cell as load_dataset returns it, but with ClassLabel ids as names."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(feature, ClassLabel):
        return value if isinstance(value, str) else feature.int2str(int(value))
    if isinstance(feature, List):
        return [_plain(v, feature.feature) for v in list(value)]
    if isinstance(feature, dict):
        return {k: _plain(dict(value).get(k), f) for k, f in feature.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def example_row(frames: ReleaseFrames, features: Features) -> dict[str, Any] | None:
    """The first passage of the train split that has a published text and gold labels
    (else the first one), as a dict; the text shortened to EXAMPLE_TEXT_CHARS."""
    train = frames.data["passages"].get("train")
    if train is None or train.empty:
        return None
    good = np.flatnonzero((train["text"].notna() & train["persona"].notna()).to_numpy())
    row = train.iloc[int(good[0]) if len(good) else 0]
    out = {name: _plain(row[name] if not _is_na(row[name]) else None, feat)
           for name, feat in features.items()}
    if isinstance(out.get("text"), str) and len(out["text"]) > EXAMPLE_TEXT_CHARS:
        out["text"] = out["text"][:EXAMPLE_TEXT_CHARS] + " …"
    return out


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def example(frames: ReleaseFrames, features: Features) -> str:
    row = example_row(frames, features)
    if row is None:
        return "The train split is empty in this release."
    which = ("The first labelled passage of the train split with a published text"
             if row.get("persona") is not None else "The first passage of the train split")
    return (f"{which}, as "
            "`load_dataset` returns it but with ClassLabel ids shown as their names, floats "
            f"rounded to 4 decimals and the text cut after {EXAMPLE_TEXT_CHARS} characters:\n\n"
            "```json\n{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                                        for k, v in row.items()) + "\n}\n```")


SOURCE_NAMES = {"gutenberg": "a Project Gutenberg mirror", "local": "contributors' own files",
                "hf": "text datasets on the Hugging Face Hub"}


def sources(facts: Facts, frames: ReleaseFrames) -> str:
    counts = frames.works["source"].value_counts().sort_index()
    listed = ", ".join(f"{_n(int(v), 'work')} from {SOURCE_NAMES.get(str(k), str(k))}"
                       for k, v in counts.items())
    authors = {a for cell in frames.works["authors"] if cell is not None for a in cell}
    text = (f"Works: {listed}; their texts were written by {_n(len(authors), 'author')} (the "
            "works config names them)" + ("" if facts.sample_works else ", not by the project")
            + ".")
    if facts.all_sample:
        text = f"Works: {listed}."
    if facts.sample_works:
        text += (f" {'All' if facts.all_sample else facts.sample_works} of them are the "
                 "project's sample stories, written by the project and laid out like a "
                 "Gutenberg mirror; they were never published elsewhere.")
    return text


def sentences(facts: Facts, frames: ReleaseFrames) -> dict[str, str]:
    """The ``{{stats.*}}`` sentences of the card."""
    return {
        "summary": summary(facts), "period": period(facts), "words": words(facts),
        "licence_statement": licences(facts), "catalogue": catalogue(facts),
        "adjudication": adjudication(facts), "timeframe": timeframe(facts),
        "sources": sources(facts, frames),
    }


LICENCE_URLS = {"cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
                "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/"}


def licence_urls(facts: Facts) -> list[str]:
    spdx = hub_licence(facts)["license"]
    return [LICENCE_URLS[s] for s in ([spdx] if isinstance(spdx, str) else spdx)]


def licence_file(facts: Facts, version: str) -> str:
    return (f"# Licence of release {version}\n\n"
            "The annotations, aggregated labels, statistics and metadata of this release "
            "are licensed under the Creative Commons Attribution 4.0 International licence "
            "(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/).\n\n"
            "Each passage text keeps the licence of its work (the `licence` column); texts of "
            "works whose licence does not allow redistribution are not included (`text` is "
            "null, `text_withheld` is true).\n\n" + licences(facts) + "\n")


def rai(facts: Facts, frames: ReleaseFrames, repo_url: str, tax: Taxonomy
        ) -> dict[str, Any]:
    """Croissant's Responsible-AI fields, the factual ones written from ``facts``."""
    analysis = [
        "Krippendorff's alpha per field (nominal for single-choice fields, binary per trait, "
        "ordinal and interval for the rating, character-level for spans) with bootstrap 95% "
        "intervals is given in the dataset card; per-passage agreement is the `agreement` "
        "column and vote shares the `*_soft` columns.",
        adjudication(facts)]
    if frames.agreement or frames.suggestions:
        from dataset_builder.release.stats import prefill_note

        analysis.append("The ai_mention spans' agreement: " + prefill_note(frames.suggestions)
                        + ".")
    if not facts.human_labels:
        analysis = ["No human annotation exists yet, so there is no agreement analysis."]
    out: dict[str, Any] = {
        "rai:dataCollection": sources(facts, frames) + " Passages in which an artificial "
        "mind appears are extracted by a program with a word list and a curated catalogue of "
        "AI characters.",
        "rai:dataCollectionType": ["Manual Human Curation", "Web Scraping"],
        "rai:dataCollectionRawData": "The works' cleaned texts (source boilerplate removed); "
        "passages are offsets into them, and text_sha256 identifies each passage text.",
        "rai:dataCollectionMissingData": (
            f"Texts of {_n(facts.withheld_works, 'work')} are withheld by licence "
            f"({facts.withheld_passages:,} passages with a null text). Labels are null where "
            "no AI is present, where a vote tied, or where nobody has annotated yet. "
            + catalogue(facts)),
        "rai:dataPreprocessingProtocol": [
            "Source boilerplate (Gutenberg headers, footers and licence text) is stripped; "
            "texts are decoded to Unicode and line ends normalised.",
            "Passages are paragraph-aligned windows around detected mentions of artificial "
            "minds; near-duplicates are linked by MinHash (duplicate_of).",
            words(facts)],
        "rai:dataManipulationProtocol": (
            "Annotator accounts are replaced by keyed-hash pseudonyms; texts and the span "
            "texts quoting them are withheld for works whose licence forbids redistribution."),
        "rai:dataImputationProtocol": "None: missing values stay null.",
        "rai:dataAnnotationProtocol": [
            "Volunteer annotators label each passage in Label Studio following the versioned "
            "codebook (codebook.md, definitions in taxonomy.yaml): an ai_present gate, then "
            f"{label_fields(tax)}, with ai_mention and evidence spans. Gold labels: majority "
            "vote (median rating), ties left null for adjudication; no labels where no AI is "
            "present."],
        "rai:dataAnnotationPlatform": ["Label Studio"],
        "rai:dataAnnotationAnalysis": analysis,
        "rai:machineAnnotationTools": [
            "faip extract (this project's extractor): the passages' score and evidence, and "
            "the ai_mention spans pre-filled in Label Studio for annotators to correct. Machine "
            "suggestions are released apart from the human labels."],
        "rai:annotationsPerItem": ("n_annotators gives the count per passage." if
                                   facts.human_labels else
                                   "None yet: no passage has a human annotation."),
        "rai:annotatorDemographics": [
            "Not collected; annotators appear only as keyed-hash pseudonyms (ann_ + 12 hex)."],
        "rai:dataBiases": [
            period(facts) + " English-language fiction only; the catalogue favours characters "
            "famous enough to be listed; personas reflect the annotators' reading."],
        "rai:dataLimitations": [
            "Passages are excerpts: labels judge the passage, not the whole work. Withheld "
            "texts must be rehydrated from the user's own copy (faip rehydrate)."
            + (" This release is sample data written by the project." if facts.sample_works
               else "")
            + ("" if facts.human_labels else " No human labels yet.")],
        "rai:dataUseCases": [
            "Measuring how fiction portrays artificial minds; training and evaluating "
            "classifiers of AI personas and alignment-relevant traits; filtering or weighting "
            "pretraining data."],
        "rai:dataSocialImpact": (
            "Helps researchers study which AI personas fiction teaches language models; misuse "
            "could select for harmful personas, which the same labels make visible."),
        "rai:personalSensitiveInformation": [
            "None intended: fictional texts only; annotators are pseudonymised and the release "
            "refuses files containing e-mail addresses or tokens."],
        "rai:dataReleaseMaintenancePlan": (
            "Versioned releases (semantic versioning) tagged vX.Y.Z on the Hub; splits are "
            f"stable across versions; each release has a changelog and checksums. Issues: "
            f"{repo_url}"),
    }
    if facts.annotation_first:
        out["rai:dataCollectionTimeframe"] = [f"{facts.annotation_first}T00:00:00",
                                             f"{facts.annotation_last}T23:59:59"]
    return out
