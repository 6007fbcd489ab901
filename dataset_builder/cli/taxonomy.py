"""`faip taxonomy`: show the label taxonomy, check the codebook against it, export the HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dataset_builder.taxonomy import Taxonomy


@click.command()
@click.option("--field", "field_id", default=None, metavar="FIELD",
              help="Show one field only, e.g. persona or traits.")
@click.option("--format", "fmt", type=click.Choice(["table", "yaml", "json"]), default="table",
              show_default=True, help="table for people; yaml or json for scripts (stdout).")
@click.option("--path", "path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Taxonomy file (default: the project's schema/taxonomy.yaml).")
@click.option("--check", "check_codebook", is_flag=True,
              help="Check the codebook against the taxonomy instead; exit 1 listing problems.")
@click.option("--codebook", "codebook_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Codebook folder (default: the project's annotation_guides/).")
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the codebook as HTML (Label Studio instructions) to this file.")
def taxonomy(field_id: str | None, fmt: str, path: Path | None, check_codebook: bool,
             codebook_dir: Path | None, html_out: Path | None) -> None:
    """Show the label taxonomy: every field, id, name and definition.

    \b
    Examples:
      faip taxonomy                      # all fields as a table
      faip taxonomy --field traits       # traits, with the alignment-relevant flag
      faip taxonomy --format json | jq '.fields[].id'
      faip taxonomy --check              # does annotation_guides/ cover every id?
      faip taxonomy --html guide.html    # the codebook as Label Studio instructions
    """
    from dataset_builder import taxonomy as taxonomy_mod
    from dataset_builder.errors import UserError

    tax = taxonomy_mod.load(path)
    if field_id is not None and field_id not in {f.id for f in tax.fields}:
        raise UserError(f"--field {field_id!r} is not a field of {tax.path}; choose one of "
                        f"{', '.join(f.id for f in tax.fields)}.")
    if check_codebook or html_out is not None:
        _codebook(tax, codebook_dir, check_codebook, html_out)
        return
    if fmt == "table":
        _print_table(tax, field_id)
    elif fmt == "json":
        import json

        click.echo(json.dumps(tax.as_dict(field_id), indent=2, ensure_ascii=False))
    else:
        import yaml

        click.echo(yaml.safe_dump(tax.as_dict(field_id), sort_keys=False,
                                  allow_unicode=True, width=100), nl=False)


def _codebook(tax: Taxonomy, codebook_dir: Path | None, run_check: bool,
              html_out: Path | None) -> None:
    from dataset_builder import codebook
    from dataset_builder.console import info, problem

    book = codebook.load(codebook_dir)
    if run_check:
        problems = codebook.check(book, tax)
        for p in problems:
            problem(p)
        if problems:
            info(f"{len(problems)} problem(s) in codebook {book.root}")
            sys.exit(1)
        info(f"codebook {book.version} covers all {len(tax.all_ids())} ids of taxonomy "
             f"{tax.name} {tax.version}")
    if html_out is not None:
        from dataset_builder.io import atomic_write_text

        atomic_write_text(html_out, codebook.render_html(book, tax))
        info(f"wrote {html_out}")


def _print_table(tax: Taxonomy, field_id: str | None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Pipes and CliRunner have no terminal width; 140 keeps ids and names on one line.
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table = Table(title=f"{tax.name} taxonomy {tax.version}", show_lines=False)
    table.add_column("field", no_wrap=True, style="cyan")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("name", no_wrap=True)
    rows = tax.rows(field_id)
    # The flag only means something for multi-choice fields (traits); hide an empty column.
    show_flag = any(row[3] for row in rows)
    if show_flag:
        table.add_column("alignment", no_wrap=True, justify="center")
    table.add_column("definition", overflow="fold")
    previous = None
    for row in rows:
        if row[0] != previous:
            # One header row per field: its kind, name and definition.
            f = tax.field(row[0])
            flag = ("",) if show_flag else ()
            table.add_row(f.id, f"[dim]({f.kind})[/dim]", f"[italic]{escape(f.name)}[/italic]",
                          *flag, f"[italic]{escape(f.definition)}[/italic]")
            previous = row[0]
        cells = row[1:] if show_flag else (row[1], row[2], row[4])
        table.add_row("", *(escape(c) for c in cells))
    out.print(table)
