"""The release's README.md: a YAML header for the Hub + the hand-written card, rendered.

The header's ``configs`` and ``dataset_info`` are produced by ``datasets``' own classes
(``MetadataConfigs``, ``DatasetInfosDict``), so ``load_dataset`` reads them exactly as it
would on the Hub; the body is ``DATASET_CARD.md`` with its ``{{placeholders}}`` filled in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from datasets import DatasetInfo, Features, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from dataset_builder.errors import UserError
from dataset_builder.release.facts import Facts
from dataset_builder.release.statements import hub_licence

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
PRETTY_NAME = "Fictional AI Personas"
TAGS = ["fiction", "artificial-intelligence", "personas", "ai-alignment", "literature",
        "label-studio"]


def render(template: str, context: Mapping[str, str], source: str = "DATASET_CARD.md") -> str:
    """Fill every ``{{name}}``; an unknown name is an error naming the line and the known ones."""
    unknown = []
    for line_no, line in enumerate(template.splitlines(), start=1):
        for match in PLACEHOLDER.finditer(line):
            if match.group(1) not in context:
                unknown.append(f"line {line_no}: {{{{{match.group(1)}}}}}")
    if unknown:
        raise UserError(
            f"{source}: unknown placeholder(s) {'; '.join(unknown)}. Known placeholders: "
            f"{', '.join(sorted(context))}. Fix the spelling or remove the placeholder."
        )
    return PLACEHOLDER.sub(lambda m: context[m.group(1)], template)


def size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return label
    return "10M<n<100M"


def card_data(
    version: str,
    features: Mapping[str, Features],
    split_sizes: Mapping[str, Mapping[str, tuple[int, int]]],
    data_files: Mapping[str, Mapping[str, str]],
    download_sizes: Mapping[str, int],
    n_passages: int,
    known: Facts,
) -> DatasetCardData:
    """The YAML header: Hub metadata, ``configs`` and ``dataset_info`` (datasets' own API).

    Licence and creators follow the data: volunteers' labels are crowdsourced, the
    extractor's suggestions machine-generated; the project's sample stories are not found
    text."""
    data = DatasetCardData(
        **hub_licence(known),
        language=["en"],
        pretty_name=PRETTY_NAME,
        size_categories=[size_category(n_passages)],
        task_categories=["text-classification", "token-classification"],
        task_ids=["multi-class-classification", "multi-label-classification"],
        annotations_creators=(["crowdsourced", "machine-generated"] if known.human_labels
                              else ["machine-generated"]),
        language_creators=["other"] if known.all_sample else ["found"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
        tags=TAGS,
    )
    MetadataConfigs({
        config: {
            "data_files": [{"split": split, "path": path} for split, path in files.items()],
            **({"default": True} if config == "passages" else {}),
        }
        for config, files in data_files.items()
    }).to_dataset_card_data(data)
    infos = {}
    for config, feats in features.items():
        splits = SplitDict(dataset_name=config)
        for split, (num_examples, num_bytes) in split_sizes[config].items():
            splits.add(SplitInfo(name=split, num_bytes=num_bytes, num_examples=num_examples,
                                 dataset_name=config))
        infos[config] = DatasetInfo(
            features=feats, splits=splits, config_name=config, version=version,
            download_size=download_sizes[config],
            dataset_size=sum(b for _, b in split_sizes[config].values()),
        )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return data


def readme(header: DatasetCardData, body: str) -> str:
    return f"---\n{header.to_yaml()}\n---\n\n{body.lstrip()}"
