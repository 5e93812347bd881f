"""The architecture bar of issue 12, checked statically (nothing is imported).

* the same checks over ``src/`` and ``drugtrends_reports/`` together (issue 22):
  no module over 900 lines; no function over 100 lines;
* no private name (``_x``) imported from another module, no private module
  imported from outside its package, no ``module._x`` attribute read through
  an imported drugtrends module;
* no import cycle among the modules of ``src/drugtrends`` and
  ``drugtrends_reports`` (every import statement counts, also inside
  functions, except under ``TYPE_CHECKING``);
* no module-level mutable state changed by functions (``global x``, a
  module-level dict/list/set changed in place), such as a report's shared
  ``_STATE``;
* layers point one way: utilities <- data <- statistics <- presentation <-
  render/CLI; statistics never import the data layer (readers, datasets,
  fetch, manifest); nothing in ``src/`` imports ``drugtrends_reports``; every
  module belongs to a layer;
* the wheel installs only ``drugtrends*`` top-level packages;
* no report ``.qmd`` has more than 80 code lines.

Every test lists all its offenders, so one run shows all the work left. The
checkers are tested on small synthetic trees too (they can fail).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
REPORTS_PKG = ROOT / "drugtrends_reports"
MAX_MODULE_LINES = 900
MAX_FUNCTION_LINES = 100
MAX_REPORT_CODE_LINES = 80

#: layer of every module (the longest matching prefix wins); see docs/ARCHITECTURE.md
LAYERS = {
    "drugtrends": "root",  # the package __init__: lazy attributes only
    "drugtrends.errors": "utility", "drugtrends.paths": "utility", "drugtrends._io": "utility",
    "drugtrends._compat": "utility",
    "drugtrends.validate": "utility", "drugtrends.taxonomy": "utility", "drugtrends.comparability": "utility",
    "drugtrends.semantics": "utility", "drugtrends.series": "utility",
    "drugtrends.i18n": "utility", "drugtrends.locales": "utility",
    "drugtrends.readers": "data", "drugtrends.datasets": "data", "drugtrends.fetch": "data",
    "drugtrends.manifest": "data", "drugtrends.integrity": "data", "drugtrends._tutorials": "data",
    "drugtrends.survey": "statistics", "drugtrends.trends": "statistics", "drugtrends.profiles": "statistics",
    "drugtrends.indirect": "statistics", "drugtrends.admissions": "statistics",
    "drugtrends.style": "presentation", "drugtrends.tables": "presentation", "drugtrends.plots": "presentation",
    "drugtrends.keyfigures": "presentation",
    "drugtrends.render": "render", "drugtrends.cli": "render",
}
RANK = {"utility": 0, "data": 1, "statistics": 2, "presentation": 3, "render": 4}


# --------------------------------------------------------------------------- reading the tree


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: int
    is_package: bool

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass
class Import:
    """``module`` imports ``target`` (``names`` when ``from target import names``) on ``line``."""

    module: str
    target: str
    names: list[str] = field(default_factory=list)
    line: int = 0


def modules_under(root: Path, top: str) -> dict[str, Module]:
    """Every ``.py`` file of package ``top`` under ``root``, by dotted name."""
    out = {}
    for f in sorted((root / top).rglob("*.py")):
        if "__pycache__" in f.parts:
            continue
        parts = list(f.relative_to(root).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        text = f.read_text(encoding="utf-8")
        out[".".join(parts)] = Module(".".join(parts), f, ast.parse(text, str(f)), text.count("\n") + 1, is_pkg)
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    return skip


def imports_of(mod: Module) -> list[Import]:
    """Every import statement of a module (anywhere but under ``if TYPE_CHECKING``), absolute names."""
    skip = _type_checking_nodes(mod.tree)
    out = []
    for node in ast.walk(mod.tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [Import(mod.name, a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = mod.package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, target] if target else base)
            out.append(Import(mod.name, target, [a.name for a in node.names], node.lineno))
    return out


def edges(mods: dict[str, Module]) -> dict[str, dict[str, int]]:
    """Module -> {imported project module: line}: ``from p import m`` points to ``p.m`` when that is a module."""
    graph: dict[str, dict[str, int]] = {m: {} for m in mods}
    for m in mods.values():
        for imp in imports_of(m):
            targets = [f"{imp.target}.{n}" if f"{imp.target}.{n}" in mods else imp.target for n in imp.names] \
                or [imp.target]
            for t in targets:
                if t in mods and t != m.name:
                    graph[m.name].setdefault(t, imp.line)
    return graph


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# --------------------------------------------------------------------------- checkers


def long_modules(mods: dict[str, Module], limit: int = MAX_MODULE_LINES) -> list[str]:
    return [f"{m.path.relative_to(m.path.parents[len(m.name.split('.')) - (0 if m.is_package else 1)])}: "
            f"{m.lines} lines" for m in mods.values() if m.lines > limit]


def long_functions(mods: dict[str, Module], limit: int = MAX_FUNCTION_LINES) -> list[str]:
    out = []
    for m in mods.values():
        for node in ast.walk(m.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    out.append(f"{m.name}.{node.name} (line {node.lineno}): {n} lines")
    return out


def private_imports(mods: dict[str, Module], project: tuple[str, ...] = ("drugtrends", "drugtrends_reports")) -> list[str]:
    """``from m import _x``; a private module imported from outside its package; ``alias._x`` of a project module."""
    out = []
    for m in mods.values():
        aliases: dict[str, str] = {}
        for imp in imports_of(m):
            if imp.target.split(".")[0] not in project:
                continue
            parts = imp.target.split(".")
            for k, p in enumerate(parts):
                owner = ".".join(parts[:k])
                if _is_private(p) and not (m.name + ".").startswith(owner + "."):
                    out.append(f"{m.name} (line {imp.line}): imports private module {imp.target}")
                    break
            for n in imp.names:
                if _is_private(n) and not (m.name + ".").startswith(imp.target + "."):
                    out.append(f"{m.name} (line {imp.line}): from {imp.target} import {n}")
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] in project:
                        aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in project:
                for a in node.names:
                    if f"{node.module}.{a.name}" in mods:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
                target = aliases.get(node.value.id)
                if target is not None and not (m.name + ".").startswith(target + "."):
                    out.append(f"{m.name} (line {node.lineno}): {node.value.id}.{node.attr} (private name of {target})")
    return sorted(set(out))


_MUTATORS = {"append", "extend", "update", "add", "pop", "clear", "setdefault", "insert", "remove", "discard",
             "popitem", "appendleft", "__setitem__"}
_MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


def _module_mutables(tree: ast.Module) -> dict[str, int]:
    """Names bound at module level to a mutable container (literal, comprehension or constructor call)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, val = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, val = [node.target], node.value
        else:
            continue
        call = getattr(val.func, "id", None) or getattr(val.func, "attr", None) if isinstance(val, ast.Call) else None
        if isinstance(val, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) \
                or call in _MUTABLE_CALLS:
            out.update({t.id: node.lineno for t in targets if isinstance(t, ast.Name)})
    return out


def _changed_names(node: ast.AST) -> list[str]:
    """Names a statement or call changes in place (``x[k] = v``, ``del x[k]``, ``x.append(...)``)."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
        tg = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        return [t.value.id for t in tg if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS \
            and isinstance(node.func.value, ast.Name):
        return [node.func.value.id]
    return []


def mutable_module_state(mods: dict[str, Module]) -> list[str]:
    """Module-level state changed by functions: ``global x``, or a module-level container changed in place.

    Such state is shared by every caller (two renders in one kernel see each
    other's leftovers); pass values, or memoise pure functions with
    ``functools.cache`` instead.
    """
    out = []
    for m in mods.values():
        names = _module_mutables(m.tree)
        for fn in ast.walk(m.tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            local = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            local |= {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
            for node in ast.walk(fn):
                if isinstance(node, ast.Global):
                    out += [f"{m.name}.{n}: 'global {n}' in {fn.name}() (line {node.lineno})" for n in node.names]
                for h in _changed_names(node):
                    if h in names and h not in local:
                        out.append(f"{m.name}.{h} (line {names[h]}): changed in {fn.name}() (line {node.lineno})")
    return sorted(set(out))


#: Types with one home (issue 22): a class of that name anywhere else is a second definition.
ONE_HOME = {"Break": "drugtrends.series.registry", "KeyFigure": "drugtrends.keyfigures",
            "KnownBreak": "drugtrends.series.registry"}


def second_definitions(mods: dict[str, Module], homes: dict[str, str] = ONE_HOME) -> list[str]:
    """Classes named like a one-home type (``Break``, ``KeyFigure``) defined outside their home module."""
    return sorted(f"{m.name} (line {node.lineno}): class {node.name} (the one definition is {homes[node.name]})"
                  for m in mods.values() for node in ast.walk(m.tree)
                  if isinstance(node, ast.ClassDef) and node.name in homes and m.name != homes[node.name])


BARE_ERRORS = ("ValueError", "TypeError")


def bare_raises(mods: dict[str, Module]) -> list[str]:
    """``raise ValueError(...)`` / ``raise TypeError(...)``: the library raises ``drugtrends.errors`` classes.

    Every drugtrends error subclasses the builtin it replaces (``InputError``
    is a ``ValueError``, ``InputTypeError`` also a ``TypeError``), so callers
    catching the builtin keep working while the message names what to do.
    """
    out = []
    for m in mods.values():
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id in BARE_ERRORS:
                    out.append(f"{m.name} (line {node.lineno}): raise {exc.id}")
    return sorted(out)


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def describe_cycle(comp: list[str], graph: dict[str, dict[str, int]]) -> str:
    inside = set(comp)
    links = [f"{a} -> {b} (line {graph[a][b]})" for a in comp for b in sorted(graph[a]) if b in inside]
    return "cycle among " + ", ".join(comp) + ": " + "; ".join(links)


def layer_of(name: str) -> str | None:
    if name == "drugtrends":
        return "root"
    best = max((k for k in LAYERS if k != "drugtrends" and (name == k or name.startswith(k + "."))), key=len,
               default=None)
    return LAYERS[best] if best is not None else None


def layer_violations(mods: dict[str, Module], graph: dict[str, dict[str, int]]) -> list[str]:
    out = []
    for a, targets in graph.items():
        la = layer_of(a)
        for b, line in targets.items():
            lb = layer_of(b)
            if la in (None, "root") or lb in (None, "root"):
                continue
            if RANK[lb] > RANK[la]:
                out.append(f"{a} ({la}) imports {b} ({lb}) on line {line}: a lower layer imports a higher one")
            elif la == "statistics" and lb == "data":
                out.append(f"{a} (statistics) imports {b} (data) on line {line}: statistics never import readers/"
                           "datasets; take a DataFrame or a design spec from the caller")
    for m in mods.values():
        for imp in imports_of(m):
            if imp.target.split(".")[0] == "drugtrends_reports":
                out.append(f"{m.name} imports {imp.target} on line {imp.line}: the library never imports the reports")
    return sorted(out)


def unclassified(mods: dict[str, Module]) -> list[str]:
    return sorted(m for m in mods if layer_of(m) is None)


def report_code_lines(qmd: Path) -> int:
    """Non-blank code lines of the report's ``{python}`` cells (``#|`` options not counted)."""
    from drugtrends.render import parse_qmd

    doc = parse_qmd(qmd.read_text(encoding="utf-8"), qmd)
    return sum(1 for c in doc.cells for line in c.code.splitlines() if line.strip())


def wheel_top_levels(pyproject: Path) -> list[str]:
    cfg = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    wheel = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]
    tops = [Path(p).name for p in wheel.get("packages", [])]
    tops += [dest.split("/")[0] for dest in (wheel.get("force-include") or {}).values()]
    return sorted(set(tops))


# --------------------------------------------------------------------------- the bar, on the project


@pytest.fixture(scope="module")
def lib() -> dict[str, Module]:
    return modules_under(SRC, "drugtrends")


@pytest.fixture(scope="module")
def everything(lib) -> dict[str, Module]:
    return {**lib, **modules_under(ROOT, "drugtrends_reports")}


def _fail(title: str, offenders: list[str]) -> None:
    assert not offenders, f"{len(offenders)} {title}:\n  " + "\n  ".join(offenders)


def test_no_module_over_900_lines(everything):
    _fail(f"module(s) over {MAX_MODULE_LINES} lines", long_modules(everything))


def test_no_function_over_100_lines(everything):
    _fail(f"function(s) over {MAX_FUNCTION_LINES} lines", long_functions(everything))


def test_no_private_name_imported_from_another_module(everything):
    _fail("private name(s) used across modules", private_imports(everything))


def test_no_import_cycle(everything):
    graph = edges(everything)
    _fail("import cycle(s)", [describe_cycle(c, graph) for c in import_cycles(graph)])


def test_one_break_type_and_one_key_figure_class(everything):
    _fail("second definition(s) of a one-home type (import the library's class instead)",
          second_definitions(everything))


def test_no_bare_value_or_type_error_in_the_library(lib):
    _fail("bare ValueError/TypeError raise(s): raise a drugtrends.errors class (validate.check_choice for choices)",
          bare_raises(lib))


def test_no_module_level_mutable_state(everything):
    _fail("module-level mutable state(s) changed by functions (pass values; functools.cache for memos)",
          mutable_module_state(everything))


def test_layers_point_one_way(lib):
    _fail("layer violation(s)", layer_violations(lib, edges(lib)))


def test_every_module_has_a_layer(lib):
    _fail("module(s) in no layer (add them to LAYERS here and to docs/ARCHITECTURE.md)", unclassified(lib))


def test_wheel_installs_only_drugtrends_packages():
    tops = wheel_top_levels(ROOT / "pyproject.toml")
    assert tops, "no wheel packages configured"
    _fail("top-level name(s) installed that are not drugtrends*", [t for t in tops if not t.startswith("drugtrends")])


def test_reports_hold_calls_not_logic():
    counts = {q.name: report_code_lines(q) for q in sorted((ROOT / "reports").glob("*.qmd"))}
    assert counts, "no reports found"
    _fail(f"report(s) with more than {MAX_REPORT_CODE_LINES} code lines",
          [f"reports/{n}: {c} code lines" for n, c in counts.items() if c > MAX_REPORT_CODE_LINES])


# --------------------------------------------------------------------------- the checkers can fail


@pytest.fixture
def toy(tmp_path) -> dict[str, Module]:
    """A small package with one of each offence."""
    pkg = tmp_path / "drugtrends"
    (pkg / "survey").mkdir(parents=True)
    (pkg / "readers").mkdir()
    files = {
        "__init__.py": "",
        "errors.py": "class E(Exception):\n    pass\n",
        "survey/__init__.py": "",
        "survey/_kernel.py": "def f():\n    return 1\n",
        "survey/design.py": "from drugtrends.survey._kernel import f\nfrom drugtrends.survey import estimators\n",
        "survey/estimators.py": "def g():\n    from drugtrends.survey import design\n    return design\n",
        "readers/__init__.py": "",
        "readers/x.py": "from drugtrends.survey import design\n",
        "trendy.py": "from drugtrends.survey._kernel import f\nfrom drugtrends.survey.design import _hidden\n"
                     "import drugtrends.survey.design as d\nX = d._secret\n",
        "plots.py": "import drugtrends_reports.common\n",
        "long.py": "def big():\n" + "    x = 1\n" * 120 + "    return x\n" + "# pad\n" * 900,
        "state.py": "_STATE = {}\nSEEN: list = []\nTABLE = {'a': 1}\nn = 0\n"
                    "def f(k):\n    _STATE[k] = 1\n    SEEN.append(k)\n    return TABLE[k]\n"
                    "def g():\n    global n\n    n += 1\n"
                    "def h():\n    SEEN = []\n    SEEN.append(1)\n    return SEEN\n"
                    "def r(x):\n    if x:\n        raise ValueError('bad')\n    raise TypeError\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    return modules_under(tmp_path, "drugtrends")


def test_checkers_find_every_offence(toy, tmp_path, monkeypatch):
    assert long_modules(toy) == [f"drugtrends/long.py: {toy['drugtrends.long'].lines} lines"]
    assert long_functions(toy) == ["drugtrends.long.big (line 1): 122 lines"]
    priv = private_imports(toy)
    assert any("trendy (line 1): imports private module drugtrends.survey._kernel" in p for p in priv)
    assert any("from drugtrends.survey.design import _hidden" in p for p in priv)
    assert any("d._secret" in p for p in priv)
    assert not any(p.startswith("drugtrends.survey.design") for p in priv), "a package may use its own private module"
    graph = edges(toy)
    assert import_cycles(graph) == [["drugtrends.survey.design", "drugtrends.survey.estimators"]]
    viol = layer_violations(toy, graph)
    assert any("drugtrends.readers.x (data) imports drugtrends.survey.design (statistics)" in v for v in viol)
    assert any("drugtrends.plots imports drugtrends_reports.common" in v for v in viol)
    assert "drugtrends.trendy" in unclassified(toy) and "drugtrends.long" in unclassified(toy)
    assert mutable_module_state(toy) == ["drugtrends.state.SEEN (line 2): changed in f() (line 7)",
                                         "drugtrends.state._STATE (line 1): changed in f() (line 6)",
                                         "drugtrends.state.n: 'global n' in g() (line 10)"]
    assert second_definitions(toy, {"E": "drugtrends.other"}) == [
        "drugtrends.errors (line 1): class E (the one definition is drugtrends.other)"]
    assert bare_raises(toy) == ["drugtrends.state (line 18): raise ValueError",
                                "drugtrends.state (line 19): raise TypeError"]
    qmd = tmp_path / "r.qmd"
    qmd.write_text("---\ntitle: r\n---\n```{python}\n#| echo: false\nx = 1\n\ny = 2\n```\ntext\n```{python}\nz = 3\n```\n")
    assert report_code_lines(qmd) == 3
    pp = tmp_path / "pyproject.toml"
    pp.write_text('[tool.hatch.build.targets.wheel]\npackages = ["src/drugtrends", "analysis"]\n')
    assert wheel_top_levels(pp) == ["analysis", "drugtrends"]


def test_statistics_importing_data_is_caught():
    graph = {"drugtrends.profiles": {"drugtrends.readers.nhanes": 12}, "drugtrends.readers.nhanes": {}}
    viol = layer_violations({}, graph)
    assert viol and "statistics never import readers" in viol[0]
    assert re.search(r"line 12", viol[0])


# --------------------------------------------------------------------------- the package surface


def test_every_public_submodule_is_an_attribute_of_the_package():
    import drugtrends

    on_disk = {p.stem if p.suffix == ".py" else p.name for p in (SRC / "drugtrends").iterdir()
               if (p.suffix == ".py" or (p / "__init__.py").is_file()) and not p.name.startswith("_")}
    on_disk.discard("cli")
    assert on_disk <= set(drugtrends.__all__), f"not reachable as dt.<name>: {sorted(on_disk - set(drugtrends.__all__))}"
    assert {"admissions", "indirect", "validate", "comparability", "i18n"} <= set(drugtrends.__all__)
    assert "harmonise" not in drugtrends.__all__


@pytest.mark.slow
def test_star_import_works():
    import subprocess

    code = "from drugtrends import *; print(SurveyDesign.__name__, admissions.__name__, load.__name__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["SurveyDesign", "drugtrends.admissions", "load"]
