"""Annotation in Label Studio: labeling config, push, pull, import, local server, adjudication.

Each module has a small Python API; ``dataset_builder.cli.annotate`` is a thin click skin.
"""
