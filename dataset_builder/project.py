"""The project's committed files (taxonomy, catalogue, codebook, splits, card, citation, the
corpus definition) in one object, found once from the clone or from the copy an installed
package ships.

Stages take these paths from a :class:`Project` instead of each module finding its own. The
copy inside an installed package is read-only: the library never writes a committed file
there (a splits file is written only where the caller asks, e.g. ``--splits PATH``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from dataset_builder.errors import UserError
from dataset_builder.paths import _WHEEL_ROOT, project_root


@dataclass(frozen=True)
class Project:
    """Where the corpus definition lives; override a path with ``dataclasses.replace``."""

    root: Path
    taxonomy: Path
    schema_dir: Path
    catalogue: Path
    codebook: Path
    splits: Path
    card_template: Path
    citation: Path
    # The corpus definition `faip build` reads and the lists it writes (only in a clone).
    selection: Path
    works_list: Path
    annotations: Path
    # True for the copy inside an installed package: it is read, never written.
    installed: bool = False

    @classmethod
    def at(cls, root: str | Path, *, installed: bool = False) -> Project:
        """The project whose repository (or shipped copy) is ``root``."""
        r = Path(root)
        return cls(root=r, taxonomy=r / "schema" / "taxonomy.yaml", schema_dir=r / "schema",
                   catalogue=r / "data" / "characters.csv", codebook=r / "annotation_guides",
                   splits=r / "splits" / "splits.csv", card_template=r / "DATASET_CARD.md",
                   citation=r / "CITATION.cff", selection=r / "data" / "selection.yaml",
                   works_list=r / "data" / "works.csv", annotations=r / "data" / "annotations",
                   installed=installed)

    @classmethod
    def find(cls) -> Project:
        """The clone this package runs from, else the copy shipped inside the package."""
        root = project_root()
        return cls.at(root, installed=root == _WHEEL_ROOT)

    def with_splits(self, path: str | Path) -> Project:
        return replace(self, splits=Path(path))

    def check_writable(self, path: str | Path, what: str, option: str) -> Path:
        """``path``, unless it is a committed file inside an installed package (a user's
        site-packages is not where their corpus definition lives)."""
        p = Path(path)
        if self.installed and p.resolve().is_relative_to(self.root.resolve()):
            raise UserError(
                f"{p}: the {what} shipped inside the installed package is read-only; pass "
                f"{option} PATH to a file of your own (or run from a clone of the repository).")
        return p
