"""Builder of the Fictional AI Personas corpus.

The front door (see docs/api.md): ``import dataset_builder as fb``, then one verb per stage,
``fb.collect_gutenberg``, ``fb.collect_files``, ``fb.collect_hf``, ``fb.extract``,
``fb.push``, ``fb.pull``, ``fb.import_export``, ``fb.agreement``, ``fb.aggregate``,
``fb.validate``, ``fb.split``, ``fb.release``, ``fb.publish``, ``fb.verify``,
``fb.rehydrate``, and ``fb.build`` for the whole corpus; each takes the folder it works on
and returns a ``StageReport`` of the paths it wrote and the stage's own result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataset_builder._lazy import exports

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dataset_builder.api import (
        Project,
        StageReport,
        aggregate,
        agreement,
        build,
        collect_files,
        collect_gutenberg,
        collect_hf,
        extract,
        import_export,
        publish,
        pull,
        push,
        rehydrate,
        release,
        split,
        validate,
        verify,
    )

__all__ = [
    "Project", "StageReport", "aggregate", "agreement", "build", "collect_files",
    "collect_gutenberg",
    "collect_hf", "extract", "import_export", "publish", "pull", "push", "rehydrate",
    "release", "split", "validate", "verify",
]
__getattr__, __dir__ = exports(__name__, dict.fromkeys(__all__, "api"))

