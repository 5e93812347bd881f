"""Parse Quarto ``.qmd`` documents: front matter, markdown runs, ``{python}`` cells, parameters.

Nothing here runs code: :func:`parse_qmd` turns the text into a :class:`Document`
(front matter, :class:`Markdown` runs and :class:`Cell` objects in document
order, parameter defaults) and :func:`parse_param_values` turns ``-P key=value``
strings into Python values the way Quarto does.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drugtrends.errors import RenderError

__all__ = ["Cell", "Markdown", "Document", "parse_qmd", "read_qmd", "parse_param_values", "raw_param_values",
           "INLINE", "SHORTCODE"]

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

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> cell = doc.cells[0]
    >>> cell.code, cell.options, cell.line, cell.index
    ('x = 1', {'echo': False}, 9, 0)
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
    """A run of markdown; ``verbatim`` for fenced code blocks (no substitutions).

    Parameters
    ----------
    text : str
        The markdown.
    line : int
        1-based line where it starts in the ``.qmd``.
    verbatim : bool
        A fenced code block (shown as is).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> m = doc.chunks[0]
    >>> m.text.strip(), m.line, m.verbatim
    ('Some text.', 6, False)
    """

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

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> [type(c).__name__ for c in doc.chunks], doc.params, doc.meta["title"]
    (['Markdown', 'Cell', 'Markdown'], {'lang': 'en'}, 'T')
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
#: Inline code of a report: ```{python} expr``` in a markdown run.
INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
#: A Quarto shortcode ``{{< name args >}}``.
SHORTCODE = re.compile(r"\{\{<\s*(\w[\w-]*)\s*(.*?)\s*>\}\}")
_PARAM = re.compile(r"^\s*([A-Za-z_]\w*)\s*[=:]\s?(.*)$", re.S)


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
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for t in targets:
            if isinstance(t, ast.Name) and value is not None:
                try:
                    out[t.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    out[t.id] = None
    return out



def _closing_fence(lines: list[str], i: int, fence: str, where: str) -> int:
    """Index of the line closing the block opened on line ``i``: same character, at least as long."""
    close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    j = i + 1
    while j < len(lines) and not close.match(lines[j]):
        j += 1
    if j >= len(lines):
        raise RenderError(f"{where}: the code block opened on line {i + 1} with {fence} is never closed")
    return j


def _make_cell(lines: list[str], i: int, j: int, e: re.Match[str], n: int, where: str) -> Cell:
    lang = e.group("lang").lower()
    if lang not in {"python", "python3"}:
        raise RenderError(
            f"{where}: line {i + 1}: '{{{lang}}}' cells need Quarto; the built-in renderer runs "
            "only {python} cells. Install the Quarto CLI (https://quarto.org) or rewrite the cell."
        )
    options, body = _cell_options(lines[i + 1 : j], where, i + 1)
    rest = e.group("rest").strip(" ,")
    if rest and "label" not in options and re.fullmatch(r"[\w-]+", rest):
        options["label"] = rest
    return Cell("\n".join(body).strip("\n"), options, i + 1, n)


def _split_chunks(lines: list[str], skip: int, where: str) -> list[Markdown | Cell]:
    """Markdown runs, verbatim code blocks and executable cells, in document order."""
    chunks: list[Markdown | Cell] = []
    buf: list[str] = []
    buf_start = skip + 1

    def flush(next_line: int, verbatim: bool = False) -> None:
        nonlocal buf, buf_start
        if buf:
            chunks.append(Markdown("\n".join(buf), buf_start, verbatim))
        buf = []
        buf_start = next_line

    i, n_cells = skip, 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            buf.append(lines[i])
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        j = _closing_fence(lines, i, fence, where)
        e = _EXEC_INFO.match(info)
        if e and not info.startswith(("{=", "{.", "{#")):
            flush(j + 2)
            chunks.append(_make_cell(lines, i, j, e, n_cells, where))
            n_cells += 1
        else:
            flush(i + 1)
            buf.extend(lines[i : j + 1])
            flush(j + 2, verbatim=True)
        i = j + 1
    flush(len(lines) + 1)
    return chunks


def _parameters(doc: Document, where: str) -> dict[str, Any]:
    """Front-matter ``params``, updated by the cell tagged ``parameters`` (Papermill style)."""
    fm_params = doc.meta.get("params") or {}
    if not isinstance(fm_params, dict):
        raise RenderError(f"{where}: front matter 'params' must be a mapping of names to default values")
    params = dict(fm_params)
    pcell = doc.parameters_cell
    if pcell is not None:
        try:
            params.update(_literal_assignments(pcell.code))
        except SyntaxError as exc:
            raise RenderError(
                f"{where}: the parameters cell {pcell.name} is not valid Python: {exc.msg} (cell line {exc.lineno})"
            ) from exc
    return params


def read_qmd(path: str | os.PathLike[str]) -> Document:
    """Read and parse a ``.qmd`` file; a file that is not UTF-8 text is a :class:`RenderError` naming it.

    Parameters
    ----------
    path
        The ``.qmd`` file.

    Returns
    -------
    Document

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "bad.qmd"
    >>> _ = f.write_bytes("# Café".encode("latin-1"))
    >>> read_qmd(f)
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: ...bad.qmd is not UTF-8 text (byte 0xe9 at position 5); save it as UTF-8 and render again.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RenderError(f"{p} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
                          "save it as UTF-8 and render again.") from None
    return parse_qmd(text, p)


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
    doc.chunks = _split_chunks(lines, skip, where)
    doc.params = _parameters(doc, where)
    return doc


def parse_param_values(values: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """Turn ``-P key=value`` strings (or a mapping) into a parameter dict.

    Values given as strings are parsed as YAML scalars (``2011`` -> int,
    ``true`` -> bool, ``fr`` -> str, ``[a, b]`` -> list), as Quarto does.
    ``key:value`` (Quarto's spelling) is accepted too.

    Parameters
    ----------
    values : mapping, iterable of str, or None
        ``["substance=cocaine", "lang=fr"]`` or ``{"substance": "cocaine"}``.

    Examples
    --------
    >>> parse_param_values(["year=2011", "lang=fr", "draft:true", "label=a=b"])
    {'year': 2011, 'lang': 'fr', 'draft': True, 'label': 'a=b'}
    >>> parse_param_values({"year": 2011})
    {'year': 2011}
    >>> parse_param_values(["substance=cocaine", "substance=crack"])
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: parameter 'substance' is given twice (-P substance=...); give it once. ...
    """
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return dict(values)
    if isinstance(values, str):
        values = [values]
    out: dict[str, Any] = {}
    for item in values:
        m = _PARAM.match(str(item))
        if not m:
            raise RenderError(f"parameter {item!r} is not of the form key=value (e.g. -P year=2011)")
        key, raw = m.group(1), m.group(2)
        if key in out:
            raise RenderError(f"parameter {key!r} is given twice (-P {key}=...); give it once. To render "
                              f"several values, run one render per value (or use the report's variants).")
        try:
            val = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            val = raw
        out[key] = raw if isinstance(val, dict) else val  # "a: b" is text here, not a mapping
    return out




def raw_param_values(values: Mapping[str, Any] | Iterable[str] | None) -> dict[str, str]:
    """The ``key=value`` strings as given, unparsed (passed on to Quarto as they are).

    Parameters
    ----------
    values
        ``-P`` strings; a mapping gives no raw strings.

    Returns
    -------
    dict
        Parameter name -> the text after ``=`` (or ``:``).

    Examples
    --------
    >>> raw_param_values(["year=2011", "label:a b"])
    {'year': '2011', 'label': 'a b'}
    >>> raw_param_values({"year": 2011})
    {}
    """
    if values is None or isinstance(values, Mapping):
        return {}
    items = [values] if isinstance(values, str) else list(values)
    return {m.group(1): m.group(2) for it in items if (m := _PARAM.match(str(it)))}


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
