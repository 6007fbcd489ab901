"""Annotation in Label Studio: labeling config, push, pull, import, local server, adjudication.

The stages are the verbs ``push``, ``pull`` and ``import_export`` of ``dataset_builder.api``;
each module here has a small Python API under them; ``dataset_builder.cli.annotate`` is a thin
click skin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

if TYPE_CHECKING:
    from dataset_builder.annotate.client import LabelStudioProject
    from dataset_builder.annotate.pull import PullResult, import_export
    from dataset_builder.annotate.push import PushResult
    from dataset_builder.annotate.store import Appended

__all__ = ["Appended", "LabelStudioProject", "PullResult", "PushResult", "import_export"]
__getattr__, __dir__ = exports(__name__, {
    "Appended": "store", "LabelStudioProject": "client", "PullResult": "pull",
    "PushResult": "push", "import_export": "pull",
})
