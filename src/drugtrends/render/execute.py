"""Execution: a report becomes a notebook, and ONE runner executes notebooks in a fresh kernel.

:func:`build_notebook` turns a parsed document into the notebook to run (a
setup cell, the injected parameters, one cell per ``{python}`` cell, one per
inline expression); :func:`run_notebook` runs any notebook cell by cell in a
fresh Jupyter kernel (reports and the docs' tutorials alike) and turns every
failure into a :class:`~drugtrends.errors.RenderError` naming the cell.

Determinism: the kernel runs with ``PYTHONHASHSEED=0``, ``random`` and
``numpy.random`` seeded with 0, matplotlib ``svg.hashsalt`` fixed and no date
in SVG metadata.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from drugtrends import errors, paths
from drugtrends.errors import DrugtrendsError, RenderError
from drugtrends.render.config import Config
from drugtrends.render.qmd import INLINE, Cell, Document, Markdown

__all__ = ["build_notebook", "run_notebook", "describe_cell", "kernel_env", "fig_settings",
           "INLINE_MIME", "DEPS_MIME", "ANSI", "CELL_TIMEOUT", "STARTUP_TIMEOUT"]

#: seconds a single cell may run before the render fails
CELL_TIMEOUT = 1800
#: seconds the kernel may take to start (the machine may be busy)
STARTUP_TIMEOUT = 180
#: mime type of the values of inline expressions (internal)
INLINE_MIME = "application/x-drugtrends-inline+json"
#: mime type of the list of module files the kernel imported (internal, read by the cache)
DEPS_MIME = "application/x-drugtrends-deps+json"
#: last cell of every report notebook: which module files did the execution import?
DEPS_CELL = (
    "import sys as _dt_sys\n"
    "from IPython.display import publish_display_data as _dt_publish\n"
    f"_dt_publish({{{DEPS_MIME!r}: {{'files': sorted({{str(getattr(_m, '__file__', None) or '') "
    "for _m in list(_dt_sys.modules.values())} - {''})}})"
)
#: ANSI colour codes in tracebacks
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: names of the drugtrends error classes (a cell failing with one shows its message, not a traceback)
_DRUGTRENDS_ERRORS = frozenset(n for n, c in vars(errors).items() if isinstance(c, type) and issubclass(c, DrugtrendsError))
#: pandera imports pyspark when installed, which warns about pandas >= 3 on import: noise
_PYSPARK_WARNING = "ignore:PySpark does not yet fully support pandas:FutureWarning"


#: first cell of every report notebook: seeds, inline figures, helpers for inline expressions
SETUP = r'''
import os as _os, random as _random
_random.seed(0)
try:
    import numpy as _np
    _np.random.seed(0)
except ImportError:
    pass
try:
    import matplotlib as _mpl
    get_ipython().run_line_magic("matplotlib", "inline")
    get_ipython().run_line_magic("config", "InlineBackend.figure_formats = [{fmt!r}]")
    get_ipython().run_line_magic("config", "InlineBackend.print_figure_kwargs = {kwargs!r}")
    _mpl.rcParams.update({{"svg.hashsalt": "drugtrends", "figure.figsize": ({w}, {h}),
                          "figure.dpi": {dpi}, "savefig.dpi": {dpi}}})
except ImportError:
    pass


def _drugtrends_inline(src):
    from IPython.display import publish_display_data
    value = eval(compile(src, "<inline expression>", "eval"), get_ipython().user_ns)
    if hasattr(value, "_repr_markdown_"):
        text = value._repr_markdown_()
    else:
        text = str(value)
    publish_display_data({{{mime!r}: {{"value": text}}}})


def _drugtrends_figsize(w, h):
    import matplotlib as _mpl
    _mpl.rcParams["figure.figsize"] = (w, h)
'''


def _py_literal(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"datetime.{value!r}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_py_literal(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py_literal(k)}: {_py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def fig_settings(cfg: Config) -> tuple[str, float, float, int]:
    """Figure format, width and height (inches) and dpi from the document's options.

    Parameters
    ----------
    cfg : Config
        The render settings (``fig-format``, ``fig-width``, ``fig-height``, ``fig-dpi``).

    Examples
    --------
    >>> from drugtrends.render.config import Config
    >>> fig_settings(Config({}, {"fig-width": 6.5}, {}, "en", "python3"))
    ('svg', 6.5, 5.0, 96)
    """
    opts = {**cfg.typst, **cfg.html}
    fmt = str(opts.get("fig-format", "svg")).lower()
    fmt = "png" if fmt in {"png", "retina"} else "svg"
    dpi = int(opts.get("fig-dpi", 96 if fmt == "svg" else 150))
    return fmt, float(opts.get("fig-width", 7)), float(opts.get("fig-height", 5)), dpi


def build_notebook(doc: Document, cfg: Config, overrides: Mapping[str, Any]):
    """The notebook to execute; cell metadata ``drugtrends`` maps cells back to the document.

    Parameters
    ----------
    doc : Document
        The parsed report.
    cfg : Config
        Its render settings.
    overrides : mapping
        Parameter values given on the command line.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> from drugtrends.render.config import resolve_config
    >>> nb = build_notebook(doc, resolve_config(doc, {}), {"lang": "fr"})
    >>> any("x = 1" in c.source for c in nb.cells), any("lang = 'fr'" in c.source for c in nb.cells)
    (True, True)
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": cfg.kernel, "display_name": cfg.kernel, "language": "python"}
    fmt, w, h, dpi = fig_settings(cfg)
    kwargs = {"bbox_inches": "tight", "metadata": {"Date": None} if fmt == "svg" else {"Software": None}}
    setup = SETUP.format(fmt=fmt, kwargs=kwargs, w=w, h=h, dpi=dpi, mime=INLINE_MIME)

    def add(code: str, role: str, **extra: Any) -> None:
        c = nbformat.v4.new_code_cell(code)
        c.metadata["drugtrends"] = {"role": role, **extra}
        nb.cells.append(c)

    add(setup, "setup")
    injected = {**(doc.params if doc.parameters_cell is None else {}), **overrides}

    def inject() -> None:
        if injected:
            lines = ["# Injected parameters"]
            if any(isinstance(v, (_dt.date, _dt.datetime)) for v in injected.values()):
                lines.append("import datetime")
            lines += [f"{k} = {_py_literal(v)}" for k, v in injected.items()]
            add("\n".join(lines), "injected-parameters")

    if doc.parameters_cell is None:
        inject()
    for ci, chunk in enumerate(doc.chunks):
        if isinstance(chunk, Markdown):
            if chunk.verbatim:
                continue
            for k, m in enumerate(INLINE.finditer(chunk.text)):
                line = chunk.line + chunk.text.count("\n", 0, m.start())
                add(f"_drugtrends_inline({m.group(1)!r})", "inline", chunk=ci, k=k, line=line, expr=m.group(1))
            continue
        opts = {**cfg.execute, **chunk.options}
        if not opts.get("eval", True):
            continue
        fw, fh = chunk.options.get("fig-width"), chunk.options.get("fig-height")
        if fw is not None or fh is not None:
            add(f"_drugtrends_figsize({float(fw or w)}, {float(fh or h)})", "figsize")
        c = nbformat.v4.new_code_cell(chunk.code)
        c.metadata["drugtrends"] = {"role": "cell", "chunk": ci}
        if opts.get("error", False):
            c.metadata["tags"] = ["raises-exception"]
        nb.cells.append(c)
        if fw is not None or fh is not None:
            add(f"_drugtrends_figsize({w}, {h})", "figsize")
        if chunk is doc.parameters_cell:
            inject()
    add(DEPS_CELL, "deps")
    return nb


def kernel_env(project: Path | None) -> dict[str, str]:
    """Environment of the kernel: the project on ``PYTHONPATH``, hash seed 0, no IDE variables.

    Parameters
    ----------
    project : Path or None
        The project root (put on ``PYTHONPATH``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> env = kernel_env(root)
    >>> env["PYTHONHASHSEED"], str(root) in env["PYTHONPATH"]
    ('0', True)
    """
    env = dict(os.environ)
    for var in ("VSCODE_PID", "POSITRON_VERSION", "DATABRICKS_RUNTIME_VERSION", "QUARTO_BIN_PATH", "MPLBACKEND"):
        env.pop(var, None)
    extra = [str(project)] if project is not None else []
    if env.get("PYTHONPATH"):
        extra.append(env["PYTHONPATH"])
    if extra:
        env["PYTHONPATH"] = os.pathsep.join(extra)
    env["PYTHONHASHSEED"] = "0"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["DRUGTRENDS_RENDERING"] = "1"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), _PYSPARK_WARNING]))
    return env


def _a_cell(cell: Any) -> str:
    return "a cell"


def run_notebook(nb: Any, workdir: Path, *, name: str, timeout: int = CELL_TIMEOUT,
                 describe: Callable[[Any], str] = _a_cell, on_cell: Callable[[int, Any], None] | None = None) -> Any:
    """Run every code cell of ``nb`` (in place) in a fresh kernel whose working directory is ``workdir``.

    The kernel talks over IPC sockets in a private folder (no TCP ports) and is
    shut down afterwards, whatever happens.

    Parameters
    ----------
    nb
        An ``nbformat`` notebook; its ``kernelspec`` names the kernel (default ``python3``).
    workdir
        Working directory of the kernel.
    name
        How errors name the notebook, e.g. ``"report 'trends' (reports/trends.qmd)"``.
    timeout
        Seconds each cell may run.
    describe
        Names a failing cell in the error (default ``"a cell"``).
    on_cell
        Called as ``on_cell(index, cell)`` after each cell.

    Returns
    -------
    notebook
        ``nb``, with outputs.

    Raises
    ------
    RenderError
        A cell failed (its error, last 25 traceback lines), ran too long, the
        kernel died or could not start, or no kernel of that name is installed.

    Examples
    --------
    >>> import nbformat, pathlib, tempfile
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("print(6 * 7)")]
    >>> _ = run_notebook(nb, pathlib.Path(tempfile.gettempdir()), name="demo")  # doctest: +SKIP
    >>> nb.cells[0].outputs[0]["text"]  # doctest: +SKIP
    '42\\n'
    """
    kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    ipc_dir = Path(tempfile.mkdtemp(prefix="drugtrends-kernel-"))
    try:  # the folder goes whatever happens, also on Ctrl-C (even a second one during the kernel's shutdown)
        return _run_in_kernel(nb, workdir, kernel, ipc_dir, name, timeout, describe, on_cell)
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)


def _run_in_kernel(nb: Any, workdir: Path, kernel: str, ipc_dir: Path, name: str, timeout: int,
                   describe: Callable[[Any], str], on_cell: Callable[[int, Any], None] | None) -> Any:
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(ipc_dir / "k"))
    client = NotebookClient(nb, km=km, timeout=timeout, startup_timeout=STARTUP_TIMEOUT, kernel_name=kernel,
                            resources={"metadata": {"path": str(workdir)}}, allow_errors=False, record_timing=False)
    try:
        with client.setup_kernel(env=kernel_env(paths.project_root())):
            _run_cells(client, nb, name, timeout, describe, on_cell)
    except NoSuchKernel as exc:
        raise RenderError(
            f"{name}: no Jupyter kernel named {exc.name!r}. Install it into the venv with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name python3` (make install does this)."
        ) from None
    except RuntimeError as exc:
        if isinstance(exc, DrugtrendsError):
            raise
        raise RenderError(f"{name}: the Jupyter kernel could not start or stopped: {exc}") from exc
    finally:
        # nbclient leaves a kernel manager it did not create running: stop it here
        with contextlib.suppress(Exception):
            if client.kc is not None:
                client.kc.stop_channels()
        with contextlib.suppress(Exception):
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return nb


def _run_cells(client: Any, nb: Any, name: str, timeout: int, describe: Callable[[Any], str],
               on_cell: Callable[[int, Any], None] | None) -> None:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    with contextlib.suppress(Exception):  # language_info, as nbclient.execute() records it
        info = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = info["content"]["language_info"]
    for i, cell in enumerate(nb.cells):
        try:
            client.execute_cell(cell, i)
        except CellExecutionError as exc:
            if exc.ename in _DRUGTRENDS_ERRORS:  # a drugtrends error says what to do: no traceback
                raise RenderError(f"{name}: {describe(cell)} failed with {exc.ename}: {exc.evalue}") from None
            tail = "\n".join(ANSI.sub("", str(exc)).strip().splitlines()[-25:])
            raise RenderError(f"{name}: {describe(cell)} failed with {exc.ename}: {exc.evalue}\n{tail}") from None
        except CellTimeoutError:
            raise RenderError(f"{name}: {describe(cell)} ran longer than {timeout} s; make it faster or raise "
                              "the timeout (render_file(..., timeout=...))") from None
        except DeadKernelError as exc:
            raise RenderError(f"{name}: the kernel died in {describe(cell)}: {exc}") from None
        if on_cell is not None:
            on_cell(i, cell)


def describe_cell(doc: Document, cell: Any) -> str:
    """How errors name a cell of a report notebook: its label and line, an inline expression, ...

    Parameters
    ----------
    doc
        The parsed report.
    cell
        A cell of the notebook :func:`build_notebook` made from ``doc``.

    Returns
    -------
    str
        E.g. ``"cell 'fig-trend' (line 12)"``.

    Examples
    --------
    >>> import nbformat
    >>> c = nbformat.v4.new_code_cell("1")
    >>> c.metadata["drugtrends"] = {"role": "inline", "expr": "x", "line": 3}
    >>> describe_cell(None, c)
    'inline expression `{python} x` (line 3)'
    """
    info = cell.metadata.get("drugtrends", {})
    role = info.get("role")
    if role == "cell":
        chunk = doc.chunks[info["chunk"]]
        return f"cell {chunk.name}" if isinstance(chunk, Cell) else "a cell"
    if role == "inline":
        return f"inline expression `{{python}} {info['expr']}` (line {info['line']})"
    if role == "injected-parameters":
        return "the injected parameters cell"
    return f"the renderer's {role} cell"


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
