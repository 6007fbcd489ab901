"""croissant.json: Croissant 1.0 metadata (with Responsible-AI fields) for a release folder.

Every column of every config is a field, described from ``fields.py``: list columns are
``repeated`` fields, lists of structs have sub-fields, and ClassLabel columns reference an
enumeration record set that maps each class index to its taxonomy id. A ``splits`` record set
(cr:Split) names the splits, and each record's split comes from its file name. The RAI
fields that state facts about the data are written from ``facts.Facts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from datasets import ClassLabel, Features, List, Value

from dataset_builder.release.fields import describe, describe_item
from dataset_builder.taxonomy import Taxonomy

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
          "int64": "sc:Integer", "timestamp[us, tz=UTC]": "sc:DateTime"}


def _names_set(config: str, column: str, names: list[str]) -> dict[str, Any]:
    rid = f"{config}-{column}-names"
    return {
        "@type": "cr:RecordSet", "@id": rid, "name": rid, "dataType": "sc:Enumeration",
        "description": f"The class names of {config}.{column}: index -> taxonomy id "
                      "(taxonomy.yaml in this folder defines each).",
        "key": {"@id": f"{rid}/index"},
        "field": [
            {"@type": "cr:Field", "@id": f"{rid}/index", "name": f"{rid}/index",
             "description": "Class index as stored in the column.", "dataType": "sc:Integer"},
            {"@type": "cr:Field", "@id": f"{rid}/name", "name": f"{rid}/name",
             "description": "Taxonomy id of the class.", "dataType": "sc:Text"},
        ],
        "data": [{f"{rid}/index": i, f"{rid}/name": n} for i, n in enumerate(names)],
    }


def _field(config: str, name: str, feature: object, description: str,
           enums: list[dict[str, Any]], parent: str | None = None) -> dict[str, Any]:
    """One cr:Field for a column (or a sub-field of a list of structs)."""
    fid = f"{parent or config}/{name}"
    out: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": fid,
                           "description": description}
    inner = feature
    if isinstance(inner, List):
        out["repeated"] = True
        inner = inner.feature
    if isinstance(inner, ClassLabel):
        out["dataType"] = "sc:Integer"
        if parent is None:
            enum = _names_set(config, name, list(inner.names))
            enums.append(enum)
            out["references"] = {"field": {"@id": f"{enum['@id']}/index"}}
    elif isinstance(inner, Value):
        out["dataType"] = _TYPES.get(str(inner.dtype), "sc:Text")
    elif isinstance(inner, dict):
        out["subField"] = [_field(config, k, v, describe_item(name, k), enums, parent=fid)
                           for k, v in inner.items()]
    if parent is None:
        out["source"] = {"fileSet": {"@id": f"parquet-{config}"}, "extract": {"column": name}}
    else:
        out["source"] = {"fileSet": {"@id": f"parquet-{config}"},
                         "extract": {"column": parent.split("/", 1)[1]},
                         "transform": {"jsonPath": name}}
    return out


def _split_field(config: str) -> dict[str, Any]:
    return {
        "@type": "cr:Field", "@id": f"{config}/split", "name": f"{config}/split",
        "description": "The split of the record, from its file name.",
        "dataType": ["sc:Text", "cr:Split"],
        "references": {"field": {"@id": "splits/name"}},
        "source": {"fileSet": {"@id": f"parquet-{config}"},
                   "extract": {"fileProperty": "fullpath"},
                   # The file name's split; fullpath may or may not carry a leading folder.
                   "transform": {"regex": r"^.*?/?(\w+)-\d{5}-of-\d{5}\.parquet$"}},
    }


def _splits_set(splits: list[str]) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet", "@id": "splits", "name": "splits",
        "dataType": "cr:Split", "key": {"@id": "splits/name"},
        "description": "The splits: grouped by work, stratified by persona, stable across "
                       "releases; works and characters have one train split (all rows).",
        "field": [{"@type": "cr:Field", "@id": "splits/name", "name": "splits/name",
                   "description": "Split name.", "dataType": "sc:Text"}],
        "data": [{"splits/name": s} for s in splits],
    }


def croissant(version: str, date: str, repo_url: str, description: str, citation: str,
              features: Mapping[str, Features], tax: Taxonomy, rai: Mapping[str, Any],
              creator: Mapping[str, str], licences: list[str],
              splits: Mapping[str, list[str]]) -> dict[str, Any]:
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
    for name, fmt, what in (
            ("taxonomy.yaml", "application/yaml",
             "The label taxonomy: every label field's ids, names and definitions."),
            ("codebook.md", "text/markdown",
             "The annotators' codebook: definitions, decision rules and examples per label.")):
        distribution.append({
            "@type": "cr:FileObject", "@id": name, "name": name, "description": what,
            "contentUrl": name, "containedIn": {"@id": "repo"}, "encodingFormat": fmt,
        })
    record_sets: list[dict[str, Any]] = []
    enums: list[dict[str, Any]] = []
    all_splits: list[str] = []
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
        fields = [_field(config, n, feat, describe(config, n, tax), enums)
                  for n, feat in feats.items()]
        if "split" not in feats:  # works has its own split column: its passages' split
            fields.append(_split_field(config))
        all_splits += [s for s in splits.get(config, []) if s not in all_splits]
        record_sets.append({"@type": "cr:RecordSet", "@id": config, "name": config,
                            "description": CONFIG_DESCRIPTIONS.get(config, config),
                            "field": fields})
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "fictional-ai-personas",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "description": description,
        "citeAs": citation,
        "creator": {"@type": "sc:Organization", **creator},
        "license": licences,
        "url": repo_url,
        "version": version,
        "datePublished": date,
        "keywords": ["fiction", "artificial intelligence", "personas", "AI alignment"],
        "inLanguage": "en",
        **rai,
        "distribution": distribution,
        "recordSet": [_splits_set(all_splits), *enums, *record_sets],
    }


CONFIG_DESCRIPTIONS = {
    "passages": "One row per passage: text, offsets, work, the extractor's suggestions and "
                "the aggregated human labels.",
    "annotations": "Every annotator's live labels, one row per annotation (pseudonymous).",
    "works": "One row per collected work, with the split its passages belong to.",
    "characters": "The catalogue of fictional AI characters (facts only).",
}
