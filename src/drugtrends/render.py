"""Render the Quarto reports, with Quarto when it is installed and without it otherwise.

Two engines give the same documents:

* ``quarto`` -- when the Quarto CLI is on ``PATH``: ``quarto render <file> --to html|typst``;
* ``builtin`` -- everything in Python wheels: the ``.qmd`` is parsed here, its
  ``{python}`` cells run in a Jupyter kernel (nbclient + ipykernel), the results
  become Pandoc markdown, and Pandoc (``pypandoc-binary``) writes a self-contained
  HTML page or a Typst file that the ``typst`` package compiles to PDF.

What the built-in engine understands of Quarto (enough for this project's reports):

* YAML front matter: ``title``, ``subtitle``, ``author``, ``date`` (``today``,
  ``last-modified``), ``abstract``, ``lang``, ``params``, ``jupyter`` (kernel
  name), ``execute`` (``echo``, ``eval``, ``output``, ``warning``, ``error``,
  ``include``) and ``format`` (``html``/``typst``/``pdf``: ``toc``,
  ``toc-depth``, ``toc-title``, ``number-sections``, ``papersize``,
  ``fig-width``, ``fig-height``, ``fig-format`` = ``svg``/``png``,
  ``fig-dpi``), merged over the project's ``_quarto.yml`` as Quarto does;
* ``{python}`` cells with ``#|`` options: ``label``, ``echo``, ``eval``,
  ``output`` (``true``/``false``/``asis``), ``include``, ``warning``,
  ``error``, ``fig-cap`` (string or list), ``fig-alt``, ``tbl-cap``,
  ``fig-width``, ``fig-height``, ``tags: [parameters]``;
* parameters the Papermill way: the cell tagged ``parameters`` holds the
  defaults, and a cell assigning the overrides is run right after it;
* inline expressions `` `{python} expr` `` (Quarto >= 1.4), evaluated in the
  kernel after every cell that precedes them;
* cross references ``@fig-x``, ``@tbl-x`` (cell labels) and ``@sec-x``
  (``# Heading {#sec-x}``), and the ``{{< pagebreak >}}`` / ``{{< meta key >}}``
  shortcodes.

Anything else executable (``{r}``, ``{ojs}``, ``{mermaid}``, other shortcodes)
is refused with a :class:`RenderError` that says to install Quarto, rather than
silently dropped.

Determinism: the kernel runs with ``PYTHONHASHSEED=0``, ``random`` and
``numpy.random`` seeded with 0, matplotlib ``svg.hashsalt`` fixed and no date
in SVG metadata, so rendering twice gives byte-identical HTML except for the
build time in the footer (``<time class="build-time">``).

Cache: the executed notebook is stored in ``_output/.cache/`` under a key that
hashes the ``.qmd`` text, the parameters, the sources of ``drugtrends_reports/`` and
``src/drugtrends/``, the report folder's ``*.py`` files, the project's
``_quarto.yml`` and the data provenance files; an unchanged report is not
executed again (``cache=False`` / ``drugtrends render --no-cache`` forces it).

Why not jupytext? It reads ``.qmd`` but through Quarto itself (``quarto
convert``), which is exactly what is missing here.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import datetime as _dt
import glob
import hashlib
import html
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drugtrends import paths
from drugtrends._io import atomic_path
from drugtrends.errors import DrugtrendsError, RenderError

__all__ = [
    "RenderError",
    "Cell",
    "Document",
    "parse_qmd",
    "parse_param_values",
    "available_reports",
    "resolve_report",
    "output_stem",
    "render_file",
    "render_reports",
    "report_variants",
    "build_docs",
    "quarto_available",
]

#: bump to invalidate every cached execution when the renderer changes what it stores
RENDERER_VERSION = "1"
#: seconds a single cell may run before the render fails
CELL_TIMEOUT = 1800
#: seconds the kernel may take to start (the machine may be busy)
STARTUP_TIMEOUT = 180
#: mime type of the values of inline expressions (internal)
_INLINE_MIME = "application/x-drugtrends-inline+json"
#: width of the Typst text block (A4, 2.5 cm margins), in inches
_TYPST_TEXT_WIDTH_IN = (21.0 - 5.0) / 2.54
_FORMATS = {"html": ".html", "pdf": ".pdf"}
_LABELS = {
    "en": {"fig": "Figure", "tbl": "Table", "toc": "Contents", "built": "Built {time} by the drugtrends built-in renderer with {versions}."},
    "fr": {"fig": "Figure", "tbl": "Tableau", "toc": "Sommaire", "built": "Produit le {time} par le moteur intégré de drugtrends avec {versions}."},
}

# --------------------------------------------------------------------------- parsing


@dataclass
class Cell:
    """One executable ``{python}`` cell of a ``.qmd`` file.

    Attributes
    ----------
    code
        The source without its ``#|`` option lines.
    options
        The ``#|`` options, parsed as YAML.
    line
        1-based line of the opening fence in the ``.qmd`` file.
    index
        0-based position among the document's code cells.
    """

    code: str
    options: dict[str, Any]
    line: int
    index: int

    @property
    def label(self) -> str | None:
        """The ``label`` option, if any."""
        lab = self.options.get("label")
        return str(lab) if lab is not None else None

    @property
    def name(self) -> str:
        """How errors name the cell: its label, else its number and line."""
        if self.label:
            return f"'{self.label}' (line {self.line})"
        return f"#{self.index + 1} (line {self.line})"

    @property
    def tags(self) -> list[str]:
        """The ``tags`` option as a list."""
        tags = self.options.get("tags") or []
        return [tags] if isinstance(tags, str) else [str(t) for t in tags]


@dataclass
class Markdown:
    """A run of markdown; ``verbatim`` for fenced code blocks (no substitutions)."""

    text: str
    line: int
    verbatim: bool = False


@dataclass
class Document:
    """A parsed ``.qmd`` file.

    Attributes
    ----------
    meta
        The YAML front matter.
    chunks
        :class:`Markdown` and :class:`Cell` objects in document order.
    params
        Parameter defaults: the front matter ``params`` updated by the
        assignments of the cell tagged ``parameters`` (``None`` when a default
        is not a literal).
    """

    path: Path | None
    text: str
    meta: dict[str, Any]
    chunks: list[Markdown | Cell] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> list[Cell]:
        """The executable cells."""
        return [c for c in self.chunks if isinstance(c, Cell)]

    @property
    def name(self) -> str:
        """The report name (file stem)."""
        return self.path.stem if self.path is not None else "<string>"

    @property
    def parameters_cell(self) -> Cell | None:
        """The cell tagged ``parameters``, if any."""
        for c in self.cells:
            if "parameters" in c.tags:
                return c
        return None


_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_EXEC_INFO = re.compile(r"^\{(?P<lang>[A-Za-z][\w-]*)(?P<rest>[^}]*)\}$")
_OPTION = re.compile(r"^#\|\s?(.*)$")
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
_SHORTCODE = re.compile(r"\{\{<\s*(\w[\w-]*)\s*(.*?)\s*>\}\}")


def _front_matter(text: str, where: str) -> tuple[dict[str, Any], int]:
    """Return (front matter, number of lines it takes)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for i in range(1, len(lines)):
        if lines[i].strip() in {"---", "..."}:
            try:
                meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError as exc:
                raise RenderError(f"{where}: the YAML front matter is not valid YAML: {exc}") from exc
            if not isinstance(meta, dict):
                raise RenderError(f"{where}: the YAML front matter must be a mapping of keys to values")
            return meta, i + 1
    raise RenderError(f"{where}: the YAML front matter opened on line 1 is never closed with '---'")


def _cell_options(lines: list[str], where: str, line: int) -> tuple[dict[str, Any], list[str]]:
    opts: list[str] = []
    i = 0
    while i < len(lines) and (m := _OPTION.match(lines[i])):
        opts.append(m.group(1))
        i += 1
    if not opts:
        return {}, lines
    try:
        parsed = yaml.safe_load("\n".join(opts)) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{where}: the '#|' options of the cell on line {line} are not valid YAML: {exc}") from exc
    if not isinstance(parsed, dict):
        raise RenderError(f"{where}: the '#|' options of the cell on line {line} must be 'key: value' lines")
    return parsed, lines[i:]


def _literal_assignments(code: str) -> dict[str, Any]:
    """Names assigned at top level of ``code`` and their literal values (else ``None``)."""
    out: dict[str, Any] = {}
    for node in ast.parse(code).body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for t in targets:
            if isinstance(t, ast.Name):
                try:
                    out[t.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    out[t.id] = None
    return out


def parse_qmd(text: str, path: str | os.PathLike[str] | None = None) -> Document:
    """Parse the text of a Quarto ``.qmd`` document.

    Parameters
    ----------
    text
        The document.
    path
        Where it comes from (used in error messages and to name the report).

    Returns
    -------
    Document
        Front matter, markdown runs and executable cells, parameter defaults.

    Raises
    ------
    RenderError
        Invalid YAML, an unclosed cell, a cell in a language other than Python,
        or a parameters cell that is not valid Python.

    Examples
    --------
    >>> doc = parse_qmd('''---
    ... title: Demo
    ... ---
    ... ```{python}
    ... #| tags: [parameters]
    ... year = 2011
    ... ```
    ... The year is `{python} year`.
    ... ''')
    >>> doc.meta["title"], doc.params, doc.cells[0].line
    ('Demo', {'year': 2011}, 4)
    """
    where = str(path) if path is not None else "<qmd>"
    text = text.replace("\r\n", "\n")
    meta, skip = _front_matter(text, where)
    lines = text.split("\n")
    doc = Document(path=Path(path) if path is not None else None, text=text, meta=meta)
    buf: list[str] = []
    buf_start = skip + 1

    def flush(next_line: int, verbatim: bool = False) -> None:
        nonlocal buf, buf_start
        if buf:
            doc.chunks.append(Markdown("\n".join(buf), buf_start, verbatim))
        buf = []
        buf_start = next_line

    i = skip
    n_cells = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            buf.append(lines[i])
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        # find the closing fence: same character, at least as long, nothing after it
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j >= len(lines):
            raise RenderError(f"{where}: the code block opened on line {i + 1} with {fence} is never closed")
        e = _EXEC_INFO.match(info)
        if e and not info.startswith(("{=", "{.", "{#")):
            lang = e.group("lang").lower()
            if lang not in {"python", "python3"}:
                raise RenderError(
                    f"{where}: line {i + 1}: '{{{lang}}}' cells need Quarto; the built-in renderer runs "
                    "only {python} cells. Install the Quarto CLI (https://quarto.org) or rewrite the cell."
                )
            flush(j + 2)
            options, body = _cell_options(lines[i + 1 : j], where, i + 1)
            rest = e.group("rest").strip(" ,")
            if rest and "label" not in options and re.fullmatch(r"[\w-]+", rest):
                options["label"] = rest
            doc.chunks.append(Cell("\n".join(body).strip("\n"), options, i + 1, n_cells))
            n_cells += 1
        else:
            flush(i + 1)
            buf.extend(lines[i : j + 1])
            flush(j + 2, verbatim=True)
        i = j + 1
    flush(len(lines) + 1)

    # parameters: front matter first, then the parameters cell (Papermill style)
    fm_params = meta.get("params") or {}
    if not isinstance(fm_params, dict):
        raise RenderError(f"{where}: front matter 'params' must be a mapping of names to default values")
    doc.params = dict(fm_params)
    pcell = doc.parameters_cell
    if pcell is not None:
        try:
            doc.params.update(_literal_assignments(pcell.code))
        except SyntaxError as exc:
            raise RenderError(
                f"{where}: the parameters cell {pcell.name} is not valid Python: {exc.msg} (cell line {exc.lineno})"
            ) from exc
    return doc


def parse_param_values(values: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """Turn ``-P key=value`` strings (or a mapping) into a parameter dict.

    Values given as strings are parsed as YAML scalars (``2011`` -> int,
    ``true`` -> bool, ``fr`` -> str, ``[a, b]`` -> list), as Quarto does.
    ``key:value`` (Quarto's spelling) is accepted too.

    Examples
    --------
    >>> parse_param_values(["year=2011", "lang=fr", "draft:true", "label=a=b"])
    {'year': 2011, 'lang': 'fr', 'draft': True, 'label': 'a=b'}
    >>> parse_param_values({"year": 2011})
    {'year': 2011}
    """
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return dict(values)
    if isinstance(values, str):
        values = [values]
    out: dict[str, Any] = {}
    for item in values:
        m = re.match(r"^\s*([A-Za-z_]\w*)\s*[=:]\s?(.*)$", str(item), re.S)
        if not m:
            raise RenderError(f"parameter {item!r} is not of the form key=value (e.g. -P year=2011)")
        key, raw = m.group(1), m.group(2)
        try:
            val = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            val = raw
        out[key] = raw if isinstance(val, dict) else val  # "a: b" is text here, not a mapping
    return out


# --------------------------------------------------------------------------- locating reports


def _reports_dir() -> Path:
    root = paths.project_root()
    return (root if root is not None else Path.cwd()) / "reports"


def available_reports(reports_dir: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Map report name -> ``.qmd`` path for every ``reports/*.qmd`` not starting with ``_``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["b.qmd", "a.qmd", "_draft.qmd", "notes.md"]:
    ...     _ = (d / n).write_text("# x")
    >>> sorted(available_reports(d))
    ['a', 'b']
    """
    d = Path(reports_dir) if reports_dir is not None else _reports_dir()
    if not d.is_dir():
        return {}
    return {p.stem: p for p in sorted(d.glob("*.qmd")) if not p.name.startswith("_")}


def resolve_report(name: str | os.PathLike[str], reports_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the ``.qmd`` file for a report name (with or without ``.qmd``) or path.

    Raises
    ------
    RenderError
        No such report; the message lists the available ones.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "trends.qmd").write_text("# x")
    >>> resolve_report("trends", d).name
    'trends.qmd'
    >>> resolve_report("nope", d)
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: unknown report 'nope'; available reports: trends (in ...)
    """
    p = Path(name)
    if p.suffix == ".qmd" and p.is_file():
        return p.resolve()
    d = Path(reports_dir) if reports_dir is not None else _reports_dir()
    stem = p.name[:-4] if p.name.endswith(".qmd") else p.name
    cand = d / f"{stem}.qmd"
    if cand.is_file():
        return cand.resolve()
    avail = ", ".join(available_reports(d)) or "none"
    raise RenderError(f"unknown report {str(name)!r}; available reports: {avail} (in {d})")


def _slug(value: Any) -> str:
    s = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_") or "_"


def output_stem(report: str, defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> str:
    """Name of a rendered file without extension: ``report`` or ``report-<values>``.

    Only overrides that differ from the defaults count, in the order of the
    report's parameters.

    Examples
    --------
    >>> output_stem("trends", {"year": 2011, "lang": "en"}, {"lang": "en"})
    'trends'
    >>> output_stem("trends", {"year": 2011, "lang": "en"}, {"lang": "fr", "year": 2009})
    'trends-2009-fr'
    """
    changed = [k for k in defaults if k in overrides and overrides[k] != defaults[k]]
    changed += [k for k in overrides if k not in defaults]
    if not changed:
        return report
    return report + "-" + "-".join(_slug(overrides[k]) for k in changed)


def _check_params(doc: Document, overrides: Mapping[str, Any]) -> None:
    unknown = [k for k in overrides if k not in doc.params]
    if not unknown:
        return
    if not doc.params:
        raise RenderError(
            f"report '{doc.name}' takes no parameters, but got -P {', '.join(unknown)}. "
            "Declare them in a cell tagged 'parameters' (#| tags: [parameters])."
        )
    known = ", ".join(f"{k} (default {v!r})" for k, v in doc.params.items())
    raise RenderError(f"report '{doc.name}' has no parameter {', '.join(map(repr, unknown))}; its parameters are: {known}")


# --------------------------------------------------------------------------- configuration


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def _project_config(start: Path) -> dict[str, Any]:
    """The nearest ``_quarto.yml`` at or above ``start`` (Quarto's project lookup)."""
    for d in [start, *start.parents]:
        f = d / "_quarto.yml"
        if f.is_file():
            try:
                return yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise RenderError(f"{f}: not valid YAML: {exc}") from exc
    return {}


def _formats(value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, list):
        return {str(v): {} for v in value}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in value.items()}


@dataclass
class _Config:
    execute: dict[str, Any]
    html: dict[str, Any]
    typst: dict[str, Any]
    lang: str
    kernel: str


def _config(doc: Document, project: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> _Config:
    execute = {"echo": True, "eval": True, "output": True, "warning": True, "error": False, "include": True}
    execute.update(project.get("execute") or {})
    execute.update(doc.meta.get("execute") or {})
    pf, df = _formats(project.get("format")), _formats(doc.meta.get("format"))
    html_opts = _deep_merge(pf.get("html", {}), df.get("html", {}))
    typst_opts = _deep_merge(_deep_merge(pf.get("pdf", {}), pf.get("typst", {})), _deep_merge(df.get("pdf", {}), df.get("typst", {})))
    # a `lang` report parameter (-P lang=fr) sets the page language: html lang, TOC title, captions, footer
    plang = str((params or {}).get("lang") or "")
    lang = str(doc.meta.get("lang") or (plang if plang.split("-")[0] in _LABELS else "") or project.get("lang") or "en")
    kernel = doc.meta.get("jupyter") or "python3"
    if isinstance(kernel, dict):
        kernel = (kernel.get("kernelspec") or {}).get("name", "python3")
    return _Config(execute, html_opts, typst_opts, lang, str(kernel))


# --------------------------------------------------------------------------- execution


_SETUP = r'''
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
    _mpl.rcParams.update({{"svg.hashsalt": "drugtrends", "figure.figsize": ({w}, {h}), "figure.dpi": {dpi}, "savefig.dpi": {dpi}}})
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


def _fig_settings(cfg: _Config) -> tuple[str, float, float, int]:
    opts = {**cfg.typst, **cfg.html}
    fmt = str(opts.get("fig-format", "svg")).lower()
    fmt = "png" if fmt in {"png", "retina"} else "svg"
    return fmt, float(opts.get("fig-width", 7)), float(opts.get("fig-height", 5)), int(opts.get("fig-dpi", 96 if fmt == "svg" else 150))


def _build_notebook(doc: Document, cfg: _Config, overrides: Mapping[str, Any]):
    """The notebook to execute; cell metadata ``drugtrends`` maps cells back to the document."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": cfg.kernel, "display_name": cfg.kernel, "language": "python"}
    fmt, w, h, dpi = _fig_settings(cfg)
    kwargs = {"bbox_inches": "tight", "metadata": {"Date": None} if fmt == "svg" else {"Software": None}}
    setup = _SETUP.format(fmt=fmt, kwargs=kwargs, w=w, h=h, dpi=dpi, mime=_INLINE_MIME)

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
            for k, m in enumerate(_INLINE.finditer(chunk.text)):
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
    return nb


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _kernel_env(project: Path | None) -> dict[str, str]:
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
    return env


def _execute(doc: Document, nb, workdir: Path, timeout: int, on_cell=None):
    """Run every cell of ``nb`` in a fresh kernel whose working directory is ``workdir``."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from jupyter_client.manager import KernelManager

    # IPC sockets in a private folder: no TCP ports, no "running over TCP without encryption" warning
    ipc_dir = Path(tempfile.mkdtemp(prefix="drugtrends-kernel-"))
    km = KernelManager(kernel_name=nb.metadata["kernelspec"]["name"], transport="ipc", ip=str(ipc_dir / "k"))
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        startup_timeout=STARTUP_TIMEOUT,
        kernel_name=nb.metadata["kernelspec"]["name"],
        resources={"metadata": {"path": str(workdir)}},
        allow_errors=False,
        record_timing=False,
    )
    cells = doc.cells
    try:
        with client.setup_kernel(env=_kernel_env(paths.project_root())):
            for i, cell in enumerate(nb.cells):
                info = cell.metadata.get("drugtrends", {})
                try:
                    client.execute_cell(cell, i)
                except CellExecutionError as exc:
                    tb = _ANSI.sub("", str(exc)).strip()
                    tail = "\n".join(tb.splitlines()[-25:])
                    what = _describe(doc, info, cells)
                    raise RenderError(
                        f"report '{doc.name}' ({doc.path}): {what} failed with {exc.ename}: {exc.evalue}\n{tail}"
                    ) from None
                except CellTimeoutError:
                    raise RenderError(
                        f"report '{doc.name}': {_describe(doc, info, cells)} ran longer than {timeout} s; "
                        "make it faster or raise the timeout (render_file(..., timeout=...))"
                    ) from None
                except DeadKernelError as exc:
                    raise RenderError(f"report '{doc.name}': the kernel died in {_describe(doc, info, cells)}: {exc}") from None
                if on_cell is not None and info.get("role") == "cell":
                    on_cell(i)
    except NoSuchKernel as exc:
        raise RenderError(
            f"report '{doc.name}': no Jupyter kernel named {exc.name!r}. Install it into the venv with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name python3` (make install does this)."
        ) from None
    except RuntimeError as exc:
        if isinstance(exc, DrugtrendsError):
            raise
        raise RenderError(f"report '{doc.name}': the Jupyter kernel could not start or stopped: {exc}") from exc
    finally:
        # nbclient leaves a kernel manager it did not create running: stop it here
        with contextlib.suppress(Exception):
            if client.kc is not None:
                client.kc.stop_channels()
        with contextlib.suppress(Exception):
            if km.has_kernel:
                km.shutdown_kernel(now=False)
        shutil.rmtree(ipc_dir, ignore_errors=True)
    return nb


def _describe(doc: Document, info: Mapping[str, Any], cells: list[Cell]) -> str:
    role = info.get("role")
    if role == "cell":
        chunk = doc.chunks[info["chunk"]]
        assert isinstance(chunk, Cell)
        return f"cell {chunk.name}"
    if role == "inline":
        return f"inline expression `{{python}} {info['expr']}` (line {info['line']})"
    if role == "injected-parameters":
        return "the injected parameters cell"
    return f"the renderer's {role} cell"


# --------------------------------------------------------------------------- cache


def _tree_digest(h: Any, root: Path, pattern: str) -> None:
    if not root.is_dir():
        return
    for f in sorted(root.rglob(pattern)):
        if "__pycache__" in f.parts or not f.is_file():
            continue
        h.update(str(f.relative_to(root)).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())


def cache_key(doc: Document, params: Mapping[str, Any]) -> str:
    """Hash of everything an execution depends on (see the module docstring).

    Examples
    --------
    >>> d = parse_qmd("```{python}\\nx = 1\\n```\\n")
    >>> cache_key(d, {}) == cache_key(d, {}) != cache_key(d, {"x": 2})
    True
    """
    h = hashlib.sha256()
    h.update(f"renderer {RENDERER_VERSION}\n".encode())
    h.update(doc.text.encode())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    h.update(_dependency_digest())
    if doc.path is not None:
        for f in sorted(doc.path.parent.glob("*.py")):
            h.update(f.name.encode() + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _dependency_digest() -> bytes:
    """Digest of the code and data every report depends on.

    ``drugtrends_reports/**/*.py``, ``src/drugtrends/**/*.py``, the project's
    ``_quarto.yml`` and every ``*.provenance.json`` in the data directory.
    """
    h = hashlib.sha256()
    root = paths.project_root()
    if root is not None:
        _tree_digest(h, root / "drugtrends_reports", "*.py")
        _tree_digest(h, root / "src" / "drugtrends", "*.py")
        cfg = root / "_quarto.yml"
        if cfg.is_file():
            h.update(cfg.read_bytes())
    with contextlib.suppress(OSError):
        _tree_digest(h, paths.data_dir(), "*.provenance.json")
    return h.digest()


def _cache_dir(outdir: Path | None = None) -> Path:
    return (outdir if outdir is not None else paths.output_dir()) / ".cache"



# --------------------------------------------------------------------------- conversion to markdown


def _fence(content: str, info: str) -> str:
    runs = [len(m) for m in re.findall(r"`{3,}", content)]
    ticks = "`" * max(3, max(runs, default=0) + 1)
    return f"{ticks}{info}\n{content.rstrip(chr(10))}\n{ticks}"


def _as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_KERNEL_FILE = re.compile(r"(?:/[^\s:\"']*)?/ipykernel_\d+/\d+\.py")


def _clean_output(text: str) -> str:
    """Strip ANSI colours and the kernel's per-process cell file names (reproducible output)."""
    return _KERNEL_FILE.sub("<cell>", _ANSI.sub("", text))


def _image_width_in(mime: str, data: bytes) -> float | None:
    if mime == "image/svg+xml":
        m = re.search(rb"<svg[^>]*?\swidth=\"([\d.]+)(pt|px|in|cm|mm)?\"", data[:4000])
        if not m:
            return None
        per_in = {b"pt": 72.0, b"px": 96.0, b"in": 1.0, b"cm": 2.54, b"mm": 25.4, None: 96.0}[m.group(2)]
        return float(m.group(1)) / per_in
    if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        width = int.from_bytes(data[16:20], "big")
        dpi = 96.0
        i = data.find(b"pHYs")
        if i > 0:
            ppu = int.from_bytes(data[i + 4 : i + 8], "big")
            if data[i + 12] == 1 and ppu > 0:
                dpi = ppu * 0.0254
        return width / dpi
    return None


_IMAGE_MIMES = {"image/svg+xml": ".svg", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


def _html_for_typst(fragment: str, caption: str | None, ident: str | None) -> str:
    """Convert an HTML table (pandas, great_tables) to a raw Typst block via Pandoc."""
    import pypandoc

    frag = re.sub(r"<(style|script)\b.*?</\1>", "", fragment, flags=re.S | re.I)
    frag = re.sub(r"</?div\b[^>]*>", "", frag, flags=re.I)
    title = re.search(r"<t[dh][^>]*class=\"[^\"]*gt_title[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    subtitle = re.search(r"<t[dh][^>]*class=\"[^\"]*gt_subtitle[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    frag = re.sub(r"<tr[^>]*class=\"gt_heading\"[^>]*>.*?</tr>", "", frag, flags=re.S)
    notes = re.findall(r"<t[dh][^>]*class=\"[^\"]*gt_(?:sourcenote|footnote)\b[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    frag = re.sub(r"<tfoot\b.*?</tfoot>", "", frag, flags=re.S)
    cap_html = html.escape(caption) if caption else None
    if cap_html is None and title:
        cap_html = title.group(1).strip()
        if subtitle and subtitle.group(1).strip():
            cap_html += ". " + subtitle.group(1).strip()
    if cap_html or ident:
        def add_caption(m: re.Match[str]) -> str:
            tag = m.group(0)
            if ident:
                tag = re.sub(r"\sid=\"[^\"]*\"", "", tag)
                tag = tag[:-1] + f' id="{html.escape(ident)}">'
            return tag + (f"<caption>{cap_html}</caption>" if cap_html else "")

        frag = re.sub(r"<caption\b.*?</caption>", "", frag, flags=re.S)
        frag = re.sub(r"<table\b[^>]*>", add_caption, frag, count=1)
    typ = pypandoc.convert_text(frag, "typst", format="html", extra_args=["--wrap=none"]).rstrip()
    notes_html = "".join(f"<p>{n.strip()}</p>" for n in notes if n.strip())
    if notes_html:
        # source notes and footnotes in a smaller font, as in the HTML table
        notes_typ = pypandoc.convert_text(notes_html, "typst", format="html", extra_args=["--wrap=none"]).strip()
        typ += f"\n\n#block[\n#set text(size: 0.85em)\n{notes_typ}\n]"
    return _fence(typ, "{=typst}")


def _table_key(cell: Cell) -> str:
    return cell.label if cell.label and cell.label.startswith("tbl-") else f"#cell{cell.index}"


@dataclass
class _Refs:
    numbers: dict[str, int]
    sections: dict[str, str]


def _collect_refs(doc: Document) -> _Refs:
    # tables: every cell with a tbl-cap, in order (figures are numbered from the outputs)
    numbers: dict[str, int] = {}
    for c in doc.cells:
        if c.options.get("tbl-cap"):
            numbers[_table_key(c)] = len(numbers) + 1
    sections: dict[str, str] = {}
    for ch in doc.chunks:
        if isinstance(ch, Markdown) and not ch.verbatim:
            for m in re.finditer(r"^#{1,6}\s+(.*?)\s*\{[^}]*#(sec-[\w-]+)[^}]*\}\s*$", ch.text, re.M):
                sections[m.group(2)] = m.group(1)
    return _Refs(numbers, sections)


class _Converter:
    """Executed notebook + parsed document -> Pandoc markdown for one target."""

    def __init__(self, doc: Document, cfg: _Config, nb, target: str, figdir: Path):
        self.doc, self.cfg, self.target, self.figdir = doc, cfg, target, figdir
        self.labels = _LABELS.get(cfg.lang.split("-")[0], _LABELS["en"])
        self.refs = _collect_refs(doc)
        self.outputs: dict[int, list] = {}
        self.inline: dict[tuple[int, int], str] = {}
        for cell in nb.cells:
            info = cell.metadata.get("drugtrends", {})
            if info.get("role") == "cell":
                self.outputs[info["chunk"]] = cell.get("outputs", [])
            elif info.get("role") == "inline":
                val = ""
                for out in cell.get("outputs", []):
                    data = out.get("data", {}).get(_INLINE_MIME)
                    if data is not None:
                        val = data["value"] if isinstance(data, dict) else json.loads(data)["value"]
                self.inline[(info["chunk"], info["k"])] = val
        # figures: every captioned image, in document order (as Typst numbers them)
        self.fig_numbers: dict[tuple[int, int], int] = {}
        for ci, chunk in enumerate(doc.chunks):
            if not isinstance(chunk, Cell):
                continue
            opts = {**cfg.execute, **chunk.options}
            if not (opts.get("include", True) and opts.get("output", True) and opts.get("eval", True)):
                continue
            n = 0
            for out in self.outputs.get(ci, []):
                if self._image_mime(out) is None:
                    continue
                if self._caption(opts, "fig-cap", n):
                    self.fig_numbers[(chunk.index, n)] = len(self.fig_numbers) + 1
                    if n == 0 and (chunk.label or "").startswith("fig-"):
                        self.refs.numbers[chunk.label] = self.fig_numbers[(chunk.index, n)]
                n += 1

    def _image_mime(self, out: Mapping[str, Any]) -> str | None:
        if out.get("output_type") not in {"display_data", "execute_result"}:
            return None
        data = out.get("data", {})
        if _INLINE_MIME in data or (self.target == "html" and "text/html" in data):
            return None
        return next((m for m in _IMAGE_MIMES if m in data), None)

    # -- markdown runs
    def markdown(self, ci: int, chunk: Markdown) -> str:
        if chunk.verbatim:
            return chunk.text
        counter = iter(range(10**9))
        text = _INLINE.sub(lambda m: self.inline.get((ci, next(counter)), m.group(0)), chunk.text)
        text = self._xrefs(text)
        return _SHORTCODE.sub(self._shortcode, text)

    def _xrefs(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            lab = m.group(1)
            kind = lab.split("-", 1)[0]
            if kind == "sec":
                title = self.refs.sections.get(lab)
                if title is None:
                    return m.group(0)
                if self.target == "typst":
                    return f"`#link(<{lab}>)[{_typst_escape(title)}]`{{=typst}}"
                return f"[{title}](#{lab})"
            if lab not in self.refs.numbers:
                return m.group(0)
            if self.target == "typst":
                return f"`@{lab}`{{=typst}}"
            return f"[{self.labels[kind]}&nbsp;{self.refs.numbers[lab]}](#{lab})"

        return re.sub(r"(?<![\w@\\])@((?:fig|tbl|sec)-[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)", repl, text)

    def _shortcode(self, m: re.Match[str]) -> str:
        name, args = m.group(1), m.group(2)
        if name == "pagebreak":
            if self.target == "typst":
                return "\n```{=typst}\n#pagebreak()\n```\n"
            return '\n```{=html}\n<div style="page-break-after: always;"></div>\n```\n'
        if name == "meta":
            val: Any = self.doc.meta
            for part in args.strip().split("."):
                val = val.get(part) if isinstance(val, dict) else None
            if val is None:
                raise RenderError(f"report '{self.doc.name}': {{{{< meta {args} >}}}} names no front-matter key")
            return str(val)
        raise RenderError(
            f"report '{self.doc.name}': the shortcode {{{{< {name} >}}}} needs Quarto; "
            "the built-in renderer knows only 'pagebreak' and 'meta'."
        )

    # -- code cells
    def cell(self, ci: int, cell: Cell) -> str:
        opts = {**self.cfg.execute, **cell.options}
        if not opts.get("include", True):
            return ""
        parts: list[str] = []
        if opts.get("echo", True):
            parts.append(_fence(cell.code, " {.python .cell-code}"))
        show = opts.get("output", True)
        if show and opts.get("eval", True):
            parts.extend(self._outputs(cell, opts, self.outputs.get(ci, []), asis=show == "asis"))
        # no wrapper div: headings printed by `output: asis` cells must stay top-level
        # blocks, or Pandoc leaves them out of the sections and the table of contents
        return "\n\n".join(p for p in parts if p)

    def _outputs(self, cell: Cell, opts: Mapping[str, Any], outputs: list, asis: bool) -> list[str]:
        parts: list[str] = []
        n_fig = 0
        n_tbl = 0
        streams: list[tuple[str, str]] = []
        for out in outputs:
            if out.get("output_type") == "stream":
                if streams and streams[-1][0] == out["name"]:
                    streams[-1] = (out["name"], streams[-1][1] + _as_text(out["text"]))
                else:
                    streams.append((out["name"], _as_text(out["text"])))
                continue
            for name, text in streams:
                parts.append(self._stream(name, text, opts, asis))
            streams = []
            kind = out.get("output_type")
            if kind == "error":
                tb = _clean_output("\n".join(out.get("traceback", [])))
                parts.append(_fence(tb, " {.cell-output .cell-output-error}"))
            elif kind in {"display_data", "execute_result"}:
                data = out.get("data", {})
                if _INLINE_MIME in data:
                    continue
                img = self._image_mime(out)
                if img is not None:
                    parts.append(self._figure(cell, opts, img, data[img], n_fig))
                    n_fig += 1
                elif "text/markdown" in data and not (self.target == "html" and "text/html" in data):
                    md = _as_text(data["text/markdown"])
                    parts.append(self._table_caption(cell, opts, n_tbl, md) if _looks_like_table(md) else md)
                    n_tbl += _looks_like_table(md)
                elif "text/html" in data:
                    parts.append(self._html(cell, opts, _as_text(data["text/html"]), n_tbl))
                    n_tbl += "<table" in _as_text(data["text/html"])
                elif "text/latex" in data and re.fullmatch(r"\s*\$.*\$\s*", _as_text(data["text/latex"]), re.S):
                    parts.append(_as_text(data["text/latex"]))
                elif "text/plain" in data:
                    text = _as_text(data["text/plain"])
                    parts.append(text if asis else _fence(text, " {.cell-output .cell-output-display}"))
        for name, text in streams:
            parts.append(self._stream(name, text, opts, asis))
        return parts

    def _stream(self, name: str, text: str, opts: Mapping[str, Any], asis: bool) -> str:
        if name == "stderr" and not opts.get("warning", True):
            return ""
        if not text.strip():
            return ""
        if asis and name == "stdout":
            return text
        return _fence(_clean_output(text), f" {{.cell-output .cell-output-{name}}}")

    def _caption(self, opts: Mapping[str, Any], key: str, n: int) -> str | None:
        cap = opts.get(key)
        if isinstance(cap, list):
            return str(cap[n]) if n < len(cap) else None
        return str(cap) if cap is not None and n == 0 else None

    def _figure(self, cell: Cell, opts: Mapping[str, Any], mime: str, payload: Any, n: int) -> str:
        raw = _as_text(payload)
        data = raw.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(raw)
        base = cell.label or f"cell-{cell.index + 1}"
        fname = f"{base}-{n + 1}{_IMAGE_MIMES[mime]}"
        self.figdir.mkdir(parents=True, exist_ok=True)
        (self.figdir / fname).write_bytes(data)
        rel = f"{self.figdir.name}/{fname}"
        cap = self._caption(opts, "fig-cap", n) or ""
        # alt text: fig-alt, else the caption as plain text (screen readers get something meaningful)
        alt = self._caption(opts, "fig-alt", n) or re.sub(r"<[^>]+>|[*_`]|@\S+", "", cap).strip()
        attrs: list[str] = []
        lab = cell.label or ""
        ident = lab if n == 0 else f"{lab}-{n + 1}"
        if cap and lab.startswith("fig-"):
            attrs.append(f"#{ident}")
        num = self.fig_numbers.get((cell.index, n))
        if cap and num is not None and self.target == "html":
            cap = f"{self.labels['fig']}&nbsp;{num}: {cap}"
        if alt:
            attrs.append(f'alt="{_attr_escape(alt)}"')
        width = _image_width_in(mime, data)
        if width:
            if self.target == "typst":
                attrs.append(f"width={min(100.0, 100 * width / _TYPST_TEXT_WIDTH_IN):.1f}%")
            elif mime != "image/svg+xml":
                attrs.append(f"width={width:.2f}in")
        attr = "{" + " ".join(attrs) + "}" if attrs else ""
        if not cap:
            # an image alone without caption stays an image (no figure); keep it in its own paragraph
            return f"![]({rel}){attr}\\ "
        return f"![{cap}]({rel}){attr}"

    def _table_caption(self, cell: Cell, opts: Mapping[str, Any], n: int, body: str) -> str:
        cap = self._caption(opts, "tbl-cap", n)
        if not cap:
            return body
        lab = cell.label or ""
        if self.target == "typst":
            ident = f" {{#{lab}}}" if lab.startswith("tbl-") and n == 0 else ""
            return f"{body}\n\n: {cap}{ident}"
        if n == 0 and _table_key(cell) in self.refs.numbers:
            cap = f"{self.labels['tbl']}&nbsp;{self.refs.numbers[_table_key(cell)]}: {cap}"
        ident = f"#{lab} " if lab.startswith("tbl-") and n == 0 else ""
        return f"::::: {{{ident}.table-figure}}\n::: {{.table-caption}}\n{cap}\n:::\n\n{body}\n:::::"

    def _html(self, cell: Cell, opts: Mapping[str, Any], fragment: str, n: int) -> str:
        is_table = "<table" in fragment
        if self.target == "typst":
            if not is_table:
                import pypandoc

                frag = re.sub(r"<(style|script)\b.*?</\1>", "", fragment, flags=re.S | re.I)
                return pypandoc.convert_text(frag, "markdown-raw_html-native_divs-native_spans", format="html")
            cap = self._caption(opts, "tbl-cap", n)
            lab = cell.label or ""
            ident = lab if lab.startswith("tbl-") and cap and n == 0 else None
            return _html_for_typst(fragment, cap, ident)
        block = _fence(fragment, "{=html}")
        return self._table_caption(cell, opts, n, block) if is_table else block


def _looks_like_table(md: str) -> bool:
    return bool(re.search(r"^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}", md, re.M))


def _attr_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _typst_escape(s: str) -> str:
    return re.sub(r"([\\\[\]#$*_`<>@])", r"\\\1", s)


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for a in items:
        if isinstance(a, dict):
            name = a.get("name", "")
            if isinstance(name, dict):
                name = name.get("literal") or " ".join(str(name.get(k, "")) for k in ("given", "family")).strip()
            out.append(str(name))
        else:
            out.append(str(a))
    return [a for a in out if a]


def _doc_date(value: Any, path: Path | None) -> str | None:
    if value is None:
        return None
    if value == "today" or value == "now":
        return _dt.date.today().isoformat()
    if value == "last-modified" and path is not None:
        return _dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _metadata_block(doc: Document, cfg: _Config, target: str) -> str:
    meta: dict[str, Any] = {}
    for key in ("title", "subtitle", "abstract", "keywords", "description"):
        if doc.meta.get(key) is not None:
            meta[key] = doc.meta[key]
    authors = _authors(doc.meta.get("author"))
    if authors:
        meta["author"] = authors
    date = _doc_date(doc.meta.get("date"), doc.path)
    if date:
        meta["date"] = date
    meta["lang"] = cfg.lang
    opts = cfg.html if target == "html" else cfg.typst
    labels = _LABELS.get(cfg.lang.split("-")[0], _LABELS["en"])
    meta["toc-title"] = opts.get("toc-title", labels["toc"])
    if target == "html":
        meta["pagetitle"] = str(doc.meta.get("pagetitle") or doc.meta.get("title") or doc.name)
    else:
        meta["papersize"] = str(opts.get("papersize", "a4"))
        meta["margin"] = opts.get("margin", {"x": "2.5cm", "y": "2.5cm"})
        meta["page-numbering"] = "1"
        if opts.get("number-sections"):
            meta["section-numbering"] = "1.1.1"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + "---\n"


def to_markdown(doc: Document, nb, target: str, figdir: Path, project: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None) -> str:
    """Assemble the Pandoc markdown of an executed report for ``target`` (``html`` or ``typst``).

    Figures are written into ``figdir`` and referenced relative to its parent.
    ``params`` are the resolved report parameters: a ``lang`` parameter sets
    the page language (table-of-contents title, caption prefixes, footer).

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> doc = parse_qmd("---\\ntitle: T\\n---\\nSome *text*.\\n")
    >>> md = to_markdown(doc, nbformat.v4.new_notebook(), "html", pathlib.Path(tempfile.mkdtemp()) / "f")
    >>> md.splitlines()[-1]
    'Some *text*.'
    """
    cfg = _config(doc, project if project is not None else {}, params)
    conv = _Converter(doc, cfg, nb, target, figdir)
    parts = [_metadata_block(doc, cfg, target)]
    for ci, chunk in enumerate(doc.chunks):
        part = conv.markdown(ci, chunk) if isinstance(chunk, Markdown) else conv.cell(ci, chunk)
        if part:
            parts.append(part)
    return "\n\n".join(p.strip("\n") for p in parts).rstrip() + "\n"


# --------------------------------------------------------------------------- pandoc / typst


_CSS = """
:root { --fg: #212529; --muted: #6c757d; --accent: #2780e3; --border: #dee2e6; --code-bg: #f8f9fa; }
html { font-size: 16px; -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.5rem 3rem; color: var(--fg); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  line-height: 1.55; }
h1, h2, h3, h4, h5, h6 { line-height: 1.2; margin: 1.8em 0 0.6em; font-weight: 500; }
h1 { font-size: 2rem; } h2 { font-size: 1.6rem; border-bottom: 1px solid var(--border); padding-bottom: .25rem; }
h3 { font-size: 1.3rem; } h4 { font-size: 1.1rem; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
p { margin: 0 0 1rem; }
header#title-block-header { text-align: center; margin: 0 0 2rem; padding-bottom: 1rem; border-bottom: 1px solid var(--border); }
header#title-block-header .title { margin-top: 0; font-size: 2.25rem; }
header#title-block-header .subtitle { margin: -.25rem 0 .75rem; color: var(--muted); font-size: 1.25rem; font-weight: 400; }
header#title-block-header .author, header#title-block-header .date { margin: 0; color: var(--muted); }
header#title-block-header .abstract { margin-top: 1rem; }
nav#TOC { background: var(--code-bg); border: 1px solid var(--border); border-radius: .375rem; padding: .75rem 1.25rem; margin: 0 0 2rem; font-size: .95rem; }
nav#TOC > h2 { font-size: 1rem; margin: 0 0 .4rem; border: 0; padding: 0; }
nav#TOC ul { list-style: none; padding-left: 1rem; margin: 0; } nav#TOC > ul { padding-left: 0; }
nav#TOC li { margin: .15rem 0; }
img, svg { max-width: 100%; height: auto; }
figure { margin: 1.5rem 0; text-align: center; }
figcaption, .table-caption { color: var(--muted); font-size: .9rem; margin-top: .5rem; text-align: left; }
.table-caption { margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; margin: 1rem auto; border: 0; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--border); }
thead th { border-bottom: 2px solid #adb5bd; text-align: left; }
.cell { margin: 1rem 0; } .cell-output-display { overflow-x: auto; }
pre, code { font-family: SFMono-Regular, Menlo, Monaco, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: .875em; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: .375rem; padding: .75rem 1rem; overflow-x: auto; }
pre.cell-output, div.cell-output pre, .cell-output-stdout pre { background: #fff; }
.cell-output-stderr pre { background: #fff8e1; }
code { color: #7d12ba; } pre code { color: inherit; }
blockquote { margin: 1rem 0; padding: .25rem 1rem; border-left: .25rem solid var(--border); color: var(--muted); }
.callout, div[class*="callout-"] { border-left: .3rem solid var(--accent); background: #f3f8fe; padding: .6rem 1rem; margin: 1rem 0; border-radius: .25rem; }
.callout-warning { border-left-color: #ff7518; background: #fff6ef; } .callout-important { border-left-color: #cc1914; background: #fdf1f1; }
.callout-tip { border-left-color: #3fb618; background: #f2faef; }
footer.build-info { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--border); color: var(--muted); font-size: .8rem; }
code { white-space: pre-wrap; } span.smallcaps { font-variant: small-caps; }
div.columns { display: flex; gap: min(4vw, 1.5em); } div.column { flex: auto; overflow-x: auto; }
ul.task-list { list-style: none; } ul.task-list li input[type="checkbox"] { width: .8em; margin: 0 .8em .2em -1.6em; vertical-align: middle; }
.display.math { display: block; text-align: center; margin: .5rem auto; }
hr { border: none; border-top: 1px solid var(--border); margin: 1.5rem 0; }
sup, sub { line-height: 0; } dt { font-weight: 600; } dd { margin: 0 0 .5rem 1.5rem; }
section.footnotes { font-size: .9rem; color: var(--muted); }
@media print { body { max-width: none; } nav#TOC { display: none; } }
"""


def _versions() -> dict[str, str]:
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for pkg in ("drugtrends", "pandas", "numpy", "matplotlib", "great_tables", "nbclient", "pypandoc_binary", "typst"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[pkg] = importlib.metadata.version(pkg)
    with contextlib.suppress(Exception):
        import pypandoc

        out["pandoc"] = pypandoc.get_pandoc_version()
    return out


def _build_stamp() -> tuple[str, str]:
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z"), now.strftime("%Y-%m-%d %H:%M UTC")


def _footer_html(lang: str) -> str:
    iso, human = _build_stamp()
    labels = _LABELS.get(lang.split("-")[0], _LABELS["en"])
    vers = ", ".join(f"{k} {v}" for k, v in _versions().items())
    stamp = f'<time class="build-time" datetime="{iso}">{human}</time>'
    return f'<footer class="build-info">{labels["built"].format(time=stamp, versions=html.escape(vers))}</footer>\n'


def _footer_markdown(lang: str) -> str:
    _, human = _build_stamp()
    labels = _LABELS.get(lang.split("-")[0], _LABELS["en"])
    vers = ", ".join(f"{k} {v}" for k, v in _versions().items())
    return "\n\n---\n\n" + labels["built"].format(time=human, versions=vers) + "\n"


def _pandoc(args: list[str], where: str) -> None:
    import pypandoc

    try:
        exe = pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover - pypandoc-binary ships pandoc
        raise RenderError(f"{where}: pandoc not found; reinstall pypandoc-binary ({exc})") from exc
    proc = subprocess.run([exe, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"{where}: pandoc failed (exit {proc.returncode}):\n{proc.stderr.strip()}")


def _write_html(md_path: Path, target: Path, cfg: _Config, where: str) -> Path:
    work = md_path.parent
    css = work / "drugtrends.css"
    css.write_text(_CSS, encoding="utf-8")
    footer = work / "footer.html"
    footer.write_text(_footer_html(cfg.lang), encoding="utf-8")
    args = [
        str(md_path), "--from", "markdown", "--to", "html5", "--standalone", "--embed-resources",
        "--mathml", "--section-divs", "--wrap=none", f"--css={css}", f"--include-after-body={footer}",
        f"--resource-path={work}", "--metadata", "document-css=false",
    ]
    if cfg.html.get("toc", False):
        args += ["--toc", f"--toc-depth={int(cfg.html.get('toc-depth', 3))}"]
    if cfg.html.get("number-sections", False):
        args.append("--number-sections")
    with atomic_path(target) as tmp:
        _pandoc([*args, "--output", str(tmp)], where)
    return target


_TYPST_HEADER = """#show raw.where(block: true): set block(fill: luma(246), inset: 8pt, radius: 3pt, width: 100%)
#show figure.where(kind: table): set block(breakable: true)
#show table: set par(justify: false)
#show table: set text(size: 0.85em, hyphenate: false)
#show heading: set block(above: 1.4em, below: 0.8em)
#show link: set text(fill: rgb("#2780e3"))
"""


def _write_pdf(md_path: Path, target: Path, cfg: _Config, where: str) -> Path:
    import typst

    work = md_path.parent
    typ = work / (md_path.stem + ".typ")
    args = [
        str(md_path), "--from", "markdown", "--to", "typst", "--standalone", "--wrap=none",
        f"--resource-path={work}", "--variable", f"header-includes={_TYPST_HEADER}",
    ]
    if cfg.typst.get("toc", False):
        args += ["--toc", f"--toc-depth={int(cfg.typst.get('toc-depth', 3))}"]
    _pandoc([*args, "--output", str(typ)], where)
    with atomic_path(target) as tmp:
        try:
            typst.compile(str(typ), output=str(tmp), root=str(work), format="pdf", ignore_system_fonts=True)
        except Exception as exc:  # typst raises its own RuntimeError subclasses
            raise RenderError(f"{where}: typst could not compile the PDF ({typ}):\n{exc}") from exc
    return target


# --------------------------------------------------------------------------- quarto engine


def quarto_available() -> bool:
    """Whether the Quarto CLI is on ``PATH``.

    Examples
    --------
    >>> isinstance(quarto_available(), bool)
    True
    """
    return shutil.which("quarto") is not None


def _render_quarto(path: Path, formats: list[str], overrides: Mapping[str, Any], raw: Mapping[str, str], stem: str, outdir: Path) -> list[Path]:
    exe = shutil.which("quarto")
    if exe is None:
        raise RenderError("engine='quarto' but the quarto CLI is not on PATH; install it from https://quarto.org or use engine='builtin'")
    results = []
    for fmt in formats:
        with tempfile.TemporaryDirectory(prefix=f".{stem}-", dir=_ensure(outdir)) as tmp:
            cmd = [exe, "render", str(path), "--to", "html" if fmt == "html" else "typst", "--output-dir", tmp]
            for k, v in overrides.items():
                cmd += ["-P", f"{k}:{raw.get(k, v if isinstance(v, str) else json.dumps(v, default=str))}"]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent)
            if proc.returncode != 0:
                raise RenderError(f"quarto render {path.name} --to {fmt} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-4000:]}")
            ext = _FORMATS[fmt]
            found = sorted(Path(tmp).rglob(f"{path.stem}{ext}"))
            if not found:
                raise RenderError(f"quarto render {path.name} --to {fmt} succeeded but wrote no {path.stem}{ext} under {tmp}")
            target = outdir / f"{stem}{ext}"
            with atomic_path(target) as part:
                shutil.copyfile(found[0], part)
            results.append(target)
    return results


def _ensure(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    return d


# --------------------------------------------------------------------------- public API


def _formats_for(to: str) -> list[str]:
    to = (to or "all").lower()
    if to == "all":
        return ["html", "pdf"]
    if to in {"typst"}:
        return ["pdf"]
    if to not in _FORMATS:
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
        The written files: ``<report>.html`` / ``.pdf``, or
        ``<report>-<values>.html`` when parameters differ from their defaults.

    Raises
    ------
    RenderError
        Unknown parameter, a failing cell (named by label and line) or a
        conversion failure.

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
    formats = _formats_for(to)
    engine = (engine or "auto").lower()
    if engine not in {"auto", "quarto", "builtin"}:
        raise RenderError(f"unknown engine {engine!r}; use auto, quarto or builtin")
    if engine == "auto":
        engine = "quarto" if quarto_available() else "builtin"
    outdir = Path(output_dir) if output_dir is not None else paths.output_dir()
    console = None if quiet else _console()

    raw = {}
    if params is not None and not isinstance(params, Mapping):
        items = [params] if isinstance(params, str) else list(params)
        raw = {m.group(1): m.group(2) for it in items if (m := re.match(r"^\s*([A-Za-z_]\w*)\s*[=:]\s?(.*)$", str(it), re.S))}
    overrides = parse_param_values(params)
    doc = parse_qmd(path.read_text(encoding="utf-8"), path)
    _check_params(doc, overrides)
    stem = output_stem(doc.name, doc.params, overrides)
    t0 = time.perf_counter()

    if engine == "quarto":
        if console:
            console.print(f"[bold]{stem}[/]: quarto render --to {', '.join(formats)}")
        written = _render_quarto(path, formats, overrides, raw, stem, outdir)
        if console:
            for p in written:
                console.print(f"  [green]wrote[/] {p}")
        return written

    project = _project_config(path.parent)
    resolved = {**doc.params, **overrides}
    cfg = _config(doc, project, resolved)
    key = cache_key(doc, {"params": resolved, "project": project})
    cache_file = _cache_dir(outdir) / f"{stem}--{key[:20]}.ipynb"
    nb = None
    import nbformat

    if cache and cache_file.is_file():
        with contextlib.suppress(Exception):
            nb = nbformat.read(str(cache_file), as_version=4)
    if nb is not None:
        stats.cache_hits += 1
        if console:
            console.print(f"[bold]{stem}[/]: unchanged since last run, using cached results")
    elif not doc.cells and not any(isinstance(c, Markdown) and not c.verbatim and _INLINE.search(c.text) for c in doc.chunks):
        nb = nbformat.v4.new_notebook()  # nothing to run: no kernel
    else:
        nb = _build_notebook(doc, cfg, overrides)
        n = len(doc.cells)
        status = None
        if console:
            status = console.status(f"[bold]{stem}[/]: executing {n} cells")
            status.start()
        try:
            def on_cell(i: int, _s=status) -> None:
                if _s is not None:
                    _s.update(f"[bold]{stem}[/]: executing cell {i}/{len(nb.cells) - 1}")

            _execute(doc, nb, path.parent, timeout, on_cell)
        finally:
            if status is not None:
                status.stop()
        stats.executions += 1
        if console:
            console.print(f"[bold]{stem}[/]: executed {n} cells in {time.perf_counter() - t0:.1f} s")
        _ensure(cache_file.parent)
        with atomic_path(cache_file) as tmp:
            nbformat.write(nb, str(tmp))
        # keep one cached execution per report and parameter set
        for old in cache_file.parent.glob(f"{glob.escape(stem)}--{'[0-9a-f]' * 20}.ipynb"):
            if old != cache_file:
                with contextlib.suppress(OSError):
                    old.unlink()

    written = []
    _ensure(outdir)
    with tempfile.TemporaryDirectory(prefix=f".{stem}-", dir=_ensure(_cache_dir(outdir))) as tmpdir:
        for fmt in formats:
            work = Path(tmpdir) / fmt
            work.mkdir()
            target_kind = "html" if fmt == "html" else "typst"
            md = to_markdown(doc, nb, target_kind, work / "figures", project, resolved)
            if fmt == "pdf":
                md += _footer_markdown(cfg.lang)
            md_path = work / f"{stem}.md"
            md_path.write_text(md, encoding="utf-8")
            where = f"report '{doc.name}' ({fmt})"
            t1 = time.perf_counter()
            target = outdir / f"{stem}{_FORMATS[fmt]}"
            if fmt == "html":
                _write_html(md_path, target, cfg, where)
            else:
                _write_pdf(md_path, target, cfg, where)
            written.append(target)
            if console:
                console.print(f"  [green]wrote[/] {target} ({time.perf_counter() - t1:.1f} s)")
    return written


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
) -> list[Path]:
    """Render reports (default: every ``reports/*.qmd`` not starting with ``_``).

    A report that declares variants in its front matter (see
    :func:`report_variants`) is rendered once per variant, each written as
    ``<report>-<values>.html/.pdf`` (e.g. ``factsheet-cocaine.html``), unless
    the parameter is given (``-P substance=cannabis``: that one only).

    Parameters
    ----------
    reports
        Report names (with or without ``.qmd``) or paths; ``None`` for all.
    to, params, engine, cache, output_dir, quiet
        As in :func:`render_file`; ``params`` apply to every report named.
    reports_dir
        Folder to look reports up in (default ``<project>/reports``).
    variants
        Render every variant a report declares (``False``: its defaults only,
        named as :func:`render_file` names them).

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
    _formats_for(to)
    if reports:
        files = [resolve_report(r, reports_dir) for r in reports]
    else:
        files = list(available_reports(reports_dir).values())
        if not files:
            d = Path(reports_dir) if reports_dir is not None else _reports_dir()
            raise RenderError(f"no reports to render: no *.qmd (not starting with '_') in {d}")
    overrides = parse_param_values(params)
    written: list[Path] = []
    for f in files:
        doc = parse_qmd(f.read_text(encoding="utf-8"), f)
        todo = report_variants(doc, overrides) if variants else [{}]
        for variant in todo:
            given = {**overrides, **variant}
            out = render_file(f, to=to, params=given, engine=engine, cache=cache, output_dir=output_dir,
                              quiet=quiet)
            if variant:
                # every variant is named after its values, the default one too (factsheet-cocaine.html)
                changed = {k: v for k, v in overrides.items() if k not in variant and v != doc.params.get(k)}
                want = output_stem(doc.name, {}, {**variant, **changed})
                got = output_stem(doc.name, doc.params, given)
                if want != got:
                    renamed = []
                    for p in out:
                        q = p.with_name(want + p.suffix)
                        os.replace(p, q)
                        renamed.append(q)
                    out = renamed
            written += out
    return written


def report_variants(doc: Document, overrides: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Parameter sets a report declares in its front matter, to be rendered one by one.

    A report lists its variants under a key Quarto ignores::

        drugtrends:
          variants:
            substance: [cocaine, cannabis]

    Every combination of the listed values is one variant (keys must be
    parameters of the report). A key given in ``overrides`` (``-P substance=x``)
    is not expanded: that value alone is rendered, and it must be one of the
    declared values (the list is the set of valid values).

    Parameters
    ----------
    doc
        From :func:`parse_qmd`.
    overrides
        Parameters given on the command line.

    Returns
    -------
    list of dict
        One parameter dict per variant; ``[{}]`` when the report declares none.

    Raises
    ------
    RenderError
        ``drugtrends.variants`` is not a mapping of parameter names to
        non-empty lists, names a key that is not a parameter, or ``overrides``
        gives a value that is not declared (the message lists the valid ones).

    Examples
    --------
    >>> doc = parse_qmd('''---
    ... params: {substance: cocaine, lang: en}
    ... drugtrends: {variants: {substance: [cocaine, cannabis]}}
    ... ---
    ... ''')
    >>> report_variants(doc)
    [{'substance': 'cocaine'}, {'substance': 'cannabis'}]
    >>> report_variants(doc, {"substance": "Cannabis"})
    [{}]
    >>> report_variants(doc, {"substance": "tea"})
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: report '<string>' has no variant substance='tea'; valid values of substance: cocaine, cannabis (e.g. -P substance=cocaine)
    """
    import itertools

    where = str(doc.path) if doc.path is not None else "<qmd>"
    ext = doc.meta.get("drugtrends") or {}
    if not isinstance(ext, Mapping):
        raise RenderError(f"{where}: front matter 'drugtrends' must be a mapping (e.g. variants: {{substance: [a, b]}})")
    declared = ext.get("variants") or {}
    if not isinstance(declared, Mapping):
        raise RenderError(f"{where}: 'drugtrends: variants' must map parameter names to lists of values")
    overrides = overrides or {}
    keys, values = [], []
    for k, v in declared.items():
        if k not in doc.params:
            known = ", ".join(doc.params) or "none"
            raise RenderError(f"{where}: 'drugtrends: variants' names {k!r}, which is not a parameter of the "
                              f"report (its parameters: {known})")
        if not isinstance(v, list) or not v:
            raise RenderError(f"{where}: 'drugtrends: variants: {k}' must be a non-empty list of values, got {v!r}")
        if k in overrides:
            given = overrides[k]
            norm = (lambda x: x.strip().lower() if isinstance(x, str) else x)  # noqa: E731
            if norm(given) not in [norm(x) for x in v]:
                raise RenderError(f"report '{doc.name}' has no variant {k}={given!r}; valid values of {k}: "
                                  f"{', '.join(map(str, v))} (e.g. -P {k}={v[0]})")
            continue
        keys.append(k)
        values.append(v)
    if not keys:
        return [{}]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


# --------------------------------------------------------------------------- documentation site

#: seconds a tutorial notebook cell may run while the docs are built
DOCS_CELL_TIMEOUT = 600

_DOCS_CSS = """
nav.docs-nav { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; align-items: baseline;
  border-bottom: 1px solid var(--border); padding: 0 0 .6rem; margin: 0 0 1.5rem; font-size: .95rem; }
nav.docs-nav .brand { font-weight: 600; color: var(--fg); margin-right: auto; }
.doc-section h2, h2.doc-section { font-size: 1.2rem; }
table.doc-index td:first-child, .doc-index table td:first-child { white-space: nowrap; }
td, th { vertical-align: top; }
"""

_PYSPARK_WARNING = "ignore:PySpark does not yet fully support pandas:FutureWarning"
_XREF_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _docs_nav(prefix: str, has_reference: bool, tutorials: Sequence[tuple[str, str]], guides: Sequence[tuple[str, str]]) -> str:
    links = [f'<a class="brand" href="{prefix}index.html">drugtrends</a>']
    for href, title in guides:
        if href.startswith("getting-started"):
            links.append(f'<a href="{prefix}{href}">{html.escape(title)}</a>')
    if tutorials:
        links.append(f'<a href="{prefix}index.html#tutorials">Tutorials</a>')
    if has_reference:
        links.append(f'<a href="{prefix}reference/index.html">API reference</a>')
    return '<nav class="docs-nav">' + "\n".join(links) + "</nav>\n"


def _docs_html(src: Path, target: Path, title: str, nav: str, where: str, *, from_format: str = "markdown",
               toc: bool = True) -> Path:
    """Pandoc ``src`` (markdown or ipynb) -> standalone, self-contained HTML in the house style."""
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=_ensure(target.parent)) as tmp:
        work = Path(tmp)
        css = work / "drugtrends.css"
        css.write_text(_CSS + _DOCS_CSS, encoding="utf-8")
        footer = work / "footer.html"
        footer.write_text(_footer_html("en"), encoding="utf-8")
        header = work / "nav.html"
        header.write_text(nav, encoding="utf-8")
        args = [
            str(src), "--from", from_format, "--to", "html5", "--standalone", "--embed-resources",
            "--mathml", "--section-divs", "--wrap=none", f"--css={css}", f"--include-after-body={footer}",
            f"--include-before-body={header}", f"--resource-path={src.parent}{os.pathsep}{work}",
            "--metadata", "document-css=false", "--metadata", f"pagetitle={title}", "--metadata", "lang=en",
        ]
        if toc:
            args += ["--toc", "--toc-depth=2", "--metadata", "toc-title=Contents"]
        with atomic_path(target) as part:
            _pandoc([*args, "--output", str(part)], where)
    return target


def _quartodoc_config(start: Path) -> tuple[dict[str, Any], Path] | None:
    """The ``quartodoc:`` section of the nearest ``_quarto.yml`` at or above ``start`` that has one."""
    for d in [start, *start.parents]:
        f = d / "_quarto.yml"
        if f.is_file():
            try:
                cfg = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise RenderError(f"{f}: not valid YAML: {exc}") from exc
            if isinstance(cfg, dict) and isinstance(cfg.get("quartodoc"), dict):
                return cfg["quartodoc"], f
    return None


def _generate_reference(section: Mapping[str, Any], config_file: Path, dest: Path) -> None:
    """Write quartodoc's reference pages (``index.qmd`` and one ``.qmd`` per object) into ``dest``.

    quartodoc reads the docstrings with griffe (static analysis: nothing is
    imported, no Quarto CLI is needed). Its builder loads the whole package
    again for every re-exported object; a loader that keeps what it loaded
    makes the build about ten times faster and gives the same pages.
    """
    try:
        import quartodoc
        from quartodoc.builder import blueprint as qd_blueprint
    except ImportError as exc:
        raise RenderError(
            "the API reference needs quartodoc: install the docs extra with "
            "`.venv/bin/python -m pip install -e '.[docs]'` (make docs does this)"
        ) from exc
    from unittest import mock

    base = qd_blueprint.GriffeLoader

    class _KeepingLoader(base):  # type: ignore[misc, valid-type]
        def load(self, objspec=None, /, **kwargs):
            if isinstance(objspec, str) and objspec.split(".", 1)[0] in self.modules_collection:
                with contextlib.suppress(KeyError):
                    return self.modules_collection[objspec]
            return super().load(objspec, **kwargs)

    cfg = {k: v for k, v in section.items() if k not in {"dir", "sidebar", "css"}}
    cfg["dir"] = str(dest)
    try:
        builder = quartodoc.Builder.from_quarto_config({"quartodoc": cfg})
        builder.out_inventory = str(dest / "objects.json")
        with mock.patch.object(qd_blueprint, "GriffeLoader", _KeepingLoader):
            builder.build()
    except Exception as exc:  # quartodoc / griffe / pydantic raise many kinds
        raise RenderError(
            f"quartodoc could not build the API reference from the 'quartodoc:' section of {config_file}: "
            f"{type(exc).__name__}: {exc}. Check that every name listed under 'contents' exists."
        ) from exc


_LOCAL_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|/|#)([^)#\s]+)\.(?:qmd|md|ipynb)(#[^)\s]*)?\)")


def _local_links(text: str) -> str:
    """Relative links to ``.qmd`` / ``.md`` / ``.ipynb`` sources point to their ``.html`` pages (as Quarto does)."""
    return _LOCAL_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", text)


def _reference_markdown(text: str) -> str:
    """quartodoc page -> Pandoc markdown for the built-in site: links to .html, Sphinx roles as code."""
    text = _local_links(text)
    return _XREF_ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)


def _first_heading(text: str) -> str | None:
    m = re.search(r"^#\s+(.+?)\s*(?:\{[^}]*\})?\s*$", text, re.M)
    return m.group(1).strip() if m else None


def _notebook_title(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            title = _first_heading(_as_text(cell.source))
            if title:
                return title
    return fallback


def _execute_notebook(nb: Any, path: Path, timeout: int) -> None:
    """Run every cell of ``nb`` (in place) with the working directory of the notebook."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from jupyter_client.manager import KernelManager

    kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    # IPC sockets in a private folder, as for the reports: no TCP ports
    ipc_dir = Path(tempfile.mkdtemp(prefix="drugtrends-kernel-"))
    km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(ipc_dir / "k"))
    client = NotebookClient(nb, km=km, timeout=timeout, startup_timeout=STARTUP_TIMEOUT, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent)}}, record_timing=False)
    env = _kernel_env(paths.project_root())
    # pandera imports pyspark when it is installed (the `spark` extra), and pyspark warns about
    # pandas >= 3 on import: noise that says nothing about the tutorial
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), _PYSPARK_WARNING]))
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        tail = "\n".join(_ANSI.sub("", str(exc)).strip().splitlines()[-25:])
        raise RenderError(f"tutorial {path.name}: a cell failed with {exc.ename}: {exc.evalue}\n{tail}") from None
    except CellTimeoutError:
        raise RenderError(f"tutorial {path.name}: a cell ran longer than {timeout} s") from None
    except DeadKernelError as exc:
        raise RenderError(f"tutorial {path.name}: the kernel died: {exc}") from None
    except NoSuchKernel as exc:
        raise RenderError(
            f"tutorial {path.name}: no Jupyter kernel named {exc.name!r}. Install it into the venv with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name python3` (make install does this)."
        ) from None
    finally:
        with contextlib.suppress(Exception):
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        shutil.rmtree(ipc_dir, ignore_errors=True)


def build_docs(
    docs_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    *,
    quiet: bool = False,
    execute: bool = True,
    reference: bool = True,
    timeout: int = DOCS_CELL_TIMEOUT,
) -> Path:
    """Build the documentation site (guides, tutorials, API reference) and return its ``index.html``.

    What goes in, all from ``docs_dir``:

    * ``index.md`` -- the home page (optional; without it the home page lists
      the tutorials and guides); the sections of the API reference are
      appended to it;
    * ``*.md`` -- guides (``getting-started.md`` is linked from every page);
    * ``*.ipynb`` -- tutorials, executed in a fresh ``python3`` kernel whose
      working directory is ``docs_dir`` (when ``execute``), then converted
      with their outputs and figures;
    * ``*.qmd`` -- Quarto pages, rendered with :func:`render_file`;
    * the API reference: the ``quartodoc:`` section of the nearest
      ``_quarto.yml`` at or above ``docs_dir`` is built with quartodoc (the
      ``docs`` extra) into ``reference/*.html``, one page per object and an
      index by section.

    Files whose name starts with ``_`` are skipped. Every page is a
    self-contained HTML file with a navigation bar; the home page lists the
    tutorials, the guides and the sections of the reference.

    Parameters
    ----------
    docs_dir : path, optional
        Sources (default ``<project>/docs``).
    output_dir : path, optional
        Where the site goes (default ``_output/docs``).
    quiet : bool
        Print nothing.
    execute : bool
        Run the tutorial notebooks before converting them (they are committed
        without outputs). ``False`` converts them as they are (quick checks).
    reference : bool
        Build the API reference (needs quartodoc, ``pip install -e '.[docs]'``).
    timeout : int
        Seconds a notebook cell may run.

    Returns
    -------
    Path
        ``<output_dir>/index.html``.

    Raises
    ------
    RenderError
        quartodoc missing or failing (an unknown name in the config), a
        tutorial cell failing (the message names the notebook and the error),
        or Pandoc failing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "guide.md").write_text("# Getting started\\n\\nRun `make report`.\\n")
    >>> index = build_docs(d, d / "site", quiet=True, reference=False)
    >>> sorted(p.name for p in index.parent.glob("*.html"))
    ['guide.html', 'index.html']
    >>> "Getting started" in index.read_text()
    True
    """
    import nbformat

    root = paths.project_root()
    src = (Path(docs_dir) if docs_dir is not None else (root if root is not None else Path.cwd()) / "docs").resolve()
    out = Path(output_dir) if output_dir is not None else paths.output_dir() / "docs"
    if not src.is_dir():
        raise RenderError(f"no documentation sources: {src} is not a folder")
    _ensure(out)
    console = None if quiet else _console()

    def wrote(p: Path, t0: float) -> None:
        if console:
            console.print(f"  [green]wrote[/] {p} ({time.perf_counter() - t0:.1f} s)")

    def visible(pattern: str) -> list[Path]:
        return [f for f in sorted(src.glob(pattern)) if not f.name.startswith((".", "_"))]

    # -- what there is (titles first: every page's navigation bar needs them)
    guides: list[tuple[str, str]] = []
    guide_files: list[tuple[Path, str]] = []
    for f in visible("*.md"):
        if f.name == "index.md":
            continue
        title = _first_heading(f.read_text(encoding="utf-8")) or f.stem
        guides.append((f"{f.stem}.html", title))
        guide_files.append((f, title))
    guides.sort(key=lambda g: (not g[0].startswith("getting-started"), g[1].lower()))
    tutorials: list[tuple[str, str]] = []
    notebooks: list[tuple[Path, Any, str]] = []
    for f in visible("*.ipynb"):
        try:
            nb = nbformat.read(str(f), as_version=4)
        except Exception as exc:  # nbformat raises json / validation errors
            raise RenderError(f"tutorial {f}: not a valid notebook: {exc}") from exc
        title = _notebook_title(nb, f.stem)
        tutorials.append((f"{f.stem}.html", title))
        notebooks.append((f, nb, title))
    ref_cfg = _quartodoc_config(src) if reference else None
    if reference and ref_cfg is None:
        raise RenderError(
            f"no 'quartodoc:' section in a _quarto.yml at or above {src}; add one or call build_docs(reference=False)"
        )

    # -- API reference
    ref_sections: list[tuple[str, list[tuple[str, str]]]] = []
    if ref_cfg is not None:
        t0 = time.perf_counter()
        if console:
            console.print(f"[bold]reference[/]: quartodoc ({ref_cfg[1]})")
        with tempfile.TemporaryDirectory(prefix=".reference-", dir=out) as tmp:
            gen = Path(tmp) / "reference"
            _generate_reference(ref_cfg[0], ref_cfg[1], gen)
            nav = _docs_nav("../", True, tutorials, guides)
            index_text = (gen / "index.qmd").read_text(encoding="utf-8")
            current: list[tuple[str, str]] | None = None
            for line in index_text.splitlines():
                if line.startswith("## "):
                    current = []
                    ref_sections.append((line[3:].strip(), current))
                elif current is not None and (m := re.match(r"^\|\s*\[([^\]]+)\]\(([^)#]+)\.qmd", line)):
                    current.append((m.group(1), f"reference/{m.group(2)}.html"))
            for page in sorted(gen.glob("*.qmd")):
                text = page.read_text(encoding="utf-8")
                title = "API reference" if page.stem == "index" else (_first_heading(text) or page.stem)
                md = page.with_suffix(".md")
                md.write_text(_reference_markdown(text), encoding="utf-8")
                _docs_html(md, out / "reference" / f"{page.stem}.html", f"{title} - drugtrends", nav,
                           f"reference page {page.name}", toc=page.stem != "index")
        wrote(out / "reference", t0)

    nav = _docs_nav("", ref_cfg is not None, tutorials, guides)
    # -- guides
    for f, title in guide_files:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=".docs-", dir=out) as tmp:
            md = Path(tmp) / f.name
            md.write_text(_local_links(f.read_text(encoding="utf-8")), encoding="utf-8")
            _docs_html(md, out / f"{f.stem}.html", title, nav, f"docs page {f.name}")
        wrote(out / f"{f.stem}.html", t0)
    # -- tutorials
    for f, nb, title in notebooks:
        t0 = time.perf_counter()
        if execute:
            if console:
                console.print(f"[bold]{f.name}[/]: executing {sum(c.cell_type == 'code' for c in nb.cells)} cells")
            _execute_notebook(nb, f, timeout)
        with tempfile.TemporaryDirectory(prefix=".tutorial-", dir=out) as tmp:
            ipynb = Path(tmp) / f.name
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = _local_links(_as_text(cell.source))
            nbformat.write(nb, str(ipynb))
            _docs_html(ipynb, out / f"{f.stem}.html", title, nav, f"tutorial {f.name}", from_format="ipynb")
        wrote(out / f"{f.stem}.html", t0)
    # -- Quarto pages
    pages: list[tuple[str, str]] = []
    for f in visible("*.qmd"):
        written = render_file(f, to="html", engine="builtin", output_dir=out, quiet=quiet)
        title = parse_qmd(f.read_text(encoding="utf-8"), f).meta.get("title") or f.stem
        pages.append((written[0].name, str(title)))

    # -- home page: docs/index.md as written (else generated lists), then the reference by section
    intro_file = src / "index.md"
    intro = intro_file.read_text(encoding="utf-8") if intro_file.is_file() else ""
    title = _first_heading(intro) or "drugtrends documentation"
    intro = _local_links(re.sub(r"^#\s+.+\n", "", intro, count=1, flags=re.M) if _first_heading(intro) else intro)
    parts = [intro.strip()]
    if not intro_file.is_file():
        if tutorials:
            parts.append("## Tutorials {#tutorials}\n\n" + "\n".join(f"1. [{t}]({h})" for h, t in tutorials))
        if guides or pages:
            parts.append("## Guides {#guides}\n\n" + "\n".join(f"- [{t}]({h})" for h, t in [*guides, *pages]))
    if ref_sections:
        lines = ["## API reference by section {#reference-sections}", ""]
        for sec, items in ref_sections:
            lines.append(f"- **{sec}**: " + ", ".join(f"[`{n}`]({h})" for n, h in items))
        parts.append("\n".join(lines))
    if not any(parts):
        parts.append("No pages yet: add `docs/*.md`, `docs/*.ipynb` or `docs/*.qmd`.")
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=out) as tmp:
        md = Path(tmp) / "index.md"
        md.write_text(f"---\n{yaml.safe_dump({'title': title})}---\n\n" + "\n\n".join(p for p in parts if p) + "\n",
                      encoding="utf-8")
        t0 = time.perf_counter()
        index = _docs_html(md, out / "index.html", title, nav, "docs index", toc=False)
    wrote(index, t0)
    return index
