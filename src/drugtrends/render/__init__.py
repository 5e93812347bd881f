"""Render the Quarto reports, with Quarto when it is installed and without it otherwise.

Two engines give the same documents:

* ``quarto`` -- when the Quarto CLI is on ``PATH``: ``quarto render <file> --to html|typst``
  (:mod:`~drugtrends.render.quarto`);
* ``builtin`` -- everything in Python wheels: the ``.qmd`` is parsed
  (:mod:`~drugtrends.render.qmd`), its ``{python}`` cells run in a Jupyter
  kernel (:mod:`~drugtrends.render.execute`, nbclient + ipykernel), the results
  become Pandoc markdown (:mod:`~drugtrends.render.markdown`), and Pandoc
  (``pypandoc-binary``) writes a self-contained HTML page or a Typst file that
  the ``typst`` package compiles to PDF (:mod:`~drugtrends.render.output`).

What the built-in engine understands of Quarto (enough for this project's reports):

* YAML front matter: ``title``, ``subtitle``, ``author``, ``date`` (``today``,
  ``last-modified``), ``abstract``, ``lang``, ``params``, ``jupyter`` (kernel
  name), ``execute`` (``echo``, ``eval``, ``output``, ``warning``, ``error``,
  ``include``) and ``format`` (``html``/``typst``/``pdf``: ``toc``,
  ``toc-depth``, ``toc-title``, ``number-sections``, ``papersize``,
  ``fig-width``, ``fig-height``, ``fig-format`` = ``svg``/``png``,
  ``fig-dpi``), merged over the project's ``_quarto.yml`` as Quarto does;
* ``{python}`` cells with ``#|`` options: ``label``, ``echo``, ``eval``,
  ``output`` (``true``/``false``/``asis``), ``include``, ``warning``,
  ``error``, ``fig-cap`` (string or list), ``fig-alt``, ``tbl-cap``,
  ``fig-width``, ``fig-height``, ``tags: [parameters]``;
* parameters the Papermill way: the cell tagged ``parameters`` holds the
  defaults, and a cell assigning the overrides is run right after it;
* inline expressions `` `{python} expr` `` (Quarto >= 1.4);
* cross references ``@fig-x``, ``@tbl-x``, ``@sec-x`` and the
  ``{{< pagebreak >}}`` / ``{{< meta key >}}`` shortcodes.

Anything else executable (``{r}``, ``{ojs}``, other shortcodes) is refused with
a :class:`RenderError` that says to install Quarto, rather than silently dropped.

drugtrends reads one extra front-matter key, ``drugtrends:``, which Quarto
ignores: ``variants`` (parameter sets rendered one by one) and ``datasets``
(the ``dt.load`` ids the report needs; with none available the render fails
with a clear message): see :mod:`~drugtrends.render.reports`.

Output names (:func:`output_stem`): ``<report>[-<variant values>][-<changed
parameters>][-<lang>]``, e.g. ``factsheet-cocaine.html``,
``factsheet-cocaine-fr.pdf``, ``trends-fr.html``. Every output is written
atomically. Executions are cached (:mod:`~drugtrends.render.cache`), keyed on
the report and the project modules it actually imports.

Determinism: rendering twice gives byte-identical HTML except for the build
time in the footer (``<time class="build-time">``).
"""

from __future__ import annotations

from drugtrends.errors import RenderError
from drugtrends.render.batch import render_reports
from drugtrends.render.cache import cache_key, report_dependencies
from drugtrends.render.engine import RenderStats, render_file, stats
from drugtrends.render.markdown import to_markdown
from drugtrends.render.qmd import Cell, Document, Markdown, parse_param_values, parse_qmd
from drugtrends.render.quarto import quarto_available
from drugtrends.render.reports import (
    available_reports,
    check_datasets,
    output_stem,
    report_datasets,
    report_variants,
    resolve_report,
)

__all__ = [
    "RenderError",
    "Cell",
    "Markdown",
    "Document",
    "parse_qmd",
    "parse_param_values",
    "available_reports",
    "resolve_report",
    "output_stem",
    "render_file",
    "render_reports",
    "report_variants",
    "report_datasets",
    "check_datasets",
    "report_dependencies",
    "cache_key",
    "to_markdown",
    "quarto_available",
    "RenderStats",
    "stats",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
