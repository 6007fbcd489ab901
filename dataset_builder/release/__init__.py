"""Splits, versioned release folders, publishing to the Hub, verification and rehydration.

Python API (the CLI in ``dataset_builder.cli.release`` is a thin layer over these):

- ``splits.assign_splits(workdir, splits_path, seed, ratios)`` -> SplitResult
- ``build.build_release(version, workdir, out, splits_path=..., date=..., previous=...)`` -> Path
- ``publish.publish(folder, repo_id, endpoint=None, token=None, dry_run=False)`` -> PublishResult
- ``verify.verify(target, endpoint=None)`` -> VerifyReport
- ``rehydrate.rehydrate(folder, source, out=None)`` -> RehydrateReport (a new, local-only
  folder; ``publish`` refuses it)
"""
