"""The project's committed files, found once; the copy an installed package ships is read-only."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from dataset_builder.errors import UserError
from dataset_builder.project import Project

ROOT = Path(__file__).parents[1]
FILES = ("taxonomy", "schema_dir", "catalogue", "codebook", "splits", "card_template",
         "citation")


def test_a_clone_finds_its_own_files() -> None:
    project = Project.find()
    assert project.root == ROOT and not project.installed
    for name in FILES:
        path = getattr(project, name)
        assert path.is_relative_to(ROOT)
        assert path.exists() or name == "splits", name  # splits.csv appears with `faip split`
    assert project.splits.parent.is_dir()


def test_the_wheel_ships_every_committed_file_the_project_names() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    project = Project.find()
    for name in FILES:
        relative = getattr(project, name).relative_to(ROOT).as_posix()
        source = next((s for s in shipped if relative == s or relative.startswith(s + "/")),
                      None)
        assert source is not None, f"{relative} is not in the wheel's force-include"
        assert shipped[source] == f"dataset_builder/_project/{source}"


def test_an_installed_copy_is_read_only(tmp_path: Path) -> None:
    copy = tmp_path / "site-packages" / "dataset_builder" / "_project"
    shutil.copytree(ROOT / "splits", copy / "splits")
    installed = Project.at(copy, installed=True)
    with pytest.raises(UserError, match=r"read-only; pass --splits PATH"):
        installed.check_writable(installed.splits, "splits file", "--splits")
    own = tmp_path / "mine" / "splits.csv"
    assert installed.check_writable(own, "splits file", "--splits") == own
    # a clone writes its committed files (the maintainer commits them)
    clone = Project.find()
    assert clone.check_writable(clone.splits, "splits file", "--splits") == clone.splits


def test_one_path_can_be_overridden() -> None:
    project = Project.find().with_splits("elsewhere.csv")
    assert project.splits == Path("elsewhere.csv")
    assert project.taxonomy == Project.find().taxonomy
