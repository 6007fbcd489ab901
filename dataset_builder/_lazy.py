"""The one way a package ``__init__`` exports names: looked up in their module on first use.

``import dataset_builder`` (and each subpackage) stays cheap: worker processes import the
packages for light modules and must not pay for pandas, pandera or datasets.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, homes: dict[str, str]) -> tuple[Callable[[str], Any],
                                                           Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: name -> the module (relative to the
    package) that defines it, imported when the name is first read."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    def __dir__() -> list[str]:
        return sorted(set(homes) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
