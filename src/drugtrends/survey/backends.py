"""Compatibility names of the former ``backends`` module (the engines now live apart).

* the grouped pass in memory: :mod:`drugtrends.survey.grouped`;
* the SQL text for DuckDB and Spark: :mod:`drugtrends.survey.sql`;
* designs whose rows stay in DuckDB (pandas, Arrow, Parquet, relations):
  :mod:`drugtrends.survey.relation`; Spark: :mod:`drugtrends.survey.spark`;
* the variance kernel every engine shares: :mod:`drugtrends.survey.kernel`.

Examples
--------
>>> import pandas as pd
>>> from drugtrends.survey import SurveyDesign
>>> des = SurveyDesign(pd.DataFrame({"p": range(4), "w": [1.0] * 4, "y": [0, 1, 1, 1]}), "w", psu="p")
>>> grid(des, "y", [()])[["by_set", "estimate"]].values.tolist()
[['', 0.75]]
"""

from __future__ import annotations

from .grouped import fast_domain_codes
from .kernel import Totals
from .kernel import linearise as linearise_totals
from .relation import DuckDBEngine, RelationDesign
from .results import BY_SET_COLUMN
from .sql import aggregate_sql, totals_from_result

__all__ = ["grid", "linearise_totals", "aggregate_sql", "totals_from_result", "RelationDesign",
           "DuckDBEngine", "Totals", "BY_SET_COLUMN", "fast_domain_codes"]


def grid(design, variables, by_sets=None, **kw):
    """``design.grid(variables, by_sets, **kw)`` (kept for old imports).

    Parameters
    ----------
    design : SurveyDesign
        Any design.
    variables : str or list of str
        Outcome columns.
    by_sets : list, optional
        Domain sets (``None`` is the whole population).
    **kw
        As :meth:`SurveyDesign.grid`.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0], "g": list("aabb")})
    >>> grid(SurveyDesign(d, weight="w", psu="psu"), "y", [None, "g"])["estimate"].tolist()
    [0.5, 0.5, 0.5]
    """
    return design.grid(variables, by_sets, **kw)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
