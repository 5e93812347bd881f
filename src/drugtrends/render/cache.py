"""Cache of executed reports, keyed on the report and what it actually imports.

The executed notebook is stored in ``<output>/.cache/<stem>--<key>.ipynb``.
The key (:func:`cache_key`) hashes:

* the ``.qmd`` text, the resolved parameters and the project configuration;
* the source of every project module the report imports, followed
  transitively through the imports of those modules (``drugtrends``,
  ``drugtrends_reports`` and ``*.py`` beside the report; found statically with
  :mod:`ast`, nothing is imported): :func:`report_dependencies`;
* the provenance records (``*.provenance.json``) of the datasets the report
  declares under ``drugtrends: datasets`` (of every dataset when it declares
  none), so refetched data invalidate the cache;
* the renderer's notebook builder (:mod:`drugtrends.render.execute`).

Editing a module a report does not import leaves its cache valid.
"""

from __future__ import annotations

import ast
import contextlib
import glob
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from drugtrends import paths
from drugtrends._io import atomic_path
from drugtrends.render.qmd import Document

__all__ = ["RENDERER_VERSION", "cache_key", "dependency_digest", "report_dependencies", "module_imports",
           "cache_dir", "load_cached", "store_cached"]

#: bump to invalidate every cached execution when the renderer changes what it stores
RENDERER_VERSION = "2"
#: top-level packages of the project whose sources are followed
LOCAL_PACKAGES = ("drugtrends", "drugtrends_reports")
_MODULE_STRING = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::\w+)?$")


def _search_roots(doc: Document) -> list[Path]:
    roots = []
    if doc.path is not None:
        roots.append(doc.path.parent)
    root = paths.project_root()
    if root is not None:
        roots.append(root)
    roots.append(Path(__file__).resolve().parents[2])  # the folder holding the drugtrends package
    return roots


def _module_file(name: str, roots: Iterable[Path]) -> Path | None:
    parts = name.split(".")
    for r in roots:
        base = r.joinpath(*parts)
        for cand in (base.with_suffix(".py"), base / "__init__.py"):
            if cand.is_file():
                return cand
    return None


def module_imports(code: str, package: str = "") -> set[str]:
    """Module names ``code`` may import: import statements anywhere, ``alias.attr`` chains, module strings.

    Parameters
    ----------
    code
        Python source.
    package
        The package of the module (to resolve relative imports).

    Returns
    -------
    set of str
        Candidate module names (some may not be modules; callers keep those that resolve to files).

    Examples
    --------
    >>> sorted(module_imports("import drugtrends as dt\\nfrom drugtrends_reports import common\\ndt.plots.x()"))
    ['drugtrends', 'drugtrends.plots', 'drugtrends.plots.x', 'drugtrends_reports', 'drugtrends_reports.common']
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    out: set[str] = set()
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.add(a.name)
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                mod = ".".join([*base, mod] if mod else base)
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = _MODULE_STRING.match(node.value)
            if m and m.group(1).split(".")[0] in LOCAL_PACKAGES:
                out.add(m.group(1))
    for node in ast.walk(tree):
        chain = _attribute_chain(node)
        if chain and chain[0] in aliases:
            for k in range(2, len(chain) + 1):
                out.add(".".join([aliases[chain[0]], *chain[1:k]]))
    return {m for m in out if m}


def _attribute_chain(node: ast.AST) -> list[str] | None:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and names:
        return [node.id, *reversed(names)]
    return None


def report_dependencies(doc: Document) -> list[Path]:
    """Project source files the report's cells import, directly or through other project modules.

    Parameters
    ----------
    doc
        The parsed report.

    Returns
    -------
    list of Path
        Sorted; parent packages' ``__init__.py`` included (importing a module runs them).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> deps = report_dependencies(parse_qmd("```{python}\\nfrom drugtrends import style\\n```\\n"))
    >>> "style.py" in {p.name for p in deps}, any(p.parent.name == "render" for p in deps)
    (True, False)
    """
    roots = _search_roots(doc)
    todo = [(m, "") for c in doc.cells for m in module_imports(c.code)]
    seen: set[str] = set()
    files: set[Path] = set()
    while todo:
        name, _ = todo.pop()
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            mod = ".".join(parts[:k])
            if mod in seen:
                continue
            seen.add(mod)
            f = _module_file(mod, roots)
            if f is None:
                continue
            files.add(f)
            package = mod if f.name == "__init__.py" else mod.rpartition(".")[0]
            todo.extend((m, package) for m in module_imports(f.read_text(encoding="utf-8"), package))
    return sorted(files)


def _provenance_files(doc: Document) -> list[Path]:
    from drugtrends import datasets
    from drugtrends.render.reports import report_datasets

    root = paths.data_dir()
    ids = report_datasets(doc)
    dirs = sorted({datasets.REGISTRY[i].manifest_id for i in ids if i in datasets.REGISTRY}) if ids else None
    with contextlib.suppress(OSError):
        if dirs is None:
            return sorted(root.rglob("*.provenance.json"))
        return sorted(f for d in dirs for f in (root / d).glob("*.provenance.json"))
    return []


def dependency_digest(doc: Document) -> bytes:
    """Digest of the code and data an execution of ``doc`` depends on (see the module docstring).

    Parameters
    ----------
    doc
        The parsed report.

    Returns
    -------
    bytes
        SHA-256 digest.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> d = parse_qmd("```{python}\\nimport drugtrends\\n```\\n")
    >>> len(dependency_digest(d))
    32
    """
    h = hashlib.sha256()
    root = paths.project_root()
    files = [*report_dependencies(doc), Path(__file__).with_name("execute.py")]
    if root is not None and (root / "_quarto.yml").is_file():
        files.append(root / "_quarto.yml")
    for f in [*files, *_provenance_files(doc)]:
        h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.digest()


def cache_key(doc: Document, params: Mapping[str, Any]) -> str:
    """Hash of everything an execution depends on (see the module docstring).

    Parameters
    ----------
    doc
        The parsed report.
    params
        Resolved parameters and anything else the execution depends on.

    Returns
    -------
    str
        Hex digest.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> d = parse_qmd("```{python}\\nx = 1\\n```\\n")
    >>> cache_key(d, {}) == cache_key(d, {}) != cache_key(d, {"x": 2})
    True
    """
    h = hashlib.sha256()
    h.update(f"renderer {RENDERER_VERSION}\n".encode())
    h.update(doc.text.encode())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    h.update(dependency_digest(doc))
    return h.hexdigest()


def cache_dir(outdir: Path | None = None) -> Path:
    """``<output>/.cache``, where executed notebooks are kept."""
    return (outdir if outdir is not None else paths.output_dir()) / ".cache"


def _cache_file(outdir: Path, stem: str, key: str) -> Path:
    return cache_dir(outdir) / f"{stem}--{key[:20]}.ipynb"


def load_cached(outdir: Path, stem: str, key: str) -> Any | None:
    """The cached executed notebook of this report and parameter set, or ``None``."""
    import nbformat

    f = _cache_file(outdir, stem, key)
    if f.is_file():
        with contextlib.suppress(Exception):
            return nbformat.read(str(f), as_version=4)
    return None


def store_cached(nb: Any, outdir: Path, stem: str, key: str) -> Path:
    """Store an executed notebook atomically; drop older executions of the same stem."""
    import nbformat

    f = _cache_file(outdir, stem, key)
    f.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(f) as tmp:
        nbformat.write(nb, str(tmp))
    for old in f.parent.glob(f"{glob.escape(stem)}--{'[0-9a-f]' * 20}.ipynb"):
        if old != f:
            with contextlib.suppress(OSError):
                old.unlink()
    return f
