"""ruff and mypy, configured in pyproject.toml, run over the project and fail on any finding (issue 22).

Both tools come with the ``test`` extra; the tests skip only when a tool is not
installed. The checkers are shown to fail on a small bad file first.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINTED = ["src", "drugtrends_reports", "tests"]


def _tool(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


def test_lint_configuration_is_declared():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = cfg["tool"]["ruff"]["lint"]
    assert {"E", "F", "I", "B", "UP"} <= set(lint["select"])
    strict_flags = {"disallow_untyped_defs", "disallow_any_generics", "disallow_untyped_calls", "warn_return_any",
                    "check_untyped_defs", "strict_equality"}
    strict = {m for o in cfg["tool"]["mypy"]["overrides"] if all(o.get(f) for f in strict_flags) for m in o["module"]}
    assert {"drugtrends.series.*", "drugtrends.survey.*"} <= strict
    # `strict = true` in an override would switch the strict flags on for every module
    assert not any("strict" in o for o in cfg["tool"]["mypy"]["overrides"])
    extras = " ".join(cfg["project"]["optional-dependencies"]["test"])
    assert "ruff" in extras and "mypy" in extras


def test_ruff_and_mypy_catch_a_bad_file(tmp_path):
    _tool("ruff")
    _tool("mypy")
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f(x: int) -> str:\n    return x\n")
    r = _run("ruff", "check", "--no-cache", "--select", "F", str(bad), cwd=tmp_path)
    assert r.returncode == 1 and "F401" in r.stdout
    m = _run("mypy", "--no-incremental", "--strict", str(bad), cwd=tmp_path)
    assert m.returncode == 1 and "Incompatible return value type" in m.stdout


def test_ruff_finds_nothing():
    _tool("ruff")
    r = _run("ruff", "check", "--output-format", "concise", *LINTED)
    assert r.returncode == 0, f"ruff findings (fix them; `ruff check --fix` for the [*] ones):\n{r.stdout[-8000:]}"


@pytest.mark.slow
def test_mypy_finds_nothing():
    _tool("mypy")
    r = _run("mypy")
    assert r.returncode == 0, f"mypy findings:\n{r.stdout[-8000:]}"
