"""Pandoc markdown -> self-contained HTML (Pandoc) or A4 PDF (Pandoc -> Typst -> ``typst`` package).

Both are written atomically: a reader never sees a half-written page.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import importlib.metadata
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drugtrends._io import atomic_path
from drugtrends.errors import RenderError
from drugtrends.render.config import LABELS, Config

__all__ = ["HOUSE_CSS", "versions", "footer_html", "footer_markdown", "run_pandoc", "write_html", "write_pdf",
           "interruptible"]

#: the house style of every HTML page (reports and the docs site)
HOUSE_CSS = """
:root { --fg: #212529; --muted: #6c757d; --accent: #2780e3; --border: #dee2e6; --code-bg: #f8f9fa; }
html { font-size: 16px; -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.5rem 3rem; color: var(--fg); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  line-height: 1.55; }
h1, h2, h3, h4, h5, h6 { line-height: 1.2; margin: 1.8em 0 0.6em; font-weight: 500; }
h1 { font-size: 2rem; } h2 { font-size: 1.6rem; border-bottom: 1px solid var(--border); padding-bottom: .25rem; }
h3 { font-size: 1.3rem; } h4 { font-size: 1.1rem; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
p { margin: 0 0 1rem; }
header#title-block-header { text-align: center; margin: 0 0 2rem; padding-bottom: 1rem; border-bottom: 1px solid var(--border); }
header#title-block-header .title { margin-top: 0; font-size: 2.25rem; }
header#title-block-header .subtitle { margin: -.25rem 0 .75rem; color: var(--muted); font-size: 1.25rem; font-weight: 400; }
header#title-block-header .author, header#title-block-header .date { margin: 0; color: var(--muted); }
header#title-block-header .abstract { margin-top: 1rem; }
nav#TOC { background: var(--code-bg); border: 1px solid var(--border); border-radius: .375rem; padding: .75rem 1.25rem; margin: 0 0 2rem; font-size: .95rem; }
nav#TOC > h2 { font-size: 1rem; margin: 0 0 .4rem; border: 0; padding: 0; }
nav#TOC ul { list-style: none; padding-left: 1rem; margin: 0; } nav#TOC > ul { padding-left: 0; }
nav#TOC li { margin: .15rem 0; }
img, svg { max-width: 100%; height: auto; }
figure { margin: 1.5rem 0; text-align: center; }
figcaption, .table-caption { color: var(--muted); font-size: .9rem; margin-top: .5rem; text-align: left; }
.table-caption { margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; margin: 1rem auto; border: 0; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--border); }
thead th { border-bottom: 2px solid #adb5bd; text-align: left; }
.cell { margin: 1rem 0; } .cell-output-display { overflow-x: auto; }
pre, code { font-family: SFMono-Regular, Menlo, Monaco, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: .875em; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: .375rem; padding: .75rem 1rem; overflow-x: auto; }
pre.cell-output, div.cell-output pre, .cell-output-stdout pre { background: #fff; }
.cell-output-stderr pre { background: #fff8e1; }
code { color: #7d12ba; } pre code { color: inherit; }
blockquote { margin: 1rem 0; padding: .25rem 1rem; border-left: .25rem solid var(--border); color: var(--muted); }
.callout, div[class*="callout-"] { border-left: .3rem solid var(--accent); background: #f3f8fe; padding: .6rem 1rem; margin: 1rem 0; border-radius: .25rem; }
.callout-warning { border-left-color: #ff7518; background: #fff6ef; } .callout-important { border-left-color: #cc1914; background: #fdf1f1; }
.callout-tip { border-left-color: #3fb618; background: #f2faef; }
footer.build-info { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--border); color: var(--muted); font-size: .8rem; }
code { white-space: pre-wrap; } span.smallcaps { font-variant: small-caps; }
div.columns { display: flex; gap: min(4vw, 1.5em); } div.column { flex: auto; overflow-x: auto; }
ul.task-list { list-style: none; } ul.task-list li input[type="checkbox"] { width: .8em; margin: 0 .8em .2em -1.6em; vertical-align: middle; }
.display.math { display: block; text-align: center; margin: .5rem auto; }
hr { border: none; border-top: 1px solid var(--border); margin: 1.5rem 0; }
sup, sub { line-height: 0; } dt { font-weight: 600; } dd { margin: 0 0 .5rem 1.5rem; }
section.footnotes { font-size: .9rem; color: var(--muted); }
@media print { body { max-width: none; } nav#TOC { display: none; } }
"""


def versions() -> dict[str, str]:
    """Versions of Python, pandoc and the packages a page was built with (shown in its footer).

    Examples
    --------
    >>> v = versions()
    >>> {"drugtrends", "pandas", "python"} <= set(v)
    True
    """
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for pkg in ("drugtrends", "pandas", "numpy", "matplotlib", "great_tables", "nbclient", "pypandoc_binary", "typst"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[pkg] = importlib.metadata.version(pkg)
    with contextlib.suppress(Exception):
        import pypandoc

        out["pandoc"] = pypandoc.get_pandoc_version()
    return out


def _build_stamp() -> tuple[str, str]:
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z"), now.strftime("%Y-%m-%d %H:%M UTC")


def footer_html(lang: str) -> str:
    """The HTML footer: build time (``<time class=\"build-time\">``) and versions.

    Parameters
    ----------
    lang : {"en", "fr"}
        The page language.

    Examples
    --------
    >>> footer_html("fr")[:47]
    '<footer class="build-info">Produit le <time cla\'
    """
    iso, human = _build_stamp()
    labels = LABELS.get(lang.split("-")[0], LABELS["en"])
    vers = ", ".join(f"{k} {v}" for k, v in versions().items())
    stamp = f'<time class="build-time" datetime="{iso}">{human}</time>'
    return f'<footer class="build-info">{labels["built"].format(time=stamp, versions=html.escape(vers))}</footer>\n'


def footer_markdown(lang: str) -> str:
    """The same footer as markdown, for the PDF.

    Parameters
    ----------
    lang : {"en", "fr"}
        The page language.

    Examples
    --------
    >>> "drugtrends" in footer_markdown("en") and "python" in footer_markdown("en")
    True
    """
    _, human = _build_stamp()
    labels = LABELS.get(lang.split("-")[0], LABELS["en"])
    vers = ", ".join(f"{k} {v}" for k, v in versions().items())
    return "\n\n---\n\n" + labels["built"].format(time=human, versions=vers) + "\n"


def interruptible(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a long native call (typst) in a worker thread so Ctrl-C stops the render at once.

    A native call holds the main thread: Python would raise KeyboardInterrupt only when it
    returns. Here the main thread waits in short joins, where Ctrl-C is raised immediately.

    Parameters
    ----------
    fn
        The callable; ``*args`` / ``**kwargs`` are passed on.

    Returns
    -------
    Any
        What ``fn`` returned (its exception is raised as is).

    Examples
    --------
    >>> interruptible(sum, [1, 2, 3])
    6
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="drugtrends-native", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def run_pandoc(args: list[str], where: str) -> None:
    """Run the pandoc of ``pypandoc-binary``; a failure is a RenderError naming ``where``.

    Parameters
    ----------
    args : list of str
        Pandoc's arguments.
    where : str
        What is being rendered, for the message.

    Examples
    --------
    >>> run_pandoc(["--version"], "page.md")
    >>> run_pandoc(["--no-such-option"], "page.md")
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: page.md: pandoc failed (exit 6): ...
    """
    import pypandoc

    try:
        exe = pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover - pypandoc-binary ships pandoc
        raise RenderError(f"{where}: pandoc not found; reinstall pypandoc-binary ({exc})") from exc
    proc = subprocess.run([exe, *args], capture_output=True, text=True)
    if proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT):  # Ctrl-C reached pandoc first: stop, not "failed"
        raise KeyboardInterrupt
    if proc.returncode != 0:
        raise RenderError(f"{where}: pandoc failed (exit {proc.returncode}):\n{proc.stderr.strip()}")


def write_html(md_path: Path, target: Path, cfg: Config, where: str) -> Path:
    """Pandoc markdown -> standalone, self-contained HTML at ``target`` (atomically).

    Parameters
    ----------
    md_path : Path
        The Pandoc markdown.
    target : Path
        The HTML file to write.
    cfg : Config
        Render settings (HTML options, language).
    where : str
        What is being rendered, for messages.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from drugtrends.render.config import Config
    >>> d = Path(tempfile.mkdtemp()); md = d / "page.md"
    >>> _ = md.write_text("---\\ntitle: Test\\n---\\n\\nHello *world*.\\n")
    >>> cfg = Config({}, {}, {}, "en", "python3")
    >>> "Hello <em>world</em>" in write_html(md, d / "page.html", cfg, "page.md").read_text()
    True
    """
    work = md_path.parent
    css = work / "drugtrends.css"
    css.write_text(HOUSE_CSS, encoding="utf-8")
    footer = work / "footer.html"
    footer.write_text(footer_html(cfg.lang), encoding="utf-8")
    args = [
        str(md_path), "--from", "markdown", "--to", "html5", "--standalone", "--embed-resources",
        "--mathml", "--section-divs", "--wrap=none", f"--css={css}", f"--include-after-body={footer}",
        f"--resource-path={work}", "--metadata", "document-css=false",
    ]
    if cfg.html.get("toc", False):
        args += ["--toc", f"--toc-depth={int(cfg.html.get('toc-depth', 3))}"]
    if cfg.html.get("number-sections", False):
        args.append("--number-sections")
    with atomic_path(target) as tmp:
        run_pandoc([*args, "--output", str(tmp)], where)
    return target


_TYPST_HEADER = """#show raw.where(block: true): set block(fill: luma(246), inset: 8pt, radius: 3pt, width: 100%)
#show figure.where(kind: table): set block(breakable: true)
#show table: set par(justify: false)
#show table: set text(size: 0.85em, hyphenate: false)
#show heading: set block(above: 1.4em, below: 0.8em)
#show link: set text(fill: rgb("#2780e3"))
"""


def write_pdf(md_path: Path, target: Path, cfg: Config, where: str) -> Path:
    """Pandoc markdown -> Typst -> A4 PDF at ``target`` (atomically).

    Parameters
    ----------
    md_path : Path
        The Pandoc markdown.
    target : Path
        The PDF file to write.
    cfg : Config
        Render settings (Typst options, language).
    where : str
        What is being rendered, for messages.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from drugtrends.render.config import Config
    >>> d = Path(tempfile.mkdtemp()); md = d / "page.md"
    >>> _ = md.write_text("---\\ntitle: Test\\n---\\n\\nHello *world*.\\n")
    >>> cfg = Config({}, {}, {}, "en", "python3")
    >>> write_pdf(md, d / "page.pdf", cfg, "page.md").read_bytes()[:4]
    b'%PDF\'
    """
    import typst

    work = md_path.parent
    typ = work / (md_path.stem + ".typ")
    args = [
        str(md_path), "--from", "markdown", "--to", "typst", "--standalone", "--wrap=none",
        f"--resource-path={work}", "--variable", f"header-includes={_TYPST_HEADER}",
    ]
    if cfg.typst.get("toc", False):
        args += ["--toc", f"--toc-depth={int(cfg.typst.get('toc-depth', 3))}"]
    run_pandoc([*args, "--output", str(typ)], where)
    with atomic_path(target) as tmp:
        try:
            interruptible(typst.compile, str(typ), output=str(tmp), root=str(work), format="pdf",
                          ignore_system_fonts=True)
        except Exception as exc:  # typst raises its own RuntimeError subclasses
            raise RenderError(f"{where}: typst could not compile the PDF ({typ}):\n{exc}") from exc
    return target


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
