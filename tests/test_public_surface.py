"""The public surface (issue 25): what a student sees with ``dir()``, tab completion and ``help()``.

* every public module of ``src/drugtrends`` (walked with :mod:`pkgutil`; modules
  with a ``_private`` part are skipped) declares ``__all__``; every name in it
  exists, once; ``dir(module)`` shows no other public name (no ``np``, ``pd``,
  ``itertools``: each module defines ``__dir__`` returning ``__all__``, PEP 562);
  nothing exported is a third-party or standard-library object, and the only
  modules exported are the package's own submodules;
* no public attribute of a package hides one of its submodules (a function
  ``contrast`` in a module ``contrast.py`` would make ``import
  drugtrends.survey.contrast as m`` give the function): the modules are named
  apart (``survey/contrasts.py``, ``trends/jp_api.py``, ``indirect/multipliers.py``,
  ``i18n/catalogues.py``);
* every function and class in an ``__all__`` has a numpydoc docstring with a
  ``Parameters`` section when it takes arguments (classes may say ``Attributes``)
  and an ``Examples`` section with ``>>>`` lines (tests/test_doctests.py runs
  them; error and warning classes need a docstring only); objects still short
  of that are in :data:`DOC_DEBT`, which only shrinks;
  the objects the issue names (``Estimates``, the joinpoint results,
  ``datasets.list_datasets`` / ``id_map`` / ``availability`` ...) are never in it;
* every exported constant has a ``#:`` comment (or a docstring after it);
* the tutorials are reachable from an installed package: ``dt.tutorials()``,
  ``drugtrends tutorials DEST``, and the wheel ships the notebooks, the manifest
  and the codebooks (built offline with hatchling when it is installed).

Every test lists all its offenders; the checkers are tested on small synthetic
modules too (they can fail).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import tomllib
import types
import zipfile
from pathlib import Path

import pytest

import drugtrends

ROOT = Path(__file__).resolve().parents[1]


def public_modules() -> list[str]:
    names = ["drugtrends"]
    for info in pkgutil.walk_packages(drugtrends.__path__, prefix="drugtrends."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


MODULES = public_modules()

#: the objects issue 25 names: never in DOC_DEBT
NAMED_BY_THE_ISSUE = (
    "drugtrends.survey.kernel.Estimates", "drugtrends.trends.jp_result.JoinpointResult",
    "drugtrends.trends.jp_result.JoinpointBatchResult", "drugtrends.survey.htest.TestResult",
    "drugtrends.survey.glm.SvyGLMResult",
    "drugtrends.trends.rates.RateTrendResult", "drugtrends.trends.jp_compare.JoinpointComparison",
    "drugtrends.datasets.list_datasets", "drugtrends.datasets.id_map", "drugtrends.datasets.availability",
    "drugtrends._tutorials.tutorials",
)


# --------------------------------------------------------------------------- checkers


def _is_own(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "drugtrends"


def surface_problems(mod: types.ModuleType) -> list[str]:
    """What is wrong with ``mod``'s ``__all__`` and ``dir()``, one line per offence."""
    name = mod.__name__
    if not hasattr(mod, "__all__"):
        return [f"{name}: no __all__"]
    exported = list(mod.__all__)
    out = [f"{name}: {n!r} twice in __all__" for n in sorted({n for n in exported if exported.count(n) > 1})]
    for n in exported:
        if not hasattr(mod, n):
            out.append(f"{name}.{n}: in __all__ but not defined")
            continue
        obj = getattr(mod, n)
        if isinstance(obj, types.ModuleType):
            if obj.__name__ != f"{name}.{n}":
                out.append(f"{name}.{n}: exports the module {obj.__name__}")
        elif (inspect.isclass(obj) or inspect.isroutine(obj)) and not _is_own(obj):
            out.append(f"{name}.{n}: exports {obj.__module__}.{getattr(obj, '__qualname__', n)}")
    extra = sorted(n for n in dir(mod) if not n.startswith("_") and n not in exported)
    if extra:
        out.append(f"{name}: dir() shows names not in __all__: {', '.join(extra)} (define __dir__ returning __all__)")
    return out


def shadowed_submodules(mod: types.ModuleType) -> list[str]:
    """Submodules of the package ``mod`` hidden by a non-module attribute of the same name."""
    if not hasattr(mod, "__path__"):
        return []
    out = []
    for sub in pkgutil.iter_modules(mod.__path__):
        attr = vars(mod).get(sub.name)
        if attr is None and sub.name in getattr(mod, "__all__", ()):
            attr = getattr(mod, sub.name)
        if attr is not None and not isinstance(attr, types.ModuleType):
            out.append(f"{mod.__name__}.{sub.name}")
    return out


_SECTION = re.compile(r"^([A-Z][A-Za-z ]+)\n-{3,}[ \t]*$", re.M)


def _sections(doc: str) -> dict[str, str]:
    """Numpydoc sections of a cleaned docstring: title -> body."""
    marks = list(_SECTION.finditer(doc))
    return {m.group(1): doc[m.end():(marks[i + 1].start() if i + 1 < len(marks) else len(doc))]
            for i, m in enumerate(marks)}


def _takes_arguments(obj: object) -> bool:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    return any(p.name not in ("self", "cls") for p in sig.parameters.values())


def doc_problems(obj: object) -> list[str]:
    """Missing numpydoc parts of one public function or class (empty when complete)."""
    doc = inspect.cleandoc(obj.__doc__) if isinstance(getattr(obj, "__doc__", None), str) else ""
    if inspect.isclass(obj) and obj.__doc__ is not None and obj.__doc__ is type(obj).__doc__:
        doc = ""
    if not doc.strip():
        return ["docstring"]
    secs = _sections(doc)
    out = []
    if inspect.isclass(obj):
        init_doc = obj.__init__.__doc__ if "__init__" in vars(obj) else None
        init_secs = _sections(inspect.cleandoc(init_doc)) if isinstance(init_doc, str) else {}
        if (not issubclass(obj, BaseException) and _takes_arguments(obj)
                and not ({"Parameters", "Attributes"} & (set(secs) | set(init_secs)))):
            out.append("Parameters")
    elif _takes_arguments(obj) and "Parameters" not in secs:
        out.append("Parameters")
    if ">>>" not in secs.get("Examples", "") and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
        out.append("Examples")  # an error class is shown where it is raised (and in the errors module's examples)
    return out


def documented_objects(modules: list[types.ModuleType]) -> dict[str, object]:
    """Every own function and class in an ``__all__``, keyed by where it is defined."""
    out: dict[str, object] = {}
    for mod in modules:
        for n in getattr(mod, "__all__", ()):
            obj = getattr(mod, n, None)
            if (inspect.isclass(obj) or inspect.isroutine(obj)) and _is_own(obj):
                out.setdefault(f"{obj.__module__}.{getattr(obj, '__qualname__', n)}", obj)
    return out


def constant_problems(mod: types.ModuleType) -> list[str]:
    """Exported constants assigned in ``mod`` without a ``#:`` comment or a docstring after them."""
    try:
        lines = inspect.getsource(mod).splitlines()
    except (OSError, TypeError):
        return []
    out = []
    for n in getattr(mod, "__all__", ()):
        obj = getattr(mod, n, None)
        if obj is None or isinstance(obj, types.ModuleType) or inspect.isclass(obj) or callable(obj):
            continue
        at = [i for i, line in enumerate(lines) if re.match(rf"{re.escape(n)}\s*(:[^=]*)?=", line)]
        if not at:
            continue  # re-exported: checked where it is assigned
        i = at[0]
        above = i > 0 and lines[i - 1].lstrip().startswith("#:")
        after = i + 1 < len(lines) and lines[i + 1].lstrip().startswith(('"""', "'''"))
        if not (above or "#:" in lines[i] or after):
            out.append(f"{mod.__name__}.{n}")
    return out


@pytest.fixture(scope="module")
def modules() -> list[types.ModuleType]:
    return [importlib.import_module(m) for m in MODULES]


# --------------------------------------------------------------------------- the bar, on the package


def test_every_public_module_has_a_clean_surface(modules):
    assert len(modules) > 90
    offenders = [p for mod in modules for p in surface_problems(mod)]
    assert not offenders, f"{len(offenders)} surface problem(s):\n  " + "\n  ".join(offenders)


def test_star_import_gives_exactly_all(modules):
    for mod in modules:
        ns: dict[str, object] = {}
        exec(f"from {mod.__name__} import *", ns)  # noqa: S102 - the statement under test
        assert set(ns) - {"__builtins__"} == set(mod.__all__), mod.__name__


def test_every_error_class_is_exported():
    from drugtrends import errors

    defined = {n for n, o in vars(errors).items() if inspect.isclass(o) and o.__module__ == errors.__name__}
    assert defined <= set(errors.__all__), f"not in errors.__all__: {sorted(defined - set(errors.__all__))}"


def test_no_public_attribute_hides_a_submodule(modules):
    found = sorted(s for mod in modules for s in shadowed_submodules(mod))
    assert found == [], f"function(s) hiding a module (rename the module): {found}"


def test_public_objects_have_parameters_and_examples(modules):
    problems = {k: doc_problems(o) for k, o in documented_objects(modules).items()}
    problems = {k: v for k, v in problems.items() if v}
    new = sorted(f"{k}: no {' / '.join(v)}" for k, v in problems.items() if k not in DOC_DEBT)
    assert not new, f"{len(new)} public object(s) without the numpydoc sections:\n  " + "\n  ".join(new)


def test_doc_debt_only_shrinks(modules):
    objects = documented_objects(modules)
    stale = sorted(k for k in DOC_DEBT if k not in objects or not doc_problems(objects[k]))
    assert not stale, "documented (or gone) now, remove from DOC_DEBT:\n  " + "\n  ".join(stale)


def test_the_objects_the_issue_names_are_documented(modules):
    objects = documented_objects(modules)
    for key in NAMED_BY_THE_ISSUE:
        assert key in objects, f"{key} is not exported by any __all__"
        assert key not in DOC_DEBT and not doc_problems(objects[key]), (key, doc_problems(objects[key]))


def test_exported_constants_are_commented(modules):
    offenders = sorted(c for mod in modules for c in constant_problems(mod) if c not in CONSTANT_DEBT)
    assert not offenders, "constant(s) without a #: comment:\n  " + "\n  ".join(offenders)
    stale = sorted(CONSTANT_DEBT - {c for mod in modules for c in constant_problems(mod)})
    assert not stale, f"commented now, remove from CONSTANT_DEBT: {stale}"


# --------------------------------------------------------------------------- the checkers can fail


def _toy(name: str, source: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    exec(source, mod.__dict__)  # noqa: S102 - a synthetic module (what it defines has __module__ == name)
    return mod


def test_surface_checker_finds_every_offence():
    bad = _toy("drugtrends.toy", "import itertools\nimport numpy as np\nfrom pathlib import Path\n"
               "__all__ = ['f', 'f', 'gone', 'np', 'Path']\ndef f(): pass\n")
    found = "\n".join(surface_problems(bad))
    assert "'f' twice" in found and "gone: in __all__ but not defined" in found
    assert "exports the module numpy" in found and "exports pathlib.Path" in found
    assert "dir() shows names not in __all__: itertools" in found
    assert surface_problems(_toy("drugtrends.toy2", "x = 1\n")) == ["drugtrends.toy2: no __all__"]
    good = _toy("drugtrends.toy3", "import numpy as np\n__all__ = ['f']\ndef f(): pass\n"
                "def __dir__(): return list(__all__)\n")
    assert surface_problems(good) == []


def test_shadow_checker_finds_a_function_hiding_its_module(tmp_path):
    import drugtrends.survey as survey

    pkg = tmp_path / "toyshadow"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .contrast import contrast\n__all__ = ['contrast']\n")
    (pkg / "contrast.py").write_text("def contrast(): pass\n")
    (pkg / "helpers.py").write_text("x = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        toy = importlib.import_module("toyshadow")
        assert shadowed_submodules(toy) == ["toyshadow.contrast"]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("toyshadow", None), sys.modules.pop("toyshadow.contrast", None)
    assert shadowed_submodules(survey) == []
    assert shadowed_submodules(drugtrends.errors) == []


def test_doc_checker_finds_missing_sections():
    mod = _toy("drugtrends.toy4", '''
def bare(x):
    """One line."""

def complete(x):
    """Add one.

    Parameters
    ----------
    x : int
        A number.

    Examples
    --------
    >>> complete(1)
    2
    """
    return x + 1

def no_arguments():
    """Nothing to say.

    Examples
    --------
    No code here.
    """

class Result:
    """A result, without examples.

    Attributes
    ----------
    value : float
    """
    def __init__(self, value):
        self.value = value
''')
    assert doc_problems(mod.bare) == ["Parameters", "Examples"]
    assert doc_problems(mod.complete) == []
    assert doc_problems(mod.no_arguments) == ["Examples"]   # a section without >>> runs nothing
    assert doc_problems(mod.Result) == ["Examples"]
    assert doc_problems(lambda y: y) == ["docstring"]


def test_constant_checker_finds_an_uncommented_constant(tmp_path, monkeypatch):
    (tmp_path / "toyconst.py").write_text('__all__ = ["A", "B", "C"]\n#: documented\nA = 1\nB = 2\nC = 3\n'
                                          '"""Documented after."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("toyconst")
    assert constant_problems(mod) == ["toyconst.B"]


# --------------------------------------------------------------------------- an installed package


def test_tutorials_are_listed_and_copied(tmp_path):
    import drugtrends as dt
    from drugtrends.errors import InputError

    shipped = dt.tutorials()
    assert [p.name for p in shipped] == sorted(p.name for p in (ROOT / "docs").glob("*.ipynb"))
    copies = dt.tutorials(tmp_path / "mine")
    assert [p.read_bytes() for p in copies] == [p.read_bytes() for p in shipped]
    copies[0].write_text("my work")
    with pytest.raises(InputError, match="already in .*overwrite=True"):
        dt.tutorials(tmp_path / "mine")
    assert copies[0].read_text() == "my work"          # the refusal wrote nothing
    assert not list((tmp_path / "mine").glob(".*"))    # no temporary file left behind
    dt.tutorials(tmp_path / "mine", overwrite=True)
    assert copies[0].read_bytes() == shipped[0].read_bytes()


def test_tutorials_command(tmp_path):
    from drugtrends import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["tutorials", str(tmp_path)])
    assert exit_.value.code == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(p.name for p in (ROOT / "docs").glob("*.ipynb"))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["tutorials", str(tmp_path)])
    assert exit_.value.code == cli.EXIT_ERROR


def test_help_says_where_data_go(capsys):
    from drugtrends import cli, paths

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    for words in ("DRUGTRENDS_DATA", "~/.cache/drugtrends", "data/raw", "drugtrends tutorials DEST"):
        assert words in out, words
    assert str(paths.data_dir()) in out


def test_every_tutorial_ships_in_the_wheel():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    forced = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for nb in sorted((ROOT / "docs").glob("*.ipynb")):
        assert forced.get(f"docs/{nb.name}") == f"drugtrends/notebooks/{nb.name}", f"{nb.name} not shipped"


def test_readme_says_where_data_go_for_an_installed_package():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for words in ("~/.cache/drugtrends", "DRUGTRENDS_DATA", "dt.tutorials(", "drugtrends tutorials"):
        assert words in text, words


@pytest.mark.slow
def test_the_wheel_holds_notebooks_manifest_and_codebooks(tmp_path):
    pytest.importorskip("hatchling", reason="the build backend (test extra) builds the wheel offline")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                        "-w", str(tmp_path), "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("drugtrends-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in (ROOT / "docs").glob("*.ipynb"):
        assert f"drugtrends/notebooks/{nb.name}" in names
    assert "drugtrends/manifest.yaml" in names and "drugtrends/_tutorials.py" in names
    codebooks = {p.name for p in (ROOT / "data" / "codebooks").iterdir() if p.is_file()}
    assert codebooks and {f"drugtrends/codebooks/{c}" for c in codebooks} <= names


# --------------------------------------------------------------------------- what is left


#: exported constants without a ``#:`` comment yet (may only shrink)
CONSTANT_DEBT: frozenset[str] = frozenset({

})

#: public objects still without Parameters / Examples (may only shrink; never add to it)
DOC_DEBT: frozenset[str] = frozenset()
