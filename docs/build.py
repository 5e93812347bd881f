"""Build the documentation site (guides, tutorials, API reference) into ``_output/docs/``.

A project tool, not part of the library: ``make docs`` runs ``python docs/build.py``.
It uses the library's renderer for what they share (the house CSS and footer,
Pandoc, the one notebook runner, ``.qmd`` pages).

Usage::

    python docs/build.py [--no-execute] [--no-reference] [--out DIR] [DOCS_DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drugtrends import paths
from drugtrends.errors import DrugtrendsError, RenderError
from drugtrends.render import parse_qmd, render_file
from drugtrends.render.execute import run_notebook
from drugtrends.render.markdown import as_text
from drugtrends.render.output import HOUSE_CSS, footer_html, run_pandoc


def _mkdir(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    return d


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


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
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=_mkdir(target.parent)) as tmp:
        work = Path(tmp)
        css = work / "drugtrends.css"
        css.write_text(HOUSE_CSS + _DOCS_CSS, encoding="utf-8")
        footer = work / "footer.html"
        footer.write_text(footer_html("en"), encoding="utf-8")
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
        page = work / "page.html"
        run_pandoc([*args, "--output", str(page)], where)
        page.chmod(0o644)
        os.replace(page, target)  # atomic: the work folder is beside the target
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
        with mock.patch.object(qd_blueprint, "GriffeLoader", _KeepingLoader), _warns_sections():
            builder.build()
    except Exception as exc:  # quartodoc / griffe / pydantic raise many kinds
        raise RenderError(
            f"quartodoc could not build the API reference from the 'quartodoc:' section of {config_file}: "
            f"{type(exc).__name__}: {exc}. Check that every name listed under 'contents' exists."
        ) from exc


@contextlib.contextmanager
def _warns_sections():
    """quartodoc 0.11 cannot render numpydoc "Warns" sections: render them as a table, like "Raises"."""
    from unittest import mock

    import griffe
    from quartodoc.renderers import md_renderer

    renderer = md_renderer.MdRenderer
    original = renderer.__dict__["render"]

    def render(self, el, *args, **kwargs):
        if isinstance(el, griffe.DocstringSectionWarns):
            rows = [md_renderer.ParamRow(None, w.description, annotation=self.render_annotation(w.annotation))
                    for w in el.value]
            return self._render_table(rows, ["Name", "Type", "Description"], "returns")
        return original(self, el, *args, **kwargs)

    with mock.patch.object(renderer, "render", render):
        yield


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
            title = _first_heading(as_text(cell.source))
            if title:
                return title
    return fallback


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
    root = paths.project_root()
    src = (Path(docs_dir) if docs_dir is not None else (root if root is not None else Path.cwd()) / "docs").resolve()
    out = Path(output_dir) if output_dir is not None else paths.output_dir() / "docs"
    if not src.is_dir():
        raise RenderError(f"no documentation sources: {src} is not a folder")
    site = _inventory(src, _mkdir(out), None if quiet else _console())
    ref_cfg = _quartodoc_config(src) if reference else None
    if reference and ref_cfg is None:
        raise RenderError(
            f"no 'quartodoc:' section in a _quarto.yml at or above {src}; add one or call build_docs(reference=False)"
        )
    ref_sections = _build_reference(site, ref_cfg) if ref_cfg is not None else []
    nav = _docs_nav("", ref_cfg is not None, site.tutorials, site.guides)
    _build_guides(site, nav)
    _build_tutorials(site, nav, execute, timeout)
    pages = [(render_file(f, to="html", engine="builtin", output_dir=out, quiet=quiet)[0].name,
              str(parse_qmd(f.read_text(encoding="utf-8"), f).meta.get("title") or f.stem))
             for f in _visible(src, "*.qmd")]
    return _build_home(site, nav, pages, ref_sections)


@dataclass
class _Site:
    """What the sources hold (titles first: every page's navigation bar needs them)."""

    src: Path
    out: Path
    console: Any
    guides: list[tuple[str, str]] = field(default_factory=list)  # (href, title)
    guide_files: list[tuple[Path, str]] = field(default_factory=list)
    tutorials: list[tuple[str, str]] = field(default_factory=list)
    notebooks: list[tuple[Path, Any, str]] = field(default_factory=list)

    def wrote(self, p: Path, t0: float) -> None:
        if self.console:
            self.console.print(f"  [green]wrote[/] {p} ({time.perf_counter() - t0:.1f} s)")


def _visible(src: Path, pattern: str) -> list[Path]:
    return [f for f in sorted(src.glob(pattern)) if not f.name.startswith((".", "_"))]


def _inventory(src: Path, out: Path, console: Any) -> _Site:
    import nbformat

    site = _Site(src, out, console)
    for f in _visible(src, "*.md"):
        if f.name == "index.md":
            continue
        title = _first_heading(f.read_text(encoding="utf-8")) or f.stem
        site.guides.append((f"{f.stem}.html", title))
        site.guide_files.append((f, title))
    site.guides.sort(key=lambda g: (not g[0].startswith("getting-started"), g[1].lower()))
    for f in _visible(src, "*.ipynb"):
        try:
            nb = nbformat.read(str(f), as_version=4)
        except Exception as exc:  # nbformat raises json / validation errors
            raise RenderError(f"tutorial {f}: not a valid notebook: {exc}") from exc
        title = _notebook_title(nb, f.stem)
        site.tutorials.append((f"{f.stem}.html", title))
        site.notebooks.append((f, nb, title))
    return site


def _build_reference(site: _Site, ref_cfg: tuple[dict[str, Any], Path]) -> list[tuple[str, list[tuple[str, str]]]]:
    """quartodoc pages -> ``reference/*.html``; returns the sections of the index with their entries."""
    t0 = time.perf_counter()
    if site.console:
        site.console.print(f"[bold]reference[/]: quartodoc ({ref_cfg[1]})")
    ref_sections: list[tuple[str, list[tuple[str, str]]]] = []
    with tempfile.TemporaryDirectory(prefix=".reference-", dir=site.out) as tmp:
        gen = Path(tmp) / "reference"
        _generate_reference(ref_cfg[0], ref_cfg[1], gen)
        nav = _docs_nav("../", True, site.tutorials, site.guides)
        current: list[tuple[str, str]] | None = None
        for line in (gen / "index.qmd").read_text(encoding="utf-8").splitlines():
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
            _docs_html(md, site.out / "reference" / f"{page.stem}.html", f"{title} - drugtrends", nav,
                       f"reference page {page.name}", toc=page.stem != "index")
    site.wrote(site.out / "reference", t0)
    return ref_sections


def _build_guides(site: _Site, nav: str) -> None:
    for f, title in site.guide_files:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=".docs-", dir=site.out) as tmp:
            md = Path(tmp) / f.name
            md.write_text(_local_links(f.read_text(encoding="utf-8")), encoding="utf-8")
            _docs_html(md, site.out / f"{f.stem}.html", title, nav, f"docs page {f.name}")
        site.wrote(site.out / f"{f.stem}.html", t0)


def _build_tutorials(site: _Site, nav: str, execute: bool, timeout: int) -> None:
    import nbformat

    for f, nb, title in site.notebooks:
        t0 = time.perf_counter()
        if execute:
            if site.console:
                site.console.print(f"[bold]{f.name}[/]: executing {sum(c.cell_type == 'code' for c in nb.cells)} cells")
            run_notebook(nb, f.parent, name=f"tutorial {f.name}", timeout=timeout)
        with tempfile.TemporaryDirectory(prefix=".tutorial-", dir=site.out) as tmp:
            ipynb = Path(tmp) / f.name
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = _local_links(as_text(cell.source))
            nbformat.write(nb, str(ipynb))
            _docs_html(ipynb, site.out / f"{f.stem}.html", title, nav, f"tutorial {f.name}", from_format="ipynb")
        site.wrote(site.out / f"{f.stem}.html", t0)


def _build_home(site: _Site, nav: str, pages: list[tuple[str, str]],
                ref_sections: list[tuple[str, list[tuple[str, str]]]]) -> Path:
    """docs/index.md as written (else generated lists), then the reference by section."""
    intro_file = site.src / "index.md"
    intro = intro_file.read_text(encoding="utf-8") if intro_file.is_file() else ""
    title = _first_heading(intro) or "drugtrends documentation"
    intro = _local_links(re.sub(r"^#\s+.+\n", "", intro, count=1, flags=re.M) if _first_heading(intro) else intro)
    parts = [intro.strip()]
    if not intro_file.is_file():
        if site.tutorials:
            parts.append("## Tutorials {#tutorials}\n\n" + "\n".join(f"1. [{t}]({h})" for h, t in site.tutorials))
        if site.guides or pages:
            parts.append("## Guides {#guides}\n\n" + "\n".join(f"- [{t}]({h})" for h, t in [*site.guides, *pages]))
    if ref_sections:
        lines = ["## API reference by section {#reference-sections}", ""]
        for sec, items in ref_sections:
            lines.append(f"- **{sec}**: " + ", ".join(f"[`{n}`]({h})" for n, h in items))
        parts.append("\n".join(lines))
    if not any(parts):
        parts.append("No pages yet: add `docs/*.md`, `docs/*.ipynb` or `docs/*.qmd`.")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=site.out) as tmp:
        md = Path(tmp) / "index.md"
        md.write_text(f"---\n{yaml.safe_dump({'title': title})}---\n\n" + "\n\n".join(p for p in parts if p) + "\n",
                      encoding="utf-8")
        index = _docs_html(md, site.out / "index.html", title, nav, "docs index", toc=False)
    site.wrote(index, t0)
    return index


def main(argv: Sequence[str] | None = None) -> int:
    """``python docs/build.py``: build the site; a drugtrends error is one line on stderr and exit 2."""
    ap = argparse.ArgumentParser(description="Build the drugtrends documentation site into _output/docs/.")
    ap.add_argument("docs_dir", nargs="?", default=None, help="sources (default: docs/ of the checkout)")
    ap.add_argument("--out", default=None, help="output folder (default: _output/docs)")
    ap.add_argument("--no-execute", action="store_true", help="convert the tutorials without running them")
    ap.add_argument("--no-reference", action="store_true", help="skip the API reference (needs quartodoc)")
    args = ap.parse_args(argv)
    try:
        index = build_docs(args.docs_dir, args.out, execute=not args.no_execute, reference=not args.no_reference)
    except DrugtrendsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
