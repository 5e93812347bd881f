"""Passthrough to the Quarto CLI when it is on ``PATH``: ``quarto render <file> --to html|typst``.

The reports stay valid Quarto documents: the built-in engine reads the same
``.qmd`` files. Quarto writes intermediate files (``<name>_files/``,
``<name>.ipynb``) beside the source, so each render works on its own copy of
the ``.qmd`` (named after the output stem and the process), in the same
folder so that relative paths and the project's ``_quarto.yml`` still apply:
two parameter sets rendered at the same time never share a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drugtrends._io import atomic_path
from drugtrends.errors import RenderError

__all__ = ["quarto_available", "render_with_quarto", "FORMATS"]

#: output format -> file suffix
FORMATS = {"html": ".html", "pdf": ".pdf"}


def quarto_available() -> bool:
    """Whether the Quarto CLI is on ``PATH``.

    Returns
    -------
    bool
        ``True`` when ``quarto`` is found.

    Examples
    --------
    >>> isinstance(quarto_available(), bool)
    True
    """
    return shutil.which("quarto") is not None


def _quarto_params(overrides: Mapping[str, Any], raw: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for k, v in overrides.items():
        args += ["-P", f"{k}:{raw.get(k, v if isinstance(v, str) else json.dumps(v, default=str))}"]
    return args


def render_with_quarto(path: Path, formats: list[str], overrides: Mapping[str, Any], raw: Mapping[str, str],
                       stem: str, outdir: Path, metadata: Mapping[str, str] | None = None) -> list[Path]:
    """Render ``path`` with the Quarto CLI and copy the results to ``<outdir>/<stem>.<ext>`` atomically.

    Parameters
    ----------
    path
        The ``.qmd`` file.
    formats
        ``"html"`` and/or ``"pdf"`` (Quarto's ``typst`` format).
    overrides, raw
        Parameters (parsed, and as given on the command line: passed on unchanged).
    stem
        Output file name without extension.
    outdir
        Output folder.
    metadata
        Front-matter values to override (``-M key:value``): the page's
        title in its language, ``lang``.

    Returns
    -------
    list of Path
        The written files.

    Raises
    ------
    RenderError
        Quarto is not on ``PATH``, fails, or writes no output.

    Examples
    --------
    Without the Quarto CLI on ``PATH`` it refuses (``engine="auto"`` then uses the built-in renderer):

    >>> import os, tempfile
    >>> from pathlib import Path
    >>> saved = os.environ["PATH"]; os.environ["PATH"] = tempfile.mkdtemp()   # no quarto here
    >>> render_with_quarto(Path("trends.qmd"), ["html"], {}, {}, "trends", Path(tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: engine='quarto' but the quarto CLI is not on PATH; ...
    >>> os.environ["PATH"] = saved
    """
    exe = shutil.which("quarto")
    if exe is None:
        raise RenderError("engine='quarto' but the quarto CLI is not on PATH; install it from https://quarto.org "
                          "or use engine='builtin'")
    outdir.mkdir(parents=True, exist_ok=True)
    source = path.with_name(f"_render-{stem}-{os.getpid()}.qmd")
    shutil.copyfile(path, source)
    results = []
    try:
        for fmt in formats:
            with tempfile.TemporaryDirectory(prefix=f".{stem}-", dir=outdir) as tmp:
                cmd = [exe, "render", str(source), "--to", "html" if fmt == "html" else "typst", "--output-dir", tmp,
                       *_quarto_params(overrides, raw)]
                for k, v in (metadata or {}).items():
                    cmd += ["-M", f"{k}:{v}"]
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent)
                what = f"quarto render {path.name} --to {fmt}"
                if proc.returncode != 0:
                    raise RenderError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-4000:]}")
                found = sorted(Path(tmp).rglob(f"{source.stem}{FORMATS[fmt]}"))
                if not found:
                    raise RenderError(f"{what} succeeded but wrote no {source.stem}{FORMATS[fmt]} under {tmp}")
                target = outdir / f"{stem}{FORMATS[fmt]}"
                with atomic_path(target) as part:
                    shutil.copyfile(found[0], part)
                results.append(target)
    finally:
        with contextlib.suppress(OSError):
            source.unlink()
        shutil.rmtree(source.with_name(f"{source.stem}_files"), ignore_errors=True)
    return results


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
