"""croissant.json: Croissant 1.0 metadata (with Responsible-AI fields) for a release folder.

Record sets list the scalar and label columns of each config; list/struct columns are
documented in the README (Croissant needs sub-fields for them and adds little for users).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from datasets import ClassLabel, Features, Value

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_TYPES = {"string": "sc:Text", "bool": "sc:Boolean", "float32": "sc:Float",
          "float64": "sc:Float", "int8": "sc:Integer", "int32": "sc:Integer",
          "int64": "sc:Integer"}

RAI: dict[str, Any] = {
    "rai:dataCollection": (
        "Narratives are collected from public-domain sources (Project Gutenberg mirrors), from "
        "contributors' own files and from Hugging Face text datasets; passages in which an "
        "artificial mind appears are extracted with a lexicon and a curated catalogue of AI "
        "characters."),
    "rai:dataCollectionType": ["Web Scraping", "Manual Human Curation"],
    "rai:dataAnnotationProtocol": [
        "Annotators label each passage in Label Studio following the versioned codebook in "
        "annotation_guides/: an ai_present gate, the AI's role in the passage, one persona, "
        "any number of traits, the "
        "narrative stance, the outcome for the AI and a 1-5 role-model rating, with evidence "
        "spans."],
    "rai:dataAnnotationPlatform": ["Label Studio"],
    "rai:annotationsPerItem": "Usually two or more; n_annotators gives the count per passage.",
    "rai:annotatorDemographics": [
        "Not collected; annotators appear only as keyed-hash pseudonyms (ann_ + 12 hex)."],
    "rai:dataBiases": [
        "Skewed toward English-language, public-domain (pre-1930) fiction and toward AI "
        "characters famous enough to be catalogued; personas reflect the annotators' reading."],
    "rai:dataLimitations": [
        "Passages are excerpts: labels judge the passage, not the whole work. Texts of works "
        "whose licence forbids redistribution are withheld (text is null) and must be "
        "rehydrated from the user's own copy."],
    "rai:dataUseCases": [
        "Measuring how fiction portrays artificial minds; training and evaluating classifiers "
        "of AI personas and alignment-relevant traits; filtering or weighting pretraining "
        "data."],
    "rai:dataSocialImpact": (
        "Helps researchers study which AI personas fiction teaches language models; misuse "
        "could select for harmful personas, which the same labels make visible."),
    "rai:personalSensitiveInformation": [
        "None intended: fictional texts only; annotators are pseudonymised and the release "
        "refuses files containing e-mail addresses or tokens."],
    "rai:dataReleaseMaintenancePlan": (
        "Versioned releases (semantic versioning) tagged vX.Y.Z on the Hub; splits are stable "
        "across versions; each release has a changelog and checksums."),
}


def _field(config: str, name: str, feature: object) -> dict[str, Any] | None:
    if isinstance(feature, ClassLabel):
        dtype, description = "sc:Integer", f"Class index into {feature.names}"
    elif isinstance(feature, Value) and feature.dtype in _TYPES:
        dtype, description = _TYPES[feature.dtype], name.replace("_", " ")
    else:
        return None
    return {
        "@type": "cr:Field",
        "@id": f"{config}/{name}",
        "name": f"{config}/{name}",
        "description": description,
        "dataType": dtype,
        "source": {"fileSet": {"@id": f"parquet-{config}"}, "extract": {"column": name}},
    }


def croissant(version: str, date: str, repo_url: str, description: str, citation: str,
              features: Mapping[str, Features]) -> dict[str, Any]:
    distribution: list[dict[str, Any]] = [{
        "@type": "cr:FileObject",
        "@id": "repo",
        "name": "repo",
        "description": "The Hugging Face dataset repository at this release's tag.",
        "contentUrl": repo_url,
        "encodingFormat": "git+https",
        # Croissant's documented placeholder for a git repository (mlcommons/croissant#80).
        "sha256": "https://github.com/mlcommons/croissant/issues/80",
    }]
    record_sets = []
    for config, feats in features.items():
        distribution.append({
            "@type": "cr:FileSet",
            "@id": f"parquet-{config}",
            "name": f"parquet-{config}",
            "description": f"The parquet shards of the {config} config.",
            "containedIn": {"@id": "repo"},
            "encodingFormat": "application/x-parquet",
            "includes": f"data/{config}/*.parquet",
        })
        fields = [f for n, feat in feats.items() if (f := _field(config, n, feat))]
        record_sets.append({"@type": "cr:RecordSet", "@id": config, "name": config,
                            "description": f"The {config} config.", "field": fields})
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "fictional-ai-personas",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "description": description,
        "citeAs": citation,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": repo_url,
        "version": version,
        "datePublished": date,
        "keywords": ["fiction", "artificial intelligence", "personas", "AI alignment"],
        "inLanguage": "en",
        **RAI,
        "distribution": distribution,
        "recordSet": record_sets,
    }
