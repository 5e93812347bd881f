"""Command line: ``drugtrends fetch | render | tutorials`` (and ``drugtrends --version``).

Thin: each command parses options and calls one library function. Every
drugtrends error is printed as one message (no traceback) and exits with
code 2; Ctrl-C prints ``interrupted`` and exits with 130. The documentation
site is a project tool, not a command: ``make docs`` (``python docs/build.py``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated

import typer
from rich.console import Console
from typer.core import TyperCommand

from drugtrends.errors import DrugtrendsError

__all__ = ["main"]

#: exit code of every drugtrends error on the command line
EXIT_ERROR = 2
#: exit code after Ctrl-C (128 + SIGINT), as shells report it
EXIT_INTERRUPTED = 130

err = Console(stderr=True, highlight=False)


def _version_callback(value: bool) -> None:
    if value:
        from drugtrends import __version__

        typer.echo(f"drugtrends {__version__}")
        raise typer.Exit()


class _LazyEpilogCommand(TyperCommand):
    """A command whose epilog (reports, dataset ids) is computed only when its help is shown."""

    epilog_source: Callable[[], str] = staticmethod(lambda: "")

    def format_epilog(self, ctx, formatter) -> None:
        self.epilog = type(self).epilog_source()
        super().format_epilog(ctx, formatter)


def _lazy_epilog(source: Callable[[], str]) -> type[TyperCommand]:
    return type("LazyEpilogCommand", (_LazyEpilogCommand,), {"epilog_source": staticmethod(source)})


def _app_help() -> str:
    from drugtrends import paths

    return ("drugtrends: data, estimates and reports.\n\n"
            "Fetched data go to $DRUGTRENDS_DATA when it is set, else to data/raw/ in a source checkout, "
            f"else to ~/.cache/drugtrends for an installed package (here: {paths.data_dir()}). "
            "Set DRUGTRENDS_DATA=PATH to keep them elsewhere; DRUGTRENDS_MIRROR=PATH copies them from a "
            "local mirror instead of downloading.\n\n"
            "Tutorials: `drugtrends tutorials DEST` copies the notebooks to DEST.")


app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False, help=_app_help())


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """drugtrends: data, estimates and reports."""


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Turn drugtrends errors, unwritable paths and Ctrl-C into a message and an exit code."""
    try:
        yield
    except DrugtrendsError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
        raise typer.Exit(code=EXIT_ERROR) from None
    except PermissionError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err.print(f"[bold red]error:[/] permission denied:{where}. Fix its permissions, or point "
                  "DRUGTRENDS_DATA / DRUGTRENDS_OUTPUT to a writable folder.", markup=True, soft_wrap=True)
        raise typer.Exit(code=EXIT_ERROR) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(code=EXIT_INTERRUPTED) from None


# --------------------------------------------------------------------------- fetch


def dataset_ids() -> list[tuple[str, str, str]]:
    """``(load id, fetch id, description)`` for every dataset ``dt.load`` knows.

    ``drugtrends fetch`` accepts either id: a load id is fetched as the
    manifest dataset that holds its file(s).
    """
    from drugtrends import datasets

    return [(k, e.manifest_id, e.description) for k, e in datasets.REGISTRY.items()]


def _ids_help() -> str:
    try:
        rows = dataset_ids()
    except Exception:  # noqa: BLE001 - help must never fail
        return ""
    lines = ["\b", "Dataset ids (dt.load id -> fetch id):"]
    lines += [f"  {load:24} -> {fid}" if load != fid else f"  {load}" for load, fid, _ in rows]
    return "\n".join(lines) + "\n\nA dt.load id is accepted by fetch: it fetches the files that id reads."


def _manifest():
    try:
        from drugtrends import manifest
        return manifest.load_manifest()
    except Exception:  # noqa: BLE001 - the fetch itself reports a broken manifest
        return None


def to_fetch_ids(ids: Sequence[str]) -> list[str]:
    """Map ``dt.load`` ids to the manifest ids ``fetch`` works on (manifest ids pass through), no duplicates."""
    mapping = {load: fid for load, fid, _ in dataset_ids()}
    m = _manifest()
    out: list[str] = []
    for i in ids:
        if m is not None and i not in mapping and i not in m:
            from drugtrends.errors import UnknownDatasetError
            from drugtrends.validate import suggest
            known = sorted(set(mapping) | set(m.ids))
            raise UnknownDatasetError(f"unknown dataset {i!r}.{suggest(i, known, n=3)} "
                                      f"Valid ids: {', '.join(known)} (`drugtrends fetch --list` shows their status).")
        fid = mapping.get(i, i)
        if fid not in out:
            out.append(fid)
    return out


def _call_fetch(ids: list[str] | None, mirror: str | None, force: bool, quiet: bool, verify: bool) -> None:
    import inspect

    from drugtrends import fetch, paths

    if verify and "verify" not in inspect.signature(fetch.fetch).parameters:
        raise DrugtrendsError("`--verify` needs drugtrends.fetch.fetch(verify=True), not in this version")
    paths.require_writable(paths.data_dir(), "fetched data",
                           "Set DRUGTRENDS_DATA=PATH to a writable folder, or fix its permissions.")
    kwargs = {"verify": True} if verify else {}
    fetch.fetch(ids, mirror=mirror, force=force, quiet=quiet, **kwargs)


def _print_status(verify: bool) -> None:
    import inspect

    from drugtrends import fetch

    if "verify" in inspect.signature(fetch.print_status).parameters:
        fetch.print_status(verify=verify)
    else:
        fetch.print_status()
    rows = [(load, fid) for load, fid, _ in dataset_ids() if load != fid]
    if rows:
        Console().print("dt.load ids read from fetch ids: "
                        + ", ".join(f"{load} -> {fid}" for load, fid in rows), soft_wrap=True)


@app.command("fetch", cls=_lazy_epilog(lambda: _ids_help()))
def fetch_cmd(
    ids: Annotated[list[str] | None, typer.Argument(
        help="Dataset ids, fetch or dt.load ids (default: every mirrored dataset).", metavar="ID")] = None,
    mirror: Annotated[str | None, typer.Option(help="Copy from this mirror folder instead of downloading.",
                                                  metavar="PATH")] = None,
    force: Annotated[bool, typer.Option("--force", help="Fetch again even if a verified copy exists.",
                                        metavar="")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash every present file against the manifest "
                                         "(with --list: show the re-hashed status).", metavar="")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List datasets and their local status, fetch nothing.",
                                        metavar="")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.", metavar="")] = False,
) -> None:
    """Download (or copy from a mirror) and verify the datasets of data/manifest.yaml."""
    with handled():
        if list_:
            _print_status(verify)
            return
        _call_fetch(to_fetch_ids(ids) if ids else None, mirror, force, quiet, verify)


# --------------------------------------------------------------------------- render


def _reports_help() -> str:
    try:
        from drugtrends.render import available_reports, report_datasets
        from drugtrends.render.qmd import read_qmd
        from drugtrends.render.reports import variant_keys

        lines = ["\b", "Reports (parameters with defaults; * = one output per listed value):"]
        for name, path in available_reports().items():
            doc = read_qmd(path)
            keys = variant_keys(doc)
            params = ", ".join(f"{k}={v}{'*' if k in keys else ''}" for k, v in doc.params.items())
            lines.append(f"  {name:10} {params}")
            variants = (doc.meta.get("drugtrends") or {}).get("variants") or {}
            for k in keys:
                lines.append(f"  {'':10}   {k}: {', '.join(map(str, variants[k]))}")
            if report_datasets(doc):
                lines.append(f"  {'':10}   datasets: {', '.join(report_datasets(doc))}")
    except Exception:  # noqa: BLE001 - help must never fail
        return ""
    with contextlib.suppress(Exception):
        from drugtrends import i18n

        lines += ["", f"Languages (-P lang=...): {', '.join(i18n.LANGS)}; French outputs end in -fr."]
    lines += ["", "\b", "Examples:", "  drugtrends render", "  drugtrends render factsheet -P substance=cocaine -P lang=fr",
              "  drugtrends render trends --to html -P lang=fr",
              "  drugtrends render --lang en,fr --jobs 2"]
    return "\n".join(lines)


@app.command("render", cls=_lazy_epilog(lambda: _reports_help()))
def render_cmd(
    reports: Annotated[list[str] | None,
                       typer.Argument(help="Report names or .qmd paths (default: all).", metavar="REPORT")] = None,
    to: Annotated[str, typer.Option(help="html, pdf or all.", metavar="FORMAT")] = "all",
    param: Annotated[list[str] | None, typer.Option(
        "-P", "--param", help="Report parameter key=value (repeatable).", metavar="KEY=VALUE")] = None,
    engine: Annotated[str, typer.Option(help="auto (quarto if on PATH), quarto or builtin.",
                                        metavar="ENGINE")] = "auto",
    output_dir: Annotated[str | None, typer.Option(
        "--output-dir", help="Write here (default: _output/ or $DRUGTRENDS_OUTPUT).", metavar="PATH")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-execute even if the report is unchanged.",
                                           metavar="")] = False,
    keep_going: Annotated[bool, typer.Option("--keep-going", "-k", help="After a failing render, render the "
                                             "others, then exit 2 listing the failures.", metavar="")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Languages, e.g. en,fr: every report once per language (instead of -P lang=...).",
        metavar="LANGS")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", help="Renders at a time, each in its own process (default: the number of CPUs).",
        metavar="N", min=1)] = None,
) -> None:
    """Render the Quarto reports to HTML and/or PDF (factsheet-<substance>[-fr].html, trends-fr.pdf, ...)."""
    with handled():
        from drugtrends import render

        render.render_reports(reports or None, to=to, params=param or [], engine=engine, cache=not no_cache,
                              output_dir=output_dir, keep_going=keep_going, langs=lang, jobs=jobs)


# --------------------------------------------------------------------------- tutorials


@app.command("tutorials")
def tutorials_cmd(
    dest: Annotated[str | None, typer.Argument(help="Copy the notebooks into this folder (default: list "
                                                  "them, copy nothing).", metavar="DEST")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace notebooks already in DEST.",
                                            metavar="")] = False,
) -> None:
    """List the tutorial notebooks, or copy them to DEST to open in JupyterLab."""
    with handled():
        from drugtrends import tutorials

        found = tutorials(dest, overwrite=overwrite)
        for p in found:
            typer.echo(str(p))
        if dest is None:
            typer.echo("Copy them with: drugtrends tutorials DEST", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``drugtrends`` script: exit codes 0, 2 (error or usage) and 130 (Ctrl-C).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``drugtrends`` (default: the command line).

    Examples
    --------
    >>> try:
    ...     main(["--version"])
    ... except SystemExit as exit_:
    ...     print("exit code", exit_.code)
    drugtrends ...
    exit code 0
    """
    try:
        code = app(args=list(argv) if argv is not None else None, prog_name="drugtrends", standalone_mode=False)
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        code = exc.exit_code
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click / typer usage errors
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)


if __name__ == "__main__":  # pragma: no cover
    main()
