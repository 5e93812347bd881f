"""Design-based survey estimation (Taylor linearisation and replicate weights).

>>> import pandas as pd
>>> from drugtrends.survey import SurveyDesign
>>> df = pd.DataFrame({"psu": range(4), "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
>>> float(SurveyDesign(df, weight="w", psu="psu").mean("y").estimate[0])
0.5

Modules: :mod:`.design` (``SurveyDesign``, ``ReplicateDesign``), :mod:`._aggregate`
(grouped sums per domain x PSU), :mod:`._variance`, :mod:`.ci`,
:mod:`.reliability`, :mod:`.glm`, :mod:`.chisq`, :mod:`.contrast`.
"""

from .ci import PROPORTION_METHODS, mean_ci, proportion_ci
from .chisq import svychisq
from .contrast import contrast, difference, independent_difference
from .design import REPLICATE_METHODS, ReplicateDesign, SurveyDesign
from .glm import SvyGLMResult, svyglm
from .reliability import apply_rule, nchs_standard, nsduh_rule

__all__ = [
    "SurveyDesign", "ReplicateDesign", "REPLICATE_METHODS", "PROPORTION_METHODS",
    "mean_ci", "proportion_ci", "svychisq", "contrast", "difference",
    "independent_difference", "svyglm", "SvyGLMResult", "apply_rule", "nchs_standard",
    "nsduh_rule",
]
