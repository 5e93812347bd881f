"""The documentation site: it builds, the API reference covers the public API, docstrings are complete.

* ``docs/build.py`` (``make docs``; not part of the library) writes ``index.html``, the guides, the tutorials and one
  reference page per public function / class of ``drugtrends.datasets``,
  ``.survey``, ``.trends`` and ``.profiles`` (the page must show the object's
  own summary line, not a module of the same name);
* the ``python`` code blocks of ``docs/getting-started.md`` run, in order, on
  the real data;
* every public function of those four modules (and every public method of
  their public classes) has numpy-style Parameters, Returns and Examples
  sections (parsed with griffe, the parser quartodoc uses).

The tutorials themselves are executed in ``tests/test_notebooks.py``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

from drugtrends.errors import RenderError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_builder():
    """docs/build.py, the site builder (a project script, not part of the library)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["docs_build"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


build = _load_builder()
MODULES = ["drugtrends.datasets", "drugtrends.survey", "drugtrends.trends", "drugtrends.profiles"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# quartodoc 0.11 passes parser options that griffe 1.x ignores (harmless)
pytestmark = pytest.mark.filterwarnings("ignore:Passing additional options is deprecated:DeprecationWarning")


def _need(module: str):
    """Import a docs dependency (the ``docs`` extra); skip locally, fail under CI, when missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        msg = f"{module} is not installed: pip install -e '.[docs]'"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


def public_objects(modname: str) -> list[tuple[str, object]]:
    """(name, object) of the public functions and classes of a module (its ``__all__``)."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    out = []
    for n in names:
        obj = getattr(mod, n)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((n, obj))
    return out


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    _need("quartodoc")
    out = tmp_path_factory.mktemp("site")
    index = build.build_docs(DOCS, out, quiet=True, execute=False)
    assert index == out / "index.html"
    return out


def test_site_has_index_guides_tutorials(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>drugtrends documentation</title>" in index
    for page in ["getting-started.html", "reference/index.html"]:
        assert (site / page).is_file()
        assert f'href="{page}"' in index
    tutorials = sorted(DOCS.glob("[0-9]*.ipynb"))
    assert len(tutorials) >= 3
    for nb in tutorials:
        assert (site / f"{nb.stem}.html").is_file(), nb.name
        assert f'href="{nb.stem}.html"' in index, f"{nb.name} is not linked from the home page"
    # source links were rewritten to the rendered pages
    assert ".ipynb\"" not in index and ".qmd\"" not in index
    gs = (site / "getting-started.html").read_text(encoding="utf-8")
    assert 'href="reference/index.html"' in gs and "make docs" in gs


def test_every_public_object_has_a_reference_page(site):
    pages = {p: p.read_text(encoding="utf-8") for p in (site / "reference").glob("*.html")}
    assert len(pages) > 40
    missing, wrong = [], []
    for modname in MODULES:
        for name, obj in public_objects(modname):
            ids = {f"{modname}.{name}", f"{obj.__module__}.{obj.__qualname__}"}
            hits = [(p, t) for p, t in pages.items() if any(f'id="{i}"' in t for i in ids)]
            if not hits:
                missing.append(f"{modname}.{name}")
                continue
            summary = re.sub(r"\s+", " ", _summary(obj))
            words = re.sub(r"[`*:~]", "", summary)[:40]
            if not any(words.split(" ")[0] in re.sub(r"<[^>]+>", "", t) for _, t in hits):
                wrong.append(f"{modname}.{name} (page does not show {words!r})")
    assert not missing, "no reference entry (add them to the quartodoc: section of docs/_quarto.yml): " + ", ".join(missing)
    assert not wrong, "reference page shows another object: " + ", ".join(wrong)


def test_reference_page_content(site):
    page = (site / "reference" / "SurveyDesign.html").read_text(encoding="utf-8")
    # parameters table, examples, methods, and the navigation back to the site
    assert "lonely_psu" in page and "Examples" in page and "Methods" in page
    assert 'href="../index.html"' in page
    contrast = (site / "reference" / "contrast.html").read_text(encoding="utf-8")
    assert "Linear combination" in contrast
    # Sphinx roles are shown as code, not as raw :func: markup
    assert ":func:`" not in page and ":class:`" not in page


def test_build_docs_executes_notebooks_and_embeds_figures(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    src = tmp_path / "docs"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny tutorial\n\nSee [the guide](guide.md)."),
        nbformat.v4.new_code_cell("import os\nprint('cwd is', os.path.basename(os.getcwd()))"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4]);"),
    ]
    nbformat.write(nb, str(src / "01-tiny.ipynb"))
    (src / "guide.md").write_text("# A guide\n\nText.\n")
    index = build.build_docs(src, tmp_path / "site", quiet=True, reference=False)
    page = (index.parent / "01-tiny.html").read_text(encoding="utf-8")
    assert "cwd is docs" in page  # executed with the notebook's folder as working directory
    assert "data:image/png;base64," in page  # the figure is embedded
    assert 'href="guide.html"' in page
    home = index.read_text(encoding="utf-8")
    assert 'href="01-tiny.html"' in home and "Tiny tutorial" in home


def test_failing_tutorial_names_notebook_and_error(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, str(tmp_path / "broken.ipynb"))
    with pytest.raises(RenderError, match=r"tutorial broken.ipynb: a cell failed with ZeroDivisionError"):
        build.build_docs(tmp_path, tmp_path / "site", quiet=True, reference=False)


def test_missing_quartodoc_section_is_a_clear_error(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project:\n  type: default\n")
    (tmp_path / "docs").mkdir()
    with pytest.raises(RenderError, match="no 'quartodoc:' section"):
        build.build_docs(tmp_path / "docs", tmp_path / "site", quiet=True)


def test_unknown_name_in_quartodoc_config_is_a_clear_error(tmp_path):
    _need("quartodoc")
    (tmp_path / "_quarto.yml").write_text(textwrap.dedent("""\
        quartodoc:
          package: drugtrends
          sections:
            - title: X
              contents: [datasets.no_such_function]
        """))
    (tmp_path / "docs").mkdir()
    with pytest.raises(RenderError, match="Check that every name listed"):
        build.build_docs(tmp_path / "docs", tmp_path / "site", quiet=True)


def test_build_docs_renders_qmd_pages(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Getting started\n\nRun `make report`.\n")
    (docs / "intro.qmd").write_text("---\ntitle: Introduction\n---\n\nHello.\n")
    index = build.build_docs(docs, tmp_path / "site", quiet=True, reference=False)  # no quartodoc config here
    names = sorted(p.name for p in index.parent.glob("*.html"))
    assert names == ["guide.html", "index.html", "intro.html"]
    text = index.read_text()
    assert 'href="guide.html"' in text and "Getting started" in text and 'href="intro.html"' in text


def test_docs_builder_is_not_in_the_library():
    import drugtrends.render

    assert not hasattr(drugtrends.render, "build_docs")
    assert "docs/build.py" in (ROOT / "Makefile").read_text()


def test_build_script_reports_errors_without_traceback(tmp_path, capsys):
    assert build.main([str(tmp_path / "nowhere"), "--no-reference"]) == 2
    err = capsys.readouterr().err
    assert "no documentation sources" in err and "Traceback" not in err


# --------------------------------------------------------------------------- getting started


@pytest.mark.realdata
def test_getting_started_code_runs(data_dir, capsys, monkeypatch, tmp_path):
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"getting-started.md block {i + 1}", "exec"), ns)
    out = capsys.readouterr().out
    assert "(20293, " in out  # NHANES 2009-2012 respondents
    # hard-drug use by cycle, 18-69 (same numbers as tutorial 1)
    assert re.search(r"2009_10\s+0\.176\s+0\.151\s+0\.2", out), out
    assert re.search(r"2011_12\s+0\.191\s+0\.169\s+0\.213", out), out
    # the toy design of "Your own survey": 7 answers, weighted mean 8/11 (hand computed)
    assert re.search(r"0\.7273\s+\S+\s+7\b", out), out


# --------------------------------------------------------------------------- docstrings


def _sections(doc: str) -> set[str]:
    griffe = _need("griffe")
    logging.getLogger("griffe").setLevel(logging.ERROR)
    parsed = griffe.parse_numpy(griffe.Docstring(doc, lineno=1))
    return {s.kind.value for s in parsed}


def _has_params(obj) -> bool:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return True
    return any(p.name not in {"self", "cls"} for p in sig.parameters.values())


def _returns_none(obj) -> bool:
    try:
        ann = inspect.signature(obj).return_annotation
    except (TypeError, ValueError):
        return False
    return ann is None or ann == "None"


def docstring_offenders(modname: str) -> list[str]:
    """``module.name: missing Parameters, Returns, Examples`` for every incomplete docstring.

    Functions and methods need Parameters (when they take any), Returns (unless
    annotated ``-> None``) and Examples; classes need Parameters (or
    Attributes) when their ``__init__`` takes arguments.
    """
    out = []

    def check(qual: str, obj, kind: str) -> None:
        doc = inspect.getdoc(obj) or ""
        have = _sections(doc) if doc.strip() else set()
        need = []
        if kind == "class":
            init = obj.__init__ if "__init__" in vars(obj) else None
            if init is not None and _has_params(init) and "parameters" not in have and "attributes" not in have:
                need.append("Parameters")
        else:
            if _has_params(obj) and "parameters" not in have:
                need.append("Parameters")
            if not _returns_none(obj) and "returns" not in have and "yields" not in have:
                need.append("Returns")
        if kind != "class" and "examples" not in have:  # classes: their methods carry the examples
            need.append("Examples")
        if not doc.strip():
            need = ["a docstring"]
        if need:
            out.append(f"{qual}: missing {', '.join(need)}")

    for name, obj in public_objects(modname):
        if inspect.isclass(obj):
            check(f"{modname}.{name}", obj, "class")
            for mname, member in vars(obj).items():
                if mname.startswith("_") or isinstance(member, property):
                    continue
                func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                if inspect.isfunction(func):
                    check(f"{modname}.{name}.{mname}", func, "function")
        else:
            check(f"{modname}.{name}", obj, "function")
    return out


@pytest.mark.parametrize("modname", MODULES)
def test_docstrings_are_complete(modname):
    offenders = docstring_offenders(modname)
    assert not offenders, f"{len(offenders)} incomplete docstring(s) in {modname}:\n" + "\n".join(offenders)


def test_docstring_checker_catches_a_missing_section(monkeypatch):
    """The completeness check itself can fail (not a tautology)."""
    import types

    mod = types.ModuleType("fake_mod")

    def good(x):
        """Do.

        Parameters
        ----------
        x : int

        Returns
        -------
        int

        Examples
        --------
        >>> good(1)
        1
        """
        return x

    def bad(x):
        """Do, with no sections."""
        return x

    def quiet(x) -> None:
        """Do nothing.

        Parameters
        ----------
        x : int

        Examples
        --------
        >>> quiet(1)
        """

    mod.good, mod.bad, mod.quiet, mod.__all__ = good, bad, quiet, ["good", "bad", "quiet"]
    monkeypatch.setitem(__import__("sys").modules, "fake_mod", mod)
    assert docstring_offenders("fake_mod") == ["fake_mod.bad: missing Parameters, Returns, Examples"]
