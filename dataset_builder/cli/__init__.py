"""The ``faip`` command line: a thin skin over the Python API of each module.

Commands are imported lazily so that ``faip --help`` is fast and one broken optional
dependency does not take every other command down with it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from dataset_builder import __version__
from dataset_builder.errors import UserError, redact

# name -> (where the command lives, one-line help shown by `faip --help` without importing it)
_COMMANDS: dict[str, tuple[str, str]] = {
    "taxonomy": ("dataset_builder.cli.taxonomy:taxonomy", "Show the label taxonomy as a table."),
    "schema": ("dataset_builder.cli.schema:schema", "Export the table schemas to schema/*.yaml."),
    "validate": ("dataset_builder.cli.validate:validate", "Validate every table of a work dir."),
    "collect": ("dataset_builder.cli.collect:collect", "Collect narratives into works + texts."),
    "extract": ("dataset_builder.cli.extract:extract", "Extract passages where an AI appears."),
    "characters": (
        "dataset_builder.cli.characters:characters",
        "Check or extend the AI-character catalogue.",
    ),
    "annotate": ("dataset_builder.cli.annotate:annotate", "Annotate passages in Label Studio."),
    "agreement": ("dataset_builder.cli.agreement:agreement", "Inter-annotator agreement report."),
    "aggregate": (
        "dataset_builder.cli.agreement:aggregate",
        "Aggregate annotations to gold labels.",
    ),
    "split": ("dataset_builder.cli.release:split", "Assign works to stable train/val/test splits."),
    "release": ("dataset_builder.cli.release:release", "Build a versioned release folder."),
    "publish": ("dataset_builder.cli.release:publish", "Publish a release folder to the Hub."),
    "verify": ("dataset_builder.cli.release:verify", "Re-check a release folder or Hub revision."),
    "rehydrate": (
        "dataset_builder.cli.release:rehydrate",
        "Restore withheld texts from your copy.",
    ),
    "demo": ("dataset_builder.cli.demo:demo", "Run the whole chain on the embedded sample."),
    "build": (
        "dataset_builder.cli.build:build",
        "Build the corpus release from a Gutenberg mirror.",
    ),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        module = importlib.import_module(module_name)
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.secho(f"error: {redact(str(exc))}", fg="red", err=True)
            sys.exit(1)
        except OSError as exc:  # a path the system refuses (missing folder, full disk, ...)
            where = redact(f"{exc.filename}: ") if exc.filename else ""
            click.secho(f"error: {where}{exc.strerror or exc}; check the path, its permissions "
                        "and the free space, then rerun.", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="faip")
def main() -> None:
    """Build the Fictional AI Personas corpus.

    \b
    The data flow, one command per arrow:
      collect -> extract -> annotate -> aggregate -> validate -> split -> release -> publish

    Every command reads and writes plain files in a work directory (--workdir), so each
    stage can be rerun on its own and every intermediate table can be inspected.
    Run `faip demo` to see the whole chain on the embedded sample corpus.
    """
