"""The render entry points: :func:`render_file` (one report) and :func:`render_reports` (many).

Steps of a built-in render: parse (:mod:`~drugtrends.render.qmd`) -> check
parameters and datasets (:mod:`~drugtrends.render.reports`) -> execute or reuse
the cache (:mod:`~drugtrends.render.execute`, :mod:`~drugtrends.render.cache`)
-> Pandoc markdown (:mod:`~drugtrends.render.markdown`) -> HTML / PDF
(:mod:`~drugtrends.render.output`). With Quarto on ``PATH`` (engine ``auto``)
everything after the checks is Quarto's job (:mod:`~drugtrends.render.quarto`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drugtrends import paths
from drugtrends.errors import DrugtrendsError, RenderError
from drugtrends.render.cache import cache_dir, cache_key, load_cached, record_imports, store_cached
from drugtrends.render.config import Config, project_config, resolve_config
from drugtrends.render.execute import CELL_TIMEOUT, build_notebook, describe_cell, run_notebook
from drugtrends.render.markdown import to_markdown
from drugtrends.render.output import footer_markdown, write_html, write_pdf
from drugtrends.render.qmd import (
    INLINE,
    Document,
    Markdown,
    parse_param_values,
    raw_param_values,
    read_qmd,
)
from drugtrends.render.quarto import FORMATS, quarto_available, render_with_quarto
from drugtrends.render.reports import (
    available_reports,
    canonical_params,
    check_datasets,
    check_params,
    default_reports_dir,
    localised_titles,
    output_stem,
    report_variants,
    resolve_report,
    variant_keys,
)

__all__ = ["render_file", "render_reports", "RenderStats", "stats", "formats_for"]


def formats_for(to: str) -> list[str]:
    """``"html"``, ``"pdf"`` (or ``"typst"``) or ``"all"`` -> the list of formats to write."""
    to = (to or "all").lower()
    if to == "all":
        return ["html", "pdf"]
    if to == "typst":
        return ["pdf"]
    if to not in FORMATS:
        raise RenderError(f"unknown output format {to!r}; use html, pdf or all")
    return [to]


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@dataclass
class RenderStats:
    """Counters of what the built-in engine did (tests use them to see cache hits)."""

    executions: int = 0
    cache_hits: int = 0


#: process-wide counters, see :class:`RenderStats`
stats = RenderStats()


@dataclass
class _Job:
    """One report and parameter set being rendered."""

    path: Path
    doc: Document
    overrides: dict[str, Any]
    stem: str
    outdir: Path
    console: Any


def _prepare(path: Path, params: Any, output_dir: Any, quiet: bool) -> _Job:
    doc = read_qmd(path)
    overrides = canonical_params(doc, parse_param_values(params))
    check_params(doc, overrides)
    report_variants(doc, overrides)  # a variant value must be one of the declared ones
    stem = output_stem(doc.name, doc.params, overrides, variant_keys(doc))
    outdir = Path(output_dir) if output_dir is not None else paths.output_dir()
    paths.require_writable(outdir, "rendered reports",
                           "Choose another folder with --output-dir / DRUGTRENDS_OUTPUT=PATH, or fix its permissions.")
    console = None if quiet else _console()
    missing = check_datasets(doc)
    if missing and console:
        for ds, why in missing.items():
            console.print(f"[yellow]warning[/]: {doc.name}: dataset {ds} is not available ({why}); "
                          "its sections will say so")
    return _Job(path, doc, overrides, stem, outdir, console)


def _execute_or_reuse(job: _Job, cfg: Config, project: Mapping[str, Any], resolved: Mapping[str, Any],
                      cache: bool, timeout: int) -> Any:
    import nbformat

    doc, stem, console = job.doc, job.stem, job.console
    key = cache_key(doc, {"params": resolved, "project": project})
    nb = load_cached(job.outdir, stem, key) if cache else None
    if nb is not None:
        stats.cache_hits += 1
        if console:
            console.print(f"[bold]{stem}[/]: unchanged since last run, using cached results")
        return nb
    if not doc.cells and not any(isinstance(c, Markdown) and not c.verbatim and INLINE.search(c.text)
                                 for c in doc.chunks):
        return nbformat.v4.new_notebook()  # nothing to run: no kernel
    nb = build_notebook(doc, cfg, job.overrides)
    t0 = time.perf_counter()
    status = console.status(f"[bold]{stem}[/]: executing {len(doc.cells)} cells") if console else None
    if status is not None:
        status.start()

    def on_cell(i: int, cell: Any) -> None:
        if status is not None and cell.metadata.get("drugtrends", {}).get("role") == "cell":
            status.update(f"[bold]{stem}[/]: executing cell {i}/{len(nb.cells) - 1}")

    try:
        run_notebook(nb, job.path.parent, name=f"report '{doc.name}' ({doc.path})", timeout=timeout,
                     describe=lambda c: describe_cell(doc, c), on_cell=on_cell)
    finally:
        if status is not None:
            status.stop()
    stats.executions += 1
    if console:
        console.print(f"[bold]{stem}[/]: executed {len(doc.cells)} cells in {time.perf_counter() - t0:.1f} s")
    record_imports(nb, doc)
    store_cached(nb, job.outdir, stem, key)
    return nb


def _write_outputs(job: _Job, nb: Any, formats: list[str], cfg: Config, project: Mapping[str, Any],
                   resolved: Mapping[str, Any]) -> list[Path]:
    written = []
    tmp_root = cache_dir(job.outdir)
    tmp_root.mkdir(parents=True, exist_ok=True)
    # a private work folder per render: figures of parallel renders never collide
    with tempfile.TemporaryDirectory(prefix=f".{job.stem}-", dir=tmp_root) as tmpdir:
        for fmt in formats:
            work = Path(tmpdir) / fmt
            work.mkdir()
            md = to_markdown(job.doc, nb, "html" if fmt == "html" else "typst", work / "figures", project, resolved)
            if fmt == "pdf":
                md += footer_markdown(cfg.lang)
            md_path = work / f"{job.stem}.md"
            md_path.write_text(md, encoding="utf-8")
            where = f"report '{job.doc.name}' ({fmt})"
            t1 = time.perf_counter()
            target = job.outdir / f"{job.stem}{FORMATS[fmt]}"
            (write_html if fmt == "html" else write_pdf)(md_path, target, cfg, where)
            written.append(target)
            if job.console:
                job.console.print(f"  [green]wrote[/] {target} ({time.perf_counter() - t1:.1f} s)")
    return written


def render_file(
    path: str | os.PathLike[str],
    to: str = "all",
    params: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    engine: str = "auto",
    cache: bool = True,
    output_dir: str | os.PathLike[str] | None = None,
    timeout: int = CELL_TIMEOUT,
    quiet: bool = False,
) -> list[Path]:
    """Render one ``.qmd`` file to HTML and/or PDF.

    Parameters
    ----------
    path
        The ``.qmd`` file.
    to
        ``"html"``, ``"pdf"`` or ``"all"``.
    params
        Parameter overrides: a mapping, or ``key=value`` strings parsed as YAML.
    engine
        ``"auto"`` (Quarto if on ``PATH``, else built-in), ``"quarto"`` or ``"builtin"``.
    cache
        Reuse a cached execution when nothing it depends on changed.
    output_dir
        Where to write (default :func:`drugtrends.paths.output_dir`, ``_output/``).
    timeout
        Seconds each cell may run.
    quiet
        Print nothing.

    Returns
    -------
    list of Path
        The written files, named by :func:`~drugtrends.render.output_stem`:
        ``<report>.html``, ``factsheet-cocaine.html``, ``trends-fr.pdf``, ...

    Raises
    ------
    RenderError
        Unknown parameter, a failing cell (named by label and line) or a
        conversion failure.
    NotWritableError
        The output folder cannot be written.
    DataNotFoundError
        The report declares datasets and none is available.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "hello.qmd").write_text("---\\ntitle: Hello\\n---\\nNo code here.\\n")
    >>> [p.name for p in render_file(d / "hello.qmd", to="html", engine="builtin", output_dir=d / "out", quiet=True)]
    ['hello.html']
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise RenderError(f"report file {path} does not exist")
    formats = formats_for(to)
    engine = (engine or "auto").lower()
    if engine not in {"auto", "quarto", "builtin"}:
        raise RenderError(f"unknown engine {engine!r}; use auto, quarto or builtin")
    if engine == "auto":
        engine = "quarto" if quarto_available() else "builtin"
    job = _prepare(path, params, output_dir, quiet)
    if engine == "quarto":
        if job.console:
            job.console.print(f"[bold]{job.stem}[/]: quarto render --to {', '.join(formats)}")
        resolved = {**job.doc.params, **job.overrides}
        lang = resolve_config(job.doc, project_config(path.parent), resolved).lang
        meta = {"lang": lang, **localised_titles(job.doc, lang, resolved)}
        written = render_with_quarto(path, formats, job.overrides, raw_param_values(params), job.stem, job.outdir,
                                     meta)
        for p in written if job.console else []:
            job.console.print(f"  [green]wrote[/] {p}")
        return written
    project = project_config(path.parent)
    resolved = {**job.doc.params, **job.overrides}
    cfg = resolve_config(job.doc, project, resolved)
    nb = _execute_or_reuse(job, cfg, project, resolved, cache, timeout)
    return _write_outputs(job, nb, formats, cfg, project, resolved)


def render_reports(
    reports: Sequence[str] | None = None,
    to: str = "all",
    params: Mapping[str, Any] | Iterable[str] | None = None,
    engine: str = "auto",
    cache: bool = True,
    *,
    reports_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    quiet: bool = False,
    variants: bool = True,
    keep_going: bool = False,
) -> list[Path]:
    """Render reports (default: every ``reports/*.qmd`` not starting with ``_``).

    A report that declares variants in its front matter (see
    :func:`~drugtrends.render.report_variants`) is rendered once per variant
    (``factsheet-cocaine.html``, ``factsheet-cannabis.html``, ...), unless the
    parameter is given (``-P substance=cannabis``: that one only, with the same
    name).

    Parameters
    ----------
    reports
        Report names (with or without ``.qmd``) or paths; ``None`` for all.
    to, params, engine, cache, output_dir, quiet
        As in :func:`render_file`; ``params`` apply to every report named.
    reports_dir
        Folder to look reports up in (default ``<project>/reports``).
    variants
        Render every variant a report declares (``False``: its defaults only).
    keep_going
        After a failing render, go on with the others, then raise one error
        listing every failure (``make -k`` style); default: stop at the first.

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    RenderError
        Unknown report (the message lists the available ones), no report at
        all, or any error of :func:`render_file`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.qmd").write_text("---\\ntitle: A\\n---\\nText.\\n")
    >>> out = render_reports(["a"], to="html", engine="builtin", reports_dir=d, output_dir=d / "o", quiet=True)
    >>> [p.name for p in out]
    ['a.html']
    """
    formats_for(to)
    if reports:
        files = [resolve_report(r, reports_dir) for r in reports]
    else:
        files = list(available_reports(reports_dir).values())
        if not files:
            d = Path(reports_dir) if reports_dir is not None else default_reports_dir()
            raise RenderError(f"no reports to render: no *.qmd (not starting with '_') in {d}")
    overrides = parse_param_values(params)
    written: list[Path] = []
    failed: list[str] = []
    for f in files:
        doc = read_qmd(f)
        for variant in report_variants(doc, overrides) if variants else [{}]:
            try:
                written += render_file(f, to=to, params={**overrides, **variant}, engine=engine, cache=cache,
                                       output_dir=output_dir, quiet=quiet)
            except DrugtrendsError as exc:
                if not keep_going:
                    raise
                failed.append(f"{output_stem(doc.name, doc.params, {**overrides, **variant}, variant_keys(doc))}: "
                              f"{str(exc).splitlines()[0]}")
    if failed:
        raise RenderError(f"{len(failed)} render(s) failed ({len(written)} file(s) written):\n  " + "\n  ".join(failed))
    return written


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
