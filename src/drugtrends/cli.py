"""Command line: ``drugtrends fetch | list | render | docs``.

Thin: each command parses options and calls one library function.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console

from drugtrends.errors import DrugtrendsError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="drugtrends: data, estimates and reports.")
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=1)


@app.command("fetch")
def fetch_cmd(
    ids: Annotated[Optional[list[str]], typer.Argument(help="Dataset ids (default: every mirrored dataset).")] = None,
    mirror: Annotated[Optional[str], typer.Option(help="Copy from this mirror folder instead of downloading.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Fetch again even if a verified copy exists.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List datasets and their local status, fetch nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Download (or copy from a mirror) and verify datasets named in data/manifest.yaml."""
    from drugtrends import fetch

    try:
        if list_:
            fetch.print_status()
            return
        fetch.fetch(ids or None, mirror=mirror, force=force, quiet=quiet)
    except DrugtrendsError as exc:
        _fail(exc)


@app.command("render")
def render_cmd(
    reports: Annotated[Optional[list[str]], typer.Argument(help="Report names or .qmd paths (default: all).")] = None,
    to: Annotated[str, typer.Option(help="html, pdf or all.")] = "all",
    param: Annotated[Optional[list[str]], typer.Option("-P", "--param", help="Report parameter key=value (repeatable).")] = None,
    engine: Annotated[str, typer.Option(help="auto (quarto if on PATH), quarto or builtin.")] = "auto",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-execute even if the report is unchanged.")] = False,
) -> None:
    """Render the Quarto reports to _output/ (HTML and/or PDF)."""
    from drugtrends import render

    try:
        render.render_reports(reports or None, to=to, params=param or [], engine=engine, cache=not no_cache)
    except DrugtrendsError as exc:
        _fail(exc)


@app.command("docs")
def docs_cmd() -> None:
    """Build the API reference and getting-started pages into _output/docs/."""
    from drugtrends import render

    try:
        render.build_docs()
    except DrugtrendsError as exc:
        _fail(exc)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
