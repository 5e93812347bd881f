"""Design-based survey estimation (Taylor linearisation and replicate weights).

>>> import pandas as pd
>>> from drugtrends.survey import SurveyDesign
>>> df = pd.DataFrame({"psu": range(4), "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
>>> float(SurveyDesign(df, weight="w", psu="psu").mean("y").estimate[0])
0.5

Modules, in the order a call goes through them: :mod:`.design`
(``SurveyDesign``, ``ReplicateDesign``) and :mod:`.relation` (designs whose rows
stay in DuckDB; Spark in :mod:`.spark`) share the estimators of :mod:`.base`;
:mod:`.grouped` (in memory) or :mod:`.sql` (DuckDB, Spark) make the grouped
sufficient statistics; :mod:`.kernel` linearises them (one variance routine,
:mod:`.variance`); :mod:`.results` makes the tidy table (:mod:`.ci`,
:mod:`.reliability`). Also :mod:`.quantile`, :mod:`.jackknife`, :mod:`.glm`,
:mod:`.chisq`, :mod:`.contrast`.
"""

from .chisq import svychisq
from .ci import PROPORTION_METHODS, mean_ci, proportion_ci
from .contrasts import contrast, difference, independent_difference
from .deff import ratio_deff
from .design import REPLICATE_METHODS, ReplicateDesign, SurveyDesign
from .glm import SvyGLMResult, svyglm
from .htest import TestResult
from .kernel import DesignStructure, Estimates, Outcome, linearise
from .relation import RelationDesign, from_arrow, from_duckdb, from_parquet
from .reliability import apply_rule, nchs_standard, nsduh_rule
from .replicates import replicate_factors
from .results import BY_SET_COLUMN, ESTIMATE_COLUMNS

# Constructors of database-backed designs, reachable from the core class as before
# (the engine module depends on the core, never the reverse).
SurveyDesign.from_parquet = staticmethod(from_parquet)
SurveyDesign.from_arrow = staticmethod(from_arrow)
SurveyDesign.from_duckdb = staticmethod(from_duckdb)

__all__ = [
    "SurveyDesign", "ReplicateDesign", "RelationDesign", "REPLICATE_METHODS", "PROPORTION_METHODS",
    "DesignStructure", "Estimates", "Outcome", "linearise", "ESTIMATE_COLUMNS", "BY_SET_COLUMN",
    "from_parquet", "from_arrow", "from_duckdb",
    "mean_ci", "proportion_ci", "svychisq", "contrast", "difference",
    "independent_difference", "svyglm", "SvyGLMResult", "apply_rule", "nchs_standard",
    "nsduh_rule", "replicate_factors", "ratio_deff", "TestResult",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
