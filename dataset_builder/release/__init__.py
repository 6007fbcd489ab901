"""Splits, versioned release folders, publishing to the Hub, verification and rehydration.

The stages are the verbs ``split``, ``release``, ``publish``, ``verify`` and ``rehydrate`` of
``dataset_builder.api``. Under them (the CLI in ``dataset_builder.cli.release`` and the verbs
call these):

- ``splits.assign_splits(workdir, splits_path, seed, ratios)`` -> SplitResult
- ``build.build_release(version, workdir, out, splits_path=..., date=..., previous=...)`` -> Path
- ``publish.publish(folder, repo_id, endpoint=None, token=None, dry_run=False)`` -> PublishResult
- ``verify.verify(target, endpoint=None)`` -> VerifyReport
- ``rehydrate.rehydrate(folder, source, out=None)`` -> RehydrateReport (a new, local-only
  folder; ``publish`` refuses it)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.release.build import build_release
    from dataset_builder.release.publish import PublishResult
    from dataset_builder.release.rehydrate import RehydrateReport
    from dataset_builder.release.splits import SplitResult, assign_splits
    from dataset_builder.release.verify import VerifyReport

__all__ = ["PublishResult", "RehydrateReport", "SplitResult", "VerifyReport", "assign_splits",
           "build_release"]
__getattr__, __dir__ = exports(__name__, {
    "PublishResult": "publish", "RehydrateReport": "rehydrate", "SplitResult": "splits",
    "VerifyReport": "verify", "assign_splits": "splits", "build_release": "build",
})
