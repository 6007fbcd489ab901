"""The one way a package ``__init__`` exports names: looked up in their module on first use.

``import dataset_builder`` (and each subpackage) stays cheap: worker processes import the
packages for light modules and must not pay for pandas, pandera or datasets. Usage, at the end
of an ``__init__``::

    __getattr__, __dir__ = exports(__name__, {"name": "module that defines it", ...})
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any


class _Package(types.ModuleType):
    """A package whose exported names stay what they name: importing a submodule of the same
    name (``dataset_builder.aggregate``, ``dataset_builder.extract``) would otherwise bind the
    submodule over the export. The submodule is still in sys.modules, where ``from
    package.sub import x`` and ``importlib.import_module`` find it."""

    _exported: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._exported and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


def exports(package: str, homes: dict[str, str]) -> tuple[Callable[[str], Any],
                                                           Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: name -> the module (relative to the
    package) that defines it, imported when the name is first read."""
    module = sys.modules[package]
    module.__class__ = _Package
    module._exported = frozenset(homes)  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    def __dir__() -> list[str]:
        return sorted(set(homes) | set(vars(module)))

    return __getattr__, __dir__
