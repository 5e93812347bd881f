"""The render entry point :func:`render_file` (one report); many at once: :mod:`~drugtrends.render.batch`.

Steps of a built-in render: parse (:mod:`~drugtrends.render.qmd`) -> check
parameters and datasets (:mod:`~drugtrends.render.reports`) -> execute or reuse
the cache (:mod:`~drugtrends.render.execute`, :mod:`~drugtrends.render.cache`)
-> Pandoc markdown (:mod:`~drugtrends.render.markdown`) -> HTML / PDF
(:mod:`~drugtrends.render.output`). With Quarto on ``PATH`` (engine ``auto``)
everything after the checks is Quarto's job (:mod:`~drugtrends.render.quarto`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drugtrends import paths
from drugtrends.errors import RenderError
from drugtrends.render.cache import cache_dir, cache_homes, cache_key, load_cached, record_imports, store_cached
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
    canonical_params,
    check_datasets,
    check_params,
    localised_titles,
    output_stem,
    report_variants,
    variant_keys,
)

__all__ = ["render_file", "RenderStats", "stats", "formats_for"]


def formats_for(to: str) -> list[str]:
    """``"html"``, ``"pdf"`` (or ``"typst"``) or ``"all"`` -> the list of formats to write.

    Parameters
    ----------
    to : {"html", "pdf", "typst", "all"}
        The ``--to`` option.

    Examples
    --------
    >>> formats_for("all"), formats_for("pdf")
    (['html', 'pdf'], ['pdf'])
    """
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
    """Counters of what the built-in engine did (tests use them to see cache hits).

    Attributes
    ----------
    executions : int
        Reports executed.
    cache_hits : int
        Reports whose cached execution was reused.

    Examples
    --------
    >>> RenderStats()
    RenderStats(executions=0, cache_hits=0)
    """

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
    homes = cache_homes(job.outdir, doc)
    nb = next((n for d in homes if (n := load_cached(d, stem, key)) is not None), None) if cache else None
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
    for d in homes:
        with contextlib.suppress(OSError) if d != job.outdir else contextlib.nullcontext():
            store_cached(nb, d, stem, key)  # the shared cache is a bonus: unwritable, it is skipped
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


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
