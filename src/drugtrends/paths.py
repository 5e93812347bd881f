"""Where drugtrends finds its manifest, its data directory and its mirror.

Resolution never depends on the current working directory:

* project root: the checkout that contains this package (``src/drugtrends``);
* data directory: ``$DRUGTRENDS_DATA``, else ``<project root>/data/raw``
  (git-ignored), else ``~/.cache/drugtrends`` for a non-editable install;
* mirror: ``--mirror`` option, else ``$DRUGTRENDS_MIRROR``, else
  ``<project root>/../shared/data`` when it exists.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "manifest_path", "data_dir", "default_mirror", "output_dir", "require_writable"]

_PKG_DIR = Path(__file__).resolve().parent


def project_root() -> Path | None:
    """Return the source checkout's root, or ``None`` for a non-editable install.

    Examples
    --------
    >>> root = project_root()
    >>> root is None or (root / "pyproject.toml").is_file()
    True
    """
    root = _PKG_DIR.parents[1]
    if (root / "pyproject.toml").is_file() and (root / "data" / "manifest.yaml").is_file():
        return root
    return None


def manifest_path() -> Path:
    """Return the path of the data manifest (``data/manifest.yaml``).

    ``$DRUGTRENDS_MANIFEST`` wins; an installed package reads the copy it ships.

    Examples
    --------
    >>> manifest_path().name, manifest_path().is_file()
    ('manifest.yaml', True)
    """
    env = os.environ.get("DRUGTRENDS_MANIFEST")
    if env:
        return Path(env)
    root = project_root()
    if root is not None:
        return root / "data" / "manifest.yaml"
    return _PKG_DIR / "manifest.yaml"


def data_dir() -> Path:
    """Return the data directory where fetched files live (not created here).

    ``$DRUGTRENDS_DATA`` when set (read at every call, so a notebook may set it
    before its first ``dt.load``), else ``data/raw`` in a source checkout, else
    ``~/.cache/drugtrends`` for an installed package.

    Examples
    --------
    >>> import os, tempfile
    >>> saved = dict(os.environ)
    >>> os.environ["DRUGTRENDS_DATA"] = tempfile.gettempdir()
    >>> data_dir() == Path(tempfile.gettempdir()).resolve()
    True
    >>> os.environ.clear(); os.environ.update(saved)
    """
    env = os.environ.get("DRUGTRENDS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    root = project_root()
    if root is not None:
        return root / "data" / "raw"
    return Path.home() / ".cache" / "drugtrends"


def default_mirror(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the mirror to copy from, or ``None`` when there is none.

    Parameters
    ----------
    explicit
        A path given by the user (``--mirror``); wins over everything else.

    Examples
    --------
    >>> import tempfile
    >>> default_mirror(tempfile.gettempdir()) == Path(tempfile.gettempdir()).resolve()
    True
    """
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("DRUGTRENDS_MIRROR")
    if env:
        return Path(env).expanduser().resolve()
    root = project_root()
    if root is not None:
        shared = root.parent / "shared" / "data"
        if shared.is_dir():
            return shared.resolve()
    return None


def output_dir() -> Path:
    """Return the git-ignored directory where rendered reports go.

    ``$DRUGTRENDS_OUTPUT`` when set, else ``_output`` in the source checkout
    (or in the current directory for an installed package).

    Examples
    --------
    >>> output_dir().name == "_output" or "DRUGTRENDS_OUTPUT" in __import__("os").environ
    True
    """
    env = os.environ.get("DRUGTRENDS_OUTPUT")
    if env:
        return Path(env).expanduser().resolve()
    root = project_root()
    return (root if root is not None else Path.cwd()) / "_output"


def require_writable(folder: str | os.PathLike[str], what: str, hint: str) -> Path:
    """Create ``folder`` if needed and check a file can be written in it.

    Parameters
    ----------
    folder
        The folder.
    what
        What goes there, for the message (``"fetched data"``, ``"rendered reports"``).
    hint
        What the user can do, for the message.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    NotWritableError
        The folder cannot be created or written; the message names it, the
        reason and ``hint``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "new"
    >>> require_writable(d, "rendered reports", "") == d and d.is_dir()
    True
    >>> f = d / "a-file"
    >>> _ = f.write_text("x")
    >>> require_writable(f / "sub", "rendered reports", "Set DRUGTRENDS_OUTPUT.")
    Traceback (most recent call last):
    ...
    drugtrends.errors.NotWritableError: cannot write the rendered reports to .../a-file/sub: ... Set DRUGTRENDS_OUTPUT.
    """
    import errno
    import tempfile

    from drugtrends.errors import NotWritableError

    d = Path(folder)
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=d, prefix=".write-test-"):
            pass
    except OSError as exc:
        denied = exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}
        reason = "permission denied" if denied else (exc.strerror or type(exc).__name__).lower()
        raise NotWritableError(f"cannot write the {what} to {d}: {reason}. {hint}".rstrip()) from None
    return d


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
