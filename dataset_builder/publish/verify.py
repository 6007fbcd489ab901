"""Re-check a release folder, or a published revision ``ORG/NAME@vX.Y.Z``.

Checks: every file against CHECKSUMS; every parquet file's schema against the features the
README declares (ClassLabel names included); and every config loaded with
``datasets.load_dataset``, whose split sizes must equal the README's ``dataset_info``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataset_builder.errors import UserError
from dataset_builder.release import checksums

_REMOTE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<rev>v\d+\.\d+\.\d+|[\w./-]+)$")


@dataclass
class VerifyReport:
    target: str
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _declared(folder: Path) -> dict[str, object]:
    from datasets import DatasetInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard

    readme = folder / "README.md"
    if not readme.exists():
        raise UserError(f"{readme}: not found; is {folder} a release folder?")
    data = DatasetCard.load(readme).data
    infos: dict[str, DatasetInfo] = DatasetInfosDict.from_dataset_card_data(data)
    return dict(infos)


def verify_folder(folder: Path, label: str | None = None) -> VerifyReport:
    from datasets import DatasetInfo, Features, load_dataset

    report = VerifyReport(label or str(folder))
    report.problems += checksums.mismatches(folder)
    infos = _declared(folder)
    with tempfile.TemporaryDirectory(prefix="faip-verify-") as cache:
        for config, info in infos.items():
            assert isinstance(info, DatasetInfo)
            for shard in sorted((folder / "data" / config).glob("*.parquet")):
                try:
                    schema = pq.read_schema(shard)
                except (pa.ArrowException, OSError) as exc:
                    report.problems.append(f"data/{config}/{shard.name}: not a readable "
                                           f"parquet file ({exc})")
                    continue
                if info.features is None or b"huggingface" not in (schema.metadata or {}) \
                        or Features.from_arrow_schema(schema) != info.features \
                        or not schema.equals(info.features.arrow_schema):
                    report.problems.append(f"data/{config}/{shard.name}: schema differs from "
                                           "the features declared in README.md")
            try:
                loaded = load_dataset(str(folder), config, cache_dir=cache,
                                      verification_mode="all_checks")
            except Exception as exc:  # datasets raises many types; report each config's own
                report.problems.append(f"{config}: load_dataset failed: "
                                       f"{type(exc).__name__}: {exc}")
                continue
            report.sizes[config] = {split: ds.num_rows for split, ds in loaded.items()}
            declared = {name: s.num_examples for name, s in (info.splits or {}).items()}
            if declared != report.sizes[config]:
                report.problems.append(f"{config}: split sizes {report.sizes[config]} differ "
                                       f"from README.md's dataset_info {declared}")
    return report


def verify(target: str | Path, endpoint: str | None = None) -> VerifyReport:
    """Verify a local release folder, or ``ORG/NAME@REVISION`` downloaded from ``endpoint``."""
    path = Path(target)
    if path.is_dir():
        return verify_folder(path)
    match = _REMOTE.match(str(target))
    if not match:
        raise UserError(f"{target}: neither a release folder nor ORG/NAME@vX.Y.Z.")
    from huggingface_hub import snapshot_download

    with tempfile.TemporaryDirectory(prefix="faip-verify-") as tmp:
        try:
            local = snapshot_download(match["repo"], repo_type="dataset",
                                      revision=match["rev"], endpoint=endpoint,
                                      local_dir=Path(tmp) / "release",
                                      cache_dir=Path(tmp) / "cache")
        except Exception as exc:
            raise UserError(f"{endpoint or 'the Hub'}: cannot download {target} "
                            f"({type(exc).__name__}: {exc}).") from None
        root = Path(local)
        # The Hub adds .gitattributes (and the download a .cache folder) beside the release.
        (root / ".gitattributes").unlink(missing_ok=True)
        return verify_folder(root, str(target))
