"""The front door: `import dataset_builder as fb`, one documented verb per stage, every CLI
command served by a Python function, and an import that stays cheap."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import click
import pytest

import dataset_builder as fb
from dataset_builder import api
from dataset_builder.cli import main
from tests.extract_fixtures import NAMES, write_workdir


def _leaves(command: click.Command, path: tuple[str, ...] = ()) -> dict[str, click.Command]:
    """Every runnable command below ``command``, by its name ("annotate push")."""
    if not isinstance(command, click.Group):
        return {" ".join(path): command}
    ctx = click.Context(command)
    return {name: leaf for sub in command.list_commands(ctx)
            for name, leaf in _leaves(command.get_command(ctx, sub), (*path, sub)).items()}


def _target(spec: str) -> object:
    if ":" not in spec:
        return getattr(fb, spec)
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


def test_every_cli_command_maps_to_a_documented_function() -> None:
    commands = list(_leaves(main))
    assert sorted(commands) == sorted(api.COMMANDS), "map each new command in api.COMMANDS"
    for command, spec in api.COMMANDS.items():
        function = _target(spec)
        assert callable(function) and inspect.getdoc(function), command
    stages = {spec for spec in api.COMMANDS.values() if ":" not in spec}
    assert stages == set(api.VERBS)


def test_every_stage_command_is_a_skin_over_its_verb() -> None:
    # A command that called the library directly would drift from the documented verb.
    commands = _leaves(main)
    for command, spec in api.COMMANDS.items():
        if ":" not in spec:
            callback = commands[command].callback
            assert f"api.{spec}(" in inspect.getsource(callback), command


def test_every_export_is_documented() -> None:
    for name in fb.__all__:
        obj = getattr(fb, name)
        doc = inspect.getdoc(obj) or ""
        assert doc and not doc.startswith(f"{name}("), f"{name} needs a docstring"


@pytest.mark.parametrize("verb", api.VERBS)
def test_each_verb_takes_its_folder_then_keywords_and_returns_a_stage_report(verb: str) -> None:
    function = getattr(fb, verb)
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)
               for p in parameters[1:]), verb
    report = str(inspect.signature(function).return_annotation)
    assert report.startswith("StageReport[") and report.endswith("]"), report


def test_verbs_stay_verbs_when_their_namesake_modules_are_imported() -> None:
    import dataset_builder.agreement.workdir
    import dataset_builder.extract
    import dataset_builder.release.build
    import dataset_builder.validate.workdir  # noqa: F401

    for verb in ("extract", "agreement", "release", "validate"):
        assert getattr(fb, verb) is getattr(api, verb)
    assert importlib.import_module("dataset_builder.extract").run_extract


def test_importing_the_package_loads_no_data_library() -> None:
    code = ("import sys, dataset_builder as fb; fb.extract; "
            "print(sorted({m.split('.')[0] for m in sys.modules} "
            "& {'pandas', 'pyarrow', 'pandera', 'datasets', 'numpy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "[]"


def test_a_notebook_extracts_and_validates_and_sees_what_was_written(tmp_path: Path) -> None:
    write_workdir(tmp_path)
    extracted = fb.extract(tmp_path, names=NAMES)
    assert extracted.written == (tmp_path / "passages.parquet",)
    assert extracted.ok and extracted.result.n_passages > 0
    checked = fb.validate(tmp_path)
    assert checked.written == ()
    assert checked.result.rows["passages"] == extracted.result.n_passages
    # The fixture's characters are not in the project's catalogue: every failure says so.
    assert not checked.ok
    assert {f.check for f in checked.result.failures} == {"exists in characters"}


@pytest.mark.parametrize("package", ["dataset_builder", "dataset_builder.agreement",
                                     "dataset_builder.annotate", "dataset_builder.characters",
                                     "dataset_builder.collect", "dataset_builder.release"])
def test_packages_export_lazily_in_one_style(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
        assert name in dir(module)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        module.nope  # noqa: B018


def test_shared_options_are_declared_once() -> None:
    from dataset_builder.cli import options

    workdirs, catalogues = [], []
    for command in _leaves(main).values():
        for param in command.params:
            if "--workdir" in param.opts:
                workdirs.append(param)
            if param.name == "catalogue" or "--characters" in param.opts:
                catalogues.append(param)
    assert len(workdirs) == 15  # every command on a work dir (not publish, verify, ...)
    assert {(p.opts[0], p.help, p.metavar) for p in workdirs} == {
        ("--workdir", options._WORKDIR_HELP, "DIR")}
    # one spelling for the AI-character catalogue: --catalogue PATH (never --characters/--path)
    assert {tuple(p.opts) for p in catalogues} == {("--catalogue",)}
    assert len(catalogues) == 5  # extract, validate, release, characters check / import-wikidata


def test_messages_go_to_stderr_and_stdout_keeps_data() -> None:
    from click.testing import CliRunner

    checked = CliRunner().invoke(main, ["characters", "check"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "" and checked.stderr.startswith("valid: ")


def test_docs_api_lists_every_verb() -> None:
    import re

    page = (Path(__file__).parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `fb\.(\w+)\(", page, flags=re.M)
    assert listed == list(api.VERBS)
