"""Maintainer tooling: run from a clone, never shipped in the package.

- ``ls_template``: a Label Studio server started from a cached, initialised data dir (tests,
  benchmarks);
- ``regenerate_sample_annotations``: rebuild the embedded sample's Label Studio export.
"""
