"""Every docstring example of the package runs and prints what it says (doctest).

One test per module of ``src/drugtrends``, so a failure names the module; the
message lists each failing example with what it expected and what it got.
Options: ``ELLIPSIS`` (``...`` matches anything) and ``NORMALIZE_WHITESPACE``.
Examples run in a temporary working directory with the non-interactive
matplotlib backend. No module of the package needs a browser; if one ever does,
add it to ``NEEDS_BROWSER`` (it is then skipped unless ``-m browser`` tests can run).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import drugtrends

#: modules whose examples need Debian chromium + chromium-driver (none today)
NEEDS_BROWSER: set[str] = set()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = ["drugtrends"]
    for info in pkgutil.walk_packages(drugtrends.__path__, prefix="drugtrends."):
        names.append(info.name)
    return sorted(names)


MODULES = _modules()


def run_doctests(modname: str) -> tuple[int, list[str]]:
    """Run the examples of one module; return (examples run, failure reports)."""
    module = importlib.import_module(modname)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    reports: list[str] = []
    n = 0


    for test in finder.find(module, modname, globs=dict(vars(module))):
        if not test.examples:
            continue
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=True)
        n += result.attempted
        if result.failed:
            reports.append(f"--- {test.name} (line {test.lineno}):\n" + "".join(out).strip())
    return n, reports


def test_the_package_has_examples():
    assert len(MODULES) > 30
    total = sum(run_doctests(m)[0] for m in ["drugtrends.survey.design", "drugtrends.trends.jp_api"])
    assert total > 20


@pytest.mark.parametrize("modname", MODULES)
def test_docstring_examples_run(modname, tmp_path, monkeypatch):
    if modname in NEEDS_BROWSER:
        pytest.skip(f"{modname}: examples need a browser")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    n, failures = run_doctests(modname)
    assert not failures, f"{len(failures)} failing docstring example(s) in {modname} ({n} run):\n\n" + "\n\n".join(failures)


def test_a_wrong_example_is_reported(monkeypatch):
    """The runner really compares outputs (not a tautology)."""
    import sys
    import types

    mod = types.ModuleType("fake_doctest_mod")
    exec('def f():\n    """\n    >>> 1 + 1\n    3\n    """\n', mod.__dict__)
    mod.f.__module__ = "fake_doctest_mod"
    monkeypatch.setitem(sys.modules, "fake_doctest_mod", mod)
    n, failures = run_doctests("fake_doctest_mod")
    assert n == 1 and len(failures) == 1
    assert "Expected:\n    3\nGot:\n    2" in failures[0]
