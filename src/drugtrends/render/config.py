"""Render configuration: the project's ``_quarto.yml`` merged with a report's front matter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drugtrends.errors import RenderError
from drugtrends.render.qmd import Document

__all__ = ["LABELS", "Config", "project_config", "resolve_config"]

#: page chrome per language: caption prefixes, table-of-contents title, footer
LABELS = {
    "en": {"fig": "Figure", "tbl": "Table", "toc": "Contents",
           "built": "Built {time} by the drugtrends built-in renderer with {versions}."},
    "fr": {"fig": "Figure", "tbl": "Tableau", "toc": "Sommaire",
           "built": "Produit le {time} par le moteur intégré de drugtrends avec {versions}."},
}


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def project_config(start: Path) -> dict[str, Any]:
    """The nearest ``_quarto.yml`` at or above ``start`` (Quarto's project lookup).

    Parameters
    ----------
    start : Path
        A folder (or file) of the project.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp()); (root / "reports").mkdir()
    >>> _ = (root / "_quarto.yml").write_text("project:\\n  type: default\\nlang: en\\n")
    >>> project_config(root / "reports")
    {'project': {'type': 'default'}, 'lang': 'en'}
    """
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
class Config:
    """Render settings of one document: front matter merged over the project's ``_quarto.yml``.

    Attributes
    ----------
    execute : dict
        Execution options (``echo``, ``eval``, ``output``...).
    html, typst : dict
        Options of each output format.
    lang : str
        The page language.
    kernel : str
        The Jupyter kernel.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> resolve_config(doc, {}).lang
    'en\'
    """


    execute: dict[str, Any]
    html: dict[str, Any]
    typst: dict[str, Any]
    lang: str
    kernel: str


def resolve_config(doc: Document, project: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> Config:
    """Execution defaults, HTML and Typst options, page language and kernel of ``doc``.

    A ``lang`` report parameter (``-P lang=fr``) sets the page language (html
    lang, table-of-contents title, captions, footer) unless the front matter
    sets ``lang`` itself.

    Parameters
    ----------
    doc : Document
        The parsed report.
    project : mapping
        The project configuration (:func:`project_config`).
    params : mapping, optional
        Report parameters (``lang`` sets the page language).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> cfg = resolve_config(doc, {"lang": "en"}, {"lang": "fr"})
    >>> type(cfg).__name__, cfg.lang, cfg.kernel
    ('Config', 'fr', 'python3')
    """
    execute = {"echo": True, "eval": True, "output": True, "warning": True, "error": False, "include": True}
    execute.update(project.get("execute") or {})
    execute.update(doc.meta.get("execute") or {})
    pf, df = _formats(project.get("format")), _formats(doc.meta.get("format"))
    html_opts = _deep_merge(pf.get("html", {}), df.get("html", {}))
    typst_opts = _deep_merge(_deep_merge(pf.get("pdf", {}), pf.get("typst", {})),
                             _deep_merge(df.get("pdf", {}), df.get("typst", {})))
    plang = str((params or {}).get("lang") or "")
    lang = str(doc.meta.get("lang") or (plang if plang.split("-")[0] in LABELS else "") or project.get("lang") or "en")
    kernel = doc.meta.get("jupyter") or "python3"
    if isinstance(kernel, dict):
        kernel = (kernel.get("kernelspec") or {}).get("name", "python3")
    return Config(execute, html_opts, typst_opts, lang, str(kernel))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
