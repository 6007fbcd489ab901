"""What every released column means, declared once: the card's *Data Fields* tables and the
Croissant field descriptions both read it.

Label columns are described from the taxonomy (a new label field is documented by adding it
there); every other column has a sentence below. ``describe`` refuses a column it cannot
describe, so a column added to the features without a meaning fails the release tests.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from dataset_builder.errors import UserError
from dataset_builder.taxonomy import Taxonomy

_COMMON = {
    "passage_id": "Stable id of the passage: p_ + 16 hex of a hash of work_id and offsets.",
    "work_id": "Id of the work: gutenberg:<ebook number>, local:<name> or hf:<dataset>.",
    "taxonomy_version": "Version of schema/taxonomy.yaml (taxonomy.yaml in this folder) the "
                        "labels use.",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "passages": {
        **_COMMON,
        "work_title": "Title of the work (a subtitle follows a colon).",
        "authors": "Authors of the work, as the source names them.",
        "year": "Year of first publication of the work (null when unknown).",
        "licence": "Licence of the work's text: public-domain-us, cc0-1.0, cc-by-4.0, "
                   "cc-by-sa-4.0, copyrighted or unknown.",
        "char_start": "Offset (characters, 0-based) of the passage's first character in the "
                      "work's cleaned text (source boilerplate stripped).",
        "char_end": "Offset (characters) one past the passage's last character; "
                    "char_end - char_start is the text's length.",
        "text": "The passage text; null when the work's licence forbids redistribution "
                "(text_withheld).",
        "text_sha256": "SHA-256 (hex) of the passage text's UTF-8 bytes, also for withheld "
                       "texts, so a rehydrated text can be verified.",
        "text_withheld": "True when the text (and the span texts quoting it) is not published.",
        "n_words": "Number of whitespace-separated words in the passage.",
        "score": "The extractor's confidence (0 to 1) that an artificial mind appears: a "
                 "machine suggestion, not a human label.",
        "evidence": "The extractor's matches that made it propose the passage: term, kind "
                    "(lexicon = a word-list entry such as 'robot'; character = the name or "
                    "alias of a catalogued character, or a name the text introduces as an AI), "
                    "start and end offsets (characters) in the passage text. Machine "
                    "suggestions, not human labels.",
        "character_ids": "Ids of catalogue characters (characters config) named in the "
                         "passage.",
        "predicted_ai_role": "The extractor's guess of ai_role (ClassLabel, taxonomy ids), "
                             "pre-filled for annotators: a machine suggestion, not a human "
                             "label.",
        "duplicate_of": "passage_id of an earlier near-duplicate (MinHash), or null.",
        "n_annotators": "Number of annotators whose labels were aggregated (adjudicators not "
                        "counted); 0 when the passage is not annotated yet.",
        "agreement": "Share of agreeing annotator pairs over the single-choice fields, 0 to "
                     "1; null with fewer than two annotators.",
        "needs_adjudication": "True when a vote tied or agreement is below the threshold: "
                              "the tied labels are null until an adjudicator decides.",
        "label_method": "How the gold labels were made: majority, dawid_skene or adjudicated; "
                        "null when the passage has no human labels.",
    },
    "annotations": {
        **_COMMON,
        "row_id": "Id of this row of the append-only annotation history (r_ + 16 hex); an "
                  "edit in Label Studio writes a new row_id for the same annotation_id.",
        "annotation_id": "Id of the annotation in its source (Label Studio project or "
                         "import): stable across edits, so several row_ids may share it in "
                         "the history; only the live row is released.",
        "annotator": "Pseudonymous annotator id: ann_ + 12 hex of a keyed hash of the "
                     "account; no name or e-mail is published.",
        "spans": "Marked stretches of the passage text: label (ai_mention or evidence), start "
                 "and end offsets (characters) in the passage text, and the text quoted "
                 "(null when the passage text is withheld).",
        "notes": "The annotator's free-text note, or null.",
        "lead_time": "Seconds the annotator spent on the passage, as Label Studio measured "
                     "it; null when the source did not record it.",
        "created_at": "When the annotation was first submitted (UTC timestamp).",
        "updated_at": "When the annotation was last changed (UTC timestamp).",
        "adjudication": "True for an adjudicator's decision, which overrides the vote.",
        "guideline_version": "Version of the codebook (codebook.md in this folder) the "
                             "annotator followed.",
    },
    "works": {
        "work_id": _COMMON["work_id"],
        "source": "Where the text came from: gutenberg, local (a contributor's files) or hf "
                  "(a Hugging Face dataset).",
        "title": "Title of the work (a subtitle follows a colon).",
        "authors": "Authors of the work, as the source names them.",
        "year": "Year of first publication (null when unknown).",
        "language": "Language of the text (ISO 639-1).",
        "subjects": "Subject headings from the source's catalogue.",
        "source_url": "Where the work can be found; null for the project's sample stories, "
                      "which exist nowhere else.",
        "licence": "Licence of the work's text (see the passages config).",
        "released": "When the source released the text (Project Gutenberg's release date), "
                    "YYYY-MM-DD or YYYY-MM; not the year of first publication (year).",
        "metadata_from": "Where each metadata field came from, as field:source (catalogue, "
                         "rdf, header, ...).",
        "text_withheld": "True when the work's passage texts are not published.",
        "sha256": "SHA-256 (hex) of the work's cleaned text (UTF-8).",
        "n_chars": "Length of the cleaned text in characters.",
        "split": "The split the work's passages belong to (train, validation or test); a work "
                 "without passages has one too, which its passages would join later.",
    },
    "characters": {
        "character_id": "Stable id of the catalogued AI character.",
        "name": "The character's name.",
        "aliases": "Other names and descriptions the text uses for it.",
        "work_title": "Title of the work it appears in.",
        "work_id": "The work's id in this corpus, when the work is collected (else null).",
        "year": "Year of the character's first appearance.",
        "medium": "Medium of the work (novel, short story, film, ...).",
        "creator": "The work's author or creator.",
        "embodiment": "What the artificial mind is (robot, android, computer, ship mind, ...).",
        "wikidata_qid": "Wikidata item id (Q...), when known (else null).",
        "source_note": "Where the catalogue entry's facts come from.",
    },
}


# The items of list-of-struct columns (Croissant sub-fields).
SUBFIELDS: dict[str, dict[str, str]] = {
    "evidence": {
        "term": "The matched words as they appear in the passage.",
        "kind": "What matched: lexicon (a word-list entry) or character (a catalogued or "
                "introduced AI name).",
        "start": "Offset (characters) of the match's first character in the passage text.",
        "end": "Offset (characters) one past the match's last character.",
    },
    "spans": {
        "label": "ai_mention (words naming an AI character) or evidence (words that justify "
                 "a label).",
        "start": "Offset (characters) of the span's first character in the passage text.",
        "end": "Offset (characters) one past the span's last character.",
        "text": "The words marked (null when the passage text is withheld).",
    },
}


def describe_item(column: str, key: str) -> str:
    text = SUBFIELDS.get(column, {}).get(key)
    if text is None:
        raise UserError(f"release: {column}.{key} has no description; add one to "
                        "dataset_builder/release/fields.py.")
    return text


def _label(tax: Taxonomy, config: str, name: str) -> str | None:
    field_ids = {f.id for f in tax.fields}
    base = name.removesuffix("_soft")
    if base not in field_ids:
        return None
    f = tax.field(base)
    if name.endswith("_soft"):
        of = "choice" if f.kind == "single" else "trait"
        return (f"Vote shares for {base}: the i-th value is the share of the passage's "
                f"annotators who chose the i-th {of} (ClassLabel order; a field some "
                "annotators left blank sums to less than 1).")
    what = f"{f.name}: {f.definition}"
    if f.kind == "rating":
        scale = f"{f.min}-{f.max} rating"
        if config == "passages":
            return (f"{what} The median of the annotators' {scale}s (x.5 for an even "
                    "count); null where no AI is present or nobody rated.")
        return f"{what} This annotator's {scale}."
    if config == "passages":
        rule = ("majority vote (null on a tie)" if f.kind == "single"
                else "the traits more than half of the annotators chose")
        gate = "" if f.id == "ai_present" else " Null (empty) unless ai_present is present."
        return f"{what} Gold label: {rule}.{gate}"
    return f"{what} This annotator's answer."


def describe(config: str, name: str, tax: Taxonomy) -> str:
    text = _label(tax, config, name) or DESCRIPTIONS.get(config, {}).get(name)
    if text is None:
        raise UserError(f"release: column {config}.{name} has no description; add one to "
                        "dataset_builder/release/fields.py.")
    return text


def type_of(feature: object) -> str:
    """A short type for the card: string, int32, ClassLabel, list of ..., struct."""
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({feature.num_classes} names)"
    if isinstance(feature, Value):
        return str(feature.dtype)
    if isinstance(feature, List):
        return f"list of {type_of(feature.feature)}"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{k}: {type_of(v)}" for k, v in feature.items()) + "}"
    return type(feature).__name__


def field_rows(config: str, features: Features, tax: Taxonomy) -> list[list[str]]:
    return [[f"`{name}`", type_of(feat), describe(config, name, tax).replace("|", "\\|")]
            for name, feat in features.items()]
