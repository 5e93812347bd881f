"""The tutorial notebooks, reachable from an installed package: ``dt.tutorials()``.

A source checkout reads them from ``docs/*.ipynb``; a wheel ships the same
files as ``drugtrends/notebooks/*.ipynb`` (``pyproject.toml``,
``[tool.hatch.build.targets.wheel.force-include]``). The module is private so
that ``dt.tutorials`` is the function (a public module of the same name would
hide it, or be hidden by it).
"""

from __future__ import annotations

import os
from pathlib import Path

from drugtrends import paths
from drugtrends._io import write_bytes_atomic
from drugtrends.errors import InputError

__all__ = ["tutorials", "tutorials_dir"]

_SHIPPED = Path(__file__).resolve().parent / "notebooks"


def tutorials_dir() -> Path:
    """Return the folder holding the tutorial notebooks of this installation.

    Returns
    -------
    Path
        ``docs/`` of a source checkout, else the ``notebooks/`` folder shipped
        inside the installed package.

    Examples
    --------
    >>> from drugtrends._tutorials import tutorials_dir
    >>> any(tutorials_dir().glob("*.ipynb"))
    True
    """
    root = paths.project_root()
    if root is not None and any((root / "docs").glob("*.ipynb")):
        return root / "docs"
    return _SHIPPED


def tutorials(dest: str | os.PathLike[str] | None = None, *, overwrite: bool = False) -> list[Path]:
    """List the tutorial notebooks, or copy them to ``dest`` to open and edit them.

    Parameters
    ----------
    dest
        Folder to copy the notebooks into (created if needed). ``None`` copies
        nothing and returns the notebooks where they are installed (read them,
        but edit a copy).
    overwrite
        Replace notebooks already present in ``dest``. By default an existing
        copy is never replaced (it may hold your work): the call refuses and
        names the files.

    Returns
    -------
    list of Path
        The notebooks, sorted by name: the installed ones, or the copies in
        ``dest``. Each copy is written atomically (no half-written notebook).

    Raises
    ------
    InputError
        A notebook of the same name is already in ``dest`` and ``overwrite`` is false.
    NotWritableError
        ``dest`` cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> import drugtrends as dt
    >>> [p.name for p in dt.tutorials()][:3]
    ['01-survey-prevalence.ipynb', '02-user-profiles.ipynb', '03-joinpoint-trend.ipynb']
    >>> folder = tempfile.mkdtemp()
    >>> copies = dt.tutorials(folder)
    >>> [p.name for p in copies] == [p.name for p in dt.tutorials()]
    True
    >>> copies[0].read_bytes() == dt.tutorials()[0].read_bytes()
    True
    >>> dt.tutorials(folder)
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: ... tutorial notebook(s) already in ...: 01-survey-prevalence.ipynb, ...
    >>> len(dt.tutorials(folder, overwrite=True)) == len(dt.tutorials())
    True
    """
    found = sorted(tutorials_dir().glob("*.ipynb"))
    if dest is None:
        return found
    folder = paths.require_writable(Path(dest).expanduser(), "tutorial notebooks",
                                    "Choose a folder you can write to.")
    present = [p.name for p in found if (folder / p.name).exists()]
    if present and not overwrite:
        raise InputError(f"{len(present)} tutorial notebook(s) already in {folder}: {', '.join(present)}. "
                         "Pass overwrite=True (drugtrends tutorials --overwrite) to replace them, or choose another folder.")
    return [write_bytes_atomic(folder / p.name, p.read_bytes()) for p in found]
