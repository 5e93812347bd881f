"""Publication tables: formatted renderings of tidy results (great_tables).

Tables never recompute statistics: the statistics layer computes a tidy frame,
the builders here format and render it.

* :mod:`drugtrends.tables.core` -- :class:`PubTable` (HTML + Markdown twin),
  ``estimate_table``, ``profile_table_gt``, ``segments_table``, ``simple_table``;
* :mod:`drugtrends.tables.summary` -- :func:`summary_table` (as gtsummary's
  ``tbl_svysummary`` + ``add_p``);
* :mod:`drugtrends.tables.regression` -- :func:`regression_table` (as
  gtsummary's ``tbl_regression``).

``dt.tables.<name>`` reaches every public name of these modules.
"""

from __future__ import annotations

from drugtrends.tables.core import (
    CI_HIGH,
    CI_LOW,
    ESTIMATE,
    FLAG,
    KEEP_TOGETHER_LINES,
    SUPPRESSED,
    SUPPRESSION_RULE,
    SUPPRESSION_RULES,
    N,
    PubTable,
    as_markdown,
    estimate_table,
    fmt_ci,
    fmt_num,
    profile_table_gt,
    segments_table,
    show,
    simple_table,
)
from drugtrends.tables.regression import regression_display, regression_table
from drugtrends.tables.summary import fmt_p, summary_display, summary_table

__all__ = [
    "PubTable", "estimate_table", "profile_table_gt", "segments_table", "as_markdown",
    "show", "fmt_num", "fmt_ci", "simple_table", "SUPPRESSION_RULE", "SUPPRESSION_RULES", "KEEP_TOGETHER_LINES",
    "ESTIMATE", "CI_LOW", "CI_HIGH", "N", "SUPPRESSED", "FLAG",
    "summary_table", "summary_display", "regression_table", "regression_display", "fmt_p",
]


def __getattr__(name: str) -> str:
    """``FLAGS``: the former name of :data:`FLAG` (the column is ``flag`` since 0.4), with a FutureWarning."""
    if name == "FLAGS":
        import warnings

        warnings.warn("drugtrends.tables.FLAGS is renamed FLAG: the column is 'flag' (since 0.4; "
                      "FLAGS goes in the next minor version).", FutureWarning, stacklevel=2)
        return FLAG
    raise AttributeError(f"module 'drugtrends.tables' has no attribute {name!r}")


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
