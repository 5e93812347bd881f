"""Many renders at once: :func:`render_reports` (every report, variant and language), in parallel.

Every (report, variant, language) is one job. Jobs are checked first in this
process (parameters, variants, datasets, output folder: a usage error stops
everything before any kernel starts), then rendered by a pool of ``jobs``
worker processes (default: the number of CPUs), each job with its own kernel
and private work folder; one job alone, or ``jobs=1``, renders here. Outputs
are written atomically by :func:`~drugtrends.render.render_file`, so parallel
jobs never collide. Ctrl-C interrupts every running job (each shuts its kernel
down) and raises :class:`KeyboardInterrupt`; a failing job's error is prefixed
with its output name.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from drugtrends import paths
from drugtrends.errors import DrugtrendsError, RenderError
from drugtrends.render.cache import cache_dir
from drugtrends.render.engine import formats_for, render_file, stats
from drugtrends.render.qmd import parse_param_values, read_qmd
from drugtrends.render.reports import (
    available_reports,
    canonical_params,
    check_datasets,
    check_params,
    default_reports_dir,
    output_stem,
    report_variants,
    resolve_report,
    variant_keys,
)

__all__ = ["render_reports", "parse_langs"]


def parse_langs(langs: str | Iterable[str] | None) -> list[str]:
    """``"en,fr"`` (or a list) -> ``["en", "fr"]``, each checked against the message catalogues.

    Parameters
    ----------
    langs
        Comma-separated languages or a list of them; ``None`` or empty for none.

    Returns
    -------
    list of str
        The languages, in the order given, without repeats.

    Raises
    ------
    InputError
        A language has no message catalogue (the message lists those that have one).

    Examples
    --------
    >>> parse_langs("en, fr,en")
    ['en', 'fr']
    >>> parse_langs(None)
    []
    """
    if not langs:
        return []
    items = langs.split(",") if isinstance(langs, str) else [x for s in langs for x in str(s).split(",")]
    out = list(dict.fromkeys(x.strip() for x in items if x.strip()))
    from drugtrends import i18n

    for lang in out:
        i18n.check_lang(lang)
    return out


def _expand(files: Sequence[Path], overrides: Mapping[str, Any], langs: Sequence[str],
            variants: bool) -> list[tuple[Path, dict[str, Any]]]:
    """One (report file, parameters) per report x language x variant, in that order."""
    todo = []
    for f in files:
        doc = read_qmd(f)
        per_lang = [{"lang": lang} for lang in langs] if langs and "lang" in doc.params else [{}]
        for extra in per_lang:
            params = {**overrides, **extra}
            for variant in report_variants(doc, params) if variants else [{}]:
                todo.append((f, {**params, **variant}))
    return todo


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _check(path: Path, params: dict[str, Any], console: Any, warned: set[tuple[str, str]]) -> None:
    """What :func:`render_file` refuses before executing anything, checked for every job up front.

    A missing dataset is reported once per report (in ``warned``), not once per variant and language.
    """
    doc = read_qmd(path)
    overrides = canonical_params(doc, params)
    check_params(doc, overrides)
    report_variants(doc, overrides)
    missing = check_datasets(doc)
    for ds, why in missing.items() if console else ():
        if (doc.name, ds) not in warned:
            warned.add((doc.name, ds))
            console.print(f"[yellow]warning[/]: {doc.name}: dataset {ds} is not available ({why}); "
                          "its sections will say so")


def _checked(expanded: list[tuple[Path, dict[str, Any]]], console: Any,
             keep_going: bool) -> tuple[list[tuple[Path, dict[str, Any], str]], dict[int, str]]:
    """Every job with its output name, and those refused (index -> failure) when ``keep_going``."""
    todo: list[tuple[Path, dict[str, Any], str]] = []
    failed: dict[int, str] = {}
    warned: set[tuple[str, str]] = set()
    for i, (f, p) in enumerate(expanded):
        todo.append((f, p, _stem(f, p)))
        try:  # usage errors (parameters, variants, no data) stop everything before any kernel starts
            _check(f, p, console, warned)  # no console with one job at a time: render_file warns
        except DrugtrendsError as exc:
            if not keep_going:
                raise
            failed[i] = f"{todo[i][2]}: {str(exc).splitlines()[0]}"
    return todo, failed


def _stem(path: Path, params: dict[str, Any]) -> str:
    with contextlib.suppress(DrugtrendsError):
        doc = read_qmd(path)
        return output_stem(doc.name, doc.params, canonical_params(doc, params), variant_keys(doc))
    return path.stem


def _weight(outdir: Path, stem: str) -> int:
    """Longest jobs first: the size of the last cached execution of this output is the estimate."""
    sizes = [0]
    for d in dict.fromkeys([outdir, paths.output_dir()]):
        with contextlib.suppress(OSError):
            sizes += [p.stat().st_size for p in cache_dir(d).glob(f"{glob.escape(stem)}--*.ipynb")]
    return max(sizes)


def _order(todo: list[tuple[Path, dict[str, Any], str]], outdir: Path) -> list[int]:
    """Job indices, longest first: by the last cached execution, else reports with fewer jobs first."""
    per_report = {f: sum(1 for g, _, _ in todo if g == f) for f, _, _ in todo}
    return sorted(range(len(todo)), key=lambda i: (-_weight(outdir, todo[i][2]), per_report[todo[i][0]]))


def _on_sigint(signum: int, frame: Any) -> None:
    """A worker's first Ctrl-C interrupts its job; further ones must not interrupt the kernel's shutdown."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # idle workers ignore Ctrl-C (no traceback from the pool)
    # an interrupted job leaves nbclient's reply task unfinished; asyncio would log it when collected
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _run_job(path: Path, params: dict[str, Any], kw: dict[str, Any],
             stop: Path) -> tuple[list[Path], int, int, float]:
    """One render in a worker process: the files written, executions, cache hits, seconds.

    ``stop`` exists once the batch was interrupted: a job picked up after the Ctrl-C does not start.
    """
    signal.signal(signal.SIGINT, _on_sigint)
    t0, runs, hits = time.perf_counter(), stats.executions, stats.cache_hits
    try:
        if stop.exists():
            raise KeyboardInterrupt
        written = render_file(path, params=params, quiet=True, **kw)
    except DrugtrendsError as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - an error class that does not pickle travels as a RenderError
            raise RenderError(str(exc)) from None
        raise
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return written, stats.executions - runs, stats.cache_hits - hits, time.perf_counter() - t0


def _named(stem: str, exc: DrugtrendsError) -> DrugtrendsError:
    """The job's error, naming the output when the message does not already say which report failed."""
    return exc if stem in str(exc) or "report '" in str(exc) else RenderError(f"{stem}: {exc}")


def _result(fut: Future, stem: str) -> tuple[list[Path], int, int, float]:
    try:
        return fut.result()
    except BrokenProcessPool as exc:  # the worker died (killed, out of memory): name the render
        raise RenderError(f"{stem}: the render process stopped unexpectedly ({exc}); render it alone with "
                          "--jobs 1 to see why") from None


def _stop_workers(pool: ProcessPoolExecutor, stop: Path) -> None:
    """Ctrl-C: interrupt every running job (each stops its kernel), then wait for the workers to end."""
    with contextlib.suppress(OSError):
        stop.touch()
    for p in multiprocessing.active_children():
        if p.pid is None:  # not started yet: nothing to interrupt
            continue
        with contextlib.suppress(OSError):
            os.kill(p.pid, signal.SIGINT)
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except KeyboardInterrupt:  # a second Ctrl-C: stop now
        for p in multiprocessing.active_children():
            p.terminate()
        raise


def _in_pool(todo: list[tuple[Path, dict[str, Any], str]], kw: dict[str, Any], workers: int, console: Any,
             keep_going: bool) -> tuple[dict[int, list[Path]], dict[int, str]]:
    """Render ``todo`` in ``workers`` processes; (index -> written files, index -> failure)."""
    written: dict[int, list[Path]] = {}
    failed: dict[int, str] = {}
    order = _order(todo, kw["outdir"])
    job_kw = {k: v for k, v in kw.items() if k != "outdir"}
    if console:
        console.print(f"rendering {len(todo)} report(s) in {workers} processes (--jobs N to change)")
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init)
    stop = Path(tempfile.mkdtemp(prefix="drugtrends-batch-")) / "stop"
    try:
        futures: dict[Future, int] = {}
        pending: set[Future] = set()
        while order or pending:
            while order and len(pending) < workers:  # no job queued ahead: Ctrl-C leaves none to run
                i = order.pop(0)
                fut = pool.submit(_run_job, todo[i][0], todo[i][1], job_kw, stop)
                futures[fut] = i
                pending.add(fut)
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=futures.__getitem__):
                i = futures[fut]
                stem = todo[i][2]
                try:
                    files, runs, hits, secs = _result(fut, stem)
                except DrugtrendsError as exc:
                    if not keep_going:
                        _stop_workers(pool, stop)  # stop at the first failure: interrupt the others
                        raise _named(stem, exc) from None
                    failed[i] = f"{stem}: {str(exc).splitlines()[0]}"
                    if console:
                        console.print(f"[red]failed[/] {stem}: {str(exc).splitlines()[0]}")
                    continue
                written[i] = files
                if console:
                    how = "executed" if runs else "cached execution" if hits else "no code"
                    console.print(f"[green]{len(written) + len(failed)}/{len(todo)}[/] [bold]{stem}[/] ({how}, "
                                  f"{secs:.1f} s): {', '.join(p.name for p in files)}")
                stats.executions += runs
                stats.cache_hits += hits
    except KeyboardInterrupt:
        _stop_workers(pool, stop)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(stop.parent, ignore_errors=True)
    return written, failed


def _serially(todo: list[tuple[Path, dict[str, Any], str]], kw: dict[str, Any], quiet: bool,
              keep_going: bool) -> tuple[dict[int, list[Path]], dict[int, str]]:
    """Render ``todo`` one after the other in this process; (index -> written files, index -> failure)."""
    written: dict[int, list[Path]] = {}
    failed: dict[int, str] = {}
    for i, (f, p, stem) in enumerate(todo):
        try:
            written[i] = render_file(f, params=p, quiet=quiet, **kw)
        except DrugtrendsError as exc:
            if not keep_going:
                raise
            failed[i] = f"{stem}: {str(exc).splitlines()[0]}"
    return written, failed


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
    langs: str | Iterable[str] | None = None,
    jobs: int | None = None,
) -> list[Path]:
    """Render reports (default: every ``reports/*.qmd`` not starting with ``_``), in parallel.

    A report that declares variants in its front matter (see
    :func:`~drugtrends.render.report_variants`) is rendered once per variant
    (``factsheet-cocaine.html``, ``factsheet-cannabis.html``, ...), unless the
    parameter is given (``-P substance=cannabis``: that one only, with the same
    name). ``langs="en,fr"`` renders every report that has a ``lang``
    parameter once per language (``trends.html`` and ``trends-fr.html``).

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
    langs
        Languages, ``"en,fr"`` or a list (default: the ``lang`` of ``params``,
        else each report's default); not together with a ``lang`` parameter.
    jobs
        Renders at a time, each in its own process (default: the number of
        CPUs; ``1``: one after the other, in this process).

    Returns
    -------
    list of Path
        Every file written, in report, language, variant order.

    Raises
    ------
    RenderError
        Unknown report (the message lists the available ones), no report at
        all, ``langs`` together with ``-P lang=...``, or any error of
        :func:`render_file`, prefixed with the output name when it does not say it.

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
    lang_list = parse_langs(langs)
    if lang_list and "lang" in overrides:
        raise RenderError(f"give the language once: --lang {','.join(lang_list)} or -P lang={overrides['lang']}, "
                          "not both")
    expanded = _expand(files, overrides, lang_list, variants)
    workers = min(len(expanded), jobs or os.cpu_count() or 1)
    outdir = Path(output_dir) if output_dir is not None else paths.output_dir()
    paths.require_writable(outdir, "rendered reports",
                           "Choose another folder with --output-dir / DRUGTRENDS_OUTPUT=PATH, or fix its permissions.")
    console = None if quiet else _console()
    todo, failed = _checked(expanded, console if workers > 1 else None, keep_going)
    kw = {"to": to, "engine": engine, "cache": cache, "output_dir": output_dir}
    runnable = [i for i in range(len(todo)) if i not in failed]
    workers = min(workers, len(runnable))
    if workers > 1:
        got, bad = _in_pool([todo[i] for i in runnable], {**kw, "outdir": outdir}, workers, console, keep_going)
    else:
        got, bad = _serially([todo[i] for i in runnable], kw, quiet, keep_going)
    written = {runnable[k]: v for k, v in got.items()}
    failed |= {runnable[k]: v for k, v in bad.items()}
    out = [p for i in sorted(written) for p in written[i]]
    if failed:
        lines = [failed[i] for i in sorted(failed)]
        raise RenderError(f"{len(failed)} render(s) failed ({len(out)} file(s) written):\n  " + "\n  ".join(lines))
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
