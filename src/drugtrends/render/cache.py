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
* the renderer's notebook builder (:mod:`drugtrends.render.execute`) and the
  package data files (message catalogues ``locales/*.yaml``...).

Static analysis cannot see every import (``importlib.import_module(f"...")``):
the execution also reports the module files it actually imported, and a
cached execution is reused only while each of those project files still has
the hash it had then (:func:`record_imports`, :func:`load_cached`).

Editing a module a report does not import leaves its cache valid.
"""

from __future__ import annotations

import ast
import contextlib
import functools
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
           "cache_dir", "cache_homes", "load_cached", "store_cached", "record_imports"]

#: bump to invalidate every cached execution when the renderer changes what it stores
RENDERER_VERSION = "3"
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
            todo.extend((m, package) for m in _file_imports(f, package))
    return sorted(files)


_DATA_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".txt")


def _package_data() -> list[Path]:
    """Data files shipped inside the project packages (message catalogues, codebooks)."""
    out = []
    for r in _project_dirs():
        out += [f for f in r.rglob("*") if f.suffix in _DATA_SUFFIXES and f.is_file() and "__pycache__" not in f.parts]
    return sorted(out)


def _project_dirs() -> list[Path]:
    dirs = [Path(__file__).resolve().parents[1]]  # src/drugtrends
    root = paths.project_root()
    if root is not None and (root / "drugtrends_reports").is_dir():
        dirs.append(root / "drugtrends_reports")
    return dirs


def _stamp(f: Path) -> tuple[str, int, int, int]:
    st = f.stat()
    return str(f), st.st_ino, st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4096)
def _imports_at(stamp: tuple[str, int, int, int], package: str) -> frozenset[str]:
    return frozenset(module_imports(Path(stamp[0]).read_text(encoding="utf-8"), package))


def _file_imports(f: Path, package: str) -> frozenset[str]:
    """:func:`module_imports` of a file, parsed once per process while the file is unchanged."""
    return _imports_at(_stamp(f), package)


@functools.lru_cache(maxsize=4096)
def _sha_at(stamp: tuple[str, int, int, int]) -> str:
    return hashlib.sha256(Path(stamp[0]).read_bytes()).hexdigest()


def _sha(f: Path) -> str | None:
    """SHA-256 of a file, hashed once per process while its inode, size and mtime (ns) are unchanged.

    Many renders in one process (a batch worker) hash the same modules and catalogues for every key.
    """
    try:
        return _sha_at(_stamp(f))
    except OSError:
        return None


def record_imports(nb: Any, doc: Document) -> dict[str, str]:
    """Project files the execution imported (reported by the notebook's last cell), with their SHA-256.

    Stored in the notebook metadata (``drugtrends.imports``) so that
    :func:`load_cached` can tell whether any of them changed since.

    Parameters
    ----------
    nb
        The executed notebook.
    doc
        The report (its folder counts as project code too).

    Returns
    -------
    dict
        Path -> SHA-256 of every imported file under ``src/drugtrends``,
        ``drugtrends_reports`` or the report's folder.

    Examples
    --------
    >>> import nbformat
    >>> import drugtrends.style
    >>> from drugtrends.render import parse_qmd
    >>> from drugtrends.render.execute import DEPS_MIME
    >>> nb = nbformat.v4.new_notebook()
    >>> deps = nbformat.v4.new_code_cell("", metadata={"drugtrends": {"role": "deps"}})
    >>> deps.outputs = [nbformat.v4.new_output("display_data", data={DEPS_MIME: {
    ...     "files": [drugtrends.style.__file__, "/usr/lib/python3/json/__init__.py"]}})]
    >>> nb.cells.append(deps)
    >>> imports = record_imports(nb, parse_qmd("Text."))   # the standard library is not project code
    >>> [Path(f).name for f in imports], len(imports[drugtrends.style.__file__])
    (['style.py'], 64)
    >>> nb.metadata["drugtrends"]["imports"] == imports
    True
    """
    from drugtrends.render.execute import DEPS_MIME

    files: list[str] = []
    for cell in nb.cells:
        if cell.metadata.get("drugtrends", {}).get("role") == "deps":
            for out in cell.get("outputs", []):
                files = (out.get("data", {}).get(DEPS_MIME) or {}).get("files", files)
    roots = [*_project_dirs(), *([doc.path.parent] if doc.path is not None else [])]
    kept = {f: _sha(Path(f)) for f in files if any(Path(f).is_relative_to(r) for r in roots)}
    imports = {f: h for f, h in kept.items() if h is not None}
    nb.metadata.setdefault("drugtrends", {})["imports"] = imports
    return imports


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
    files = [*report_dependencies(doc), Path(__file__).with_name("execute.py"), *_package_data()]
    if root is not None and (root / "_quarto.yml").is_file():
        files.append(root / "_quarto.yml")
    for f in [*files, *_provenance_files(doc)]:
        digest = _sha(f)
        if digest is None:
            f.read_bytes()  # a file that vanished: the OSError says which
        h.update(f.name.encode() + b"\0" + bytes.fromhex(digest or ""))
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
    """``<output>/.cache``, where executed notebooks are kept.

    Parameters
    ----------
    outdir : Path, optional
        The output directory; default :func:`drugtrends.paths.output_dir`.

    Examples
    --------
    >>> from pathlib import Path
    >>> cache_dir(Path("/tmp/out"))
    PosixPath('/tmp/out/.cache')
    """
    return (outdir if outdir is not None else paths.output_dir()) / ".cache"


def cache_homes(outdir: Path, doc: Document) -> list[Path]:
    """Output folders whose ``.cache`` serves a render of ``doc`` into ``outdir``: looked up in order, all written.

    ``outdir`` first; for a report of the checkout (``<project>/reports/*.qmd``)
    also the checkout's default output folder (:func:`drugtrends.paths.output_dir`),
    so executions made while rendering elsewhere (the tests render into
    temporary folders) are reused by ``make report``. Sharing is safe: the key
    holds everything the execution depends on, never the output folder.

    Parameters
    ----------
    outdir
        Where this render writes.
    doc
        The parsed report.

    Returns
    -------
    list of Path
        ``[outdir]`` or ``[outdir, <project>/_output]``.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> cache_homes(Path("/tmp/out"), parse_qmd("Text."))
    [PosixPath('/tmp/out')]
    """
    homes = [outdir]
    root = paths.project_root()
    if root is None or doc.path is None or doc.path.resolve().parent != (root / "reports").resolve():
        return homes
    shared = paths.output_dir()
    with contextlib.suppress(OSError):
        if shared.resolve() != Path(outdir).resolve():
            homes.append(shared)
    return homes


def _cache_file(outdir: Path, stem: str, key: str) -> Path:
    return cache_dir(outdir) / f"{stem}--{key[:20]}.ipynb"


def load_cached(outdir: Path, stem: str, key: str) -> Any | None:
    """The cached executed notebook of this report and parameter set, or ``None``.

    ``None`` too when a project file the execution imported has changed since
    (the hashes :func:`record_imports` stored), when the notebook records no
    imports (written by an older renderer) or when the file is damaged.

    Parameters
    ----------
    outdir : Path
        The output folder (the notebook is in its ``.cache``, :func:`cache_dir`).
    stem : str
        The report's file stem.
    key : str
        :func:`cache_key` of the report and its parameters.

    Returns
    -------
    nbformat.NotebookNode or None

    Examples
    --------
    >>> import hashlib, tempfile
    >>> import nbformat
    >>> out = Path(tempfile.mkdtemp())
    >>> helper = out / "helper.py"
    >>> _ = helper.write_text("x = 1\\n")
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.metadata["drugtrends"] = {"imports": {str(helper): hashlib.sha256(helper.read_bytes()).hexdigest()}}
    >>> _ = store_cached(nb, out, "trends", "ab" * 32)
    >>> load_cached(out, "trends", "ab" * 32) is not None, load_cached(out, "trends", "cd" * 32)
    (True, None)
    >>> _ = helper.write_text("x = 10\\n")                   # a module it imported changed: a miss
    >>> load_cached(out, "trends", "ab" * 32) is None
    True
    """
    import nbformat

    f = _cache_file(outdir, stem, key)
    if not f.is_file():
        return None
    try:
        nb = nbformat.read(str(f), as_version=4)
    except Exception:  # noqa: BLE001 - a damaged cache file is a cache miss
        return None
    imports = nb.metadata.get("drugtrends", {}).get("imports")
    if imports is None:
        return None  # written before imports were recorded
    if any(_sha(Path(p)) != h for p, h in imports.items()):
        return None  # a module the execution imported has changed since
    return nb


def store_cached(nb: Any, outdir: Path, stem: str, key: str) -> Path:
    """Store an executed notebook atomically; drop older executions of the same stem.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (with the imports :func:`record_imports` stored).
    outdir : Path
        The output folder; the notebook goes to its ``.cache`` (:func:`cache_dir`).
    stem : str
        The report's file stem.
    key : str
        :func:`cache_key` of the report and its parameters (its first 20 characters name the file).

    Returns
    -------
    Path
        The notebook file.

    Examples
    --------
    >>> import tempfile
    >>> import nbformat
    >>> out = Path(tempfile.mkdtemp())
    >>> f = store_cached(nbformat.v4.new_notebook(), out, "trends", "ab" * 32)
    >>> f.relative_to(out).as_posix()
    '.cache/trends--abababababababababab.ipynb'
    >>> _ = store_cached(nbformat.v4.new_notebook(), out, "trends", "cd" * 32)  # replaces the older one
    >>> sorted(p.name for p in cache_dir(out).iterdir())
    ['trends--cdcdcdcdcdcdcdcdcdcd.ipynb']
    """
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


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
