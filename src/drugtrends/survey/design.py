"""Survey designs in memory: :class:`SurveyDesign` (Taylor) and :class:`ReplicateDesign`.

One validated design object; every estimator is a smooth function ``f`` of
domain sums ``S[d, c] = sum_i w_i x_ic [i in d]`` (mean ``Sy/Sw``, total ``Sy``,
ratio ``Snum/Sden``), computed on one path whatever the call:

1. the outcomes' row values (:func:`drugtrends.survey.grouped.outcome_columns`:
   0 outside the domain or where missing, rows are never dropped);
2. one grouped pass over the rows: sums per domain x PSU
   (:func:`drugtrends.survey.grouped.inmemory_totals`; the same SQL query for
   DuckDB / Parquet / Spark designs, :mod:`drugtrends.survey.relation`), or
   full-sample and replicate domain sums for replicate designs;
3. :func:`drugtrends.survey.kernel.linearise`: estimates, variances (Taylor:
   stratified with-replacement PSU variance of the influence totals; replicate:
   R ``svrVar``), df and design effects;
4. :func:`drugtrends.survey.results.estimate_table`: the tidy table, intervals
   and reliability flags.

Conventions (checked against R ``survey`` 4.1.1, see ``tests/test_survey_*.py``)
--------------------------------------------------------------------------------
* Domains: like R ``svyby(..., design)`` / ``subset(design, ...)``: PSUs without
  domain members keep a zero total and still count in ``n_h``.
* Degrees of freedom (``df`` column): by default ``df="domain"``, R's
  ``degf()`` of the subset design that ``svyby`` hands to ``svyciprop``: the
  number of PSUs minus the number of strata among the rows of the domain with
  a non-missing outcome and a positive weight. ``df="design"`` uses the
  design's ``#PSU - #strata`` (``SurveyDesign.df``: for a subset design, R's
  ``degf(subset(design, ...))``); a number is used as given; ``np.inf`` gives
  normal intervals.
* Design effect: R ``svymean(deff=TRUE)``: ``Var / Vsrs`` with
  ``Vsrs = s^2 (N - n)/(N n)``, ``s^2`` the weighted variance times ``n/(n-1)``,
  ``n`` the rows with positive weight, ``N`` the sum of weights (domain).
  Totals: ``Vsrs = s^2 N^2 (N - n)/(N n)``.
* Effective sample size (``n_eff``): for proportions (0/1 outcomes, category
  levels) ``p(1-p) / SE^2`` as in the NCHS standards (Parker et al. 2017); for
  other means ``s^2 / SE^2`` with ``s^2`` as above (totals: ``s^2 N^2 / SE^2``);
  NaN for ratios; not capped at ``n`` (the NCHS rule caps it where it applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._compat import arguments
from ..errors import DesignError, InputError
from ..validate import check_choice, require_columns
from ._repfactors import factor_table
from .base import RELIABILITY_RULES, DesignBase
from .grouped import fast_outcomes, inmemory_totals, outcome_columns, replicate_totals
from .kernel import DesignStructure, Outcome, ReplicateTotals, Totals

if TYPE_CHECKING:
    from .glm import SvyGLMResult
    from .htest import TestResult
from .structure import check_rho, check_rscales, check_weights, design_structure, replicate_columns, replicate_values
from .variance import LONELY_PSU_RULES

__all__ = ["SurveyDesign", "ReplicateDesign", "REPLICATE_METHODS"]

#: Replicate-weight methods of :class:`ReplicateDesign` (``method=``).
REPLICATE_METHODS = ("BRR", "Fay", "JK1", "JKn", "bootstrap")


def _align_mask(m: Any, data: pd.DataFrame) -> Any:
    """A boolean Series is matched to the data by its index: as given when the indexes are
    identical, by label when the same unique labels come in another order; any other
    index would silently misalign rows, so it is refused (pass ``.to_numpy()`` to use
    the values by position)."""
    if not isinstance(m, pd.Series) or m.index.equals(data.index):
        return m
    if data.index.is_unique and m.index.is_unique and len(m) == len(data) \
            and m.index.sort_values().equals(data.index.sort_values()):
        return m.reindex(data.index)
    raise DesignError("the subset mask is a Series whose index does not match the data's index "
                      f"(first labels {list(m.index[:3])} vs {list(data.index[:3])}"
                      + ("; the data's index has repeated labels" if not data.index.is_unique else "")
                      + "): rows could be matched wrongly. Build the mask from the design's data, or "
                      "pass mask.to_numpy() to use it by position.")


def _check_frame(data: Any, cols: list[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise DesignError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    require_columns(data, cols, "design column")


# --------------------------------------------------------------------------- design
def _no_rows(data: pd.DataFrame, query: str) -> None:
    """A subset query matching no row: raise naming the levels of the columns it uses (issue 25)."""
    import re

    from ..errors import EmptyDomainError
    used = [c for c in data.columns if re.search(rf"(?<![\w.]){re.escape(str(c))}(?![\w])", query)]
    hints = []
    for c in used[:3]:
        vals = pd.unique(data[c].dropna())
        if len(vals) <= 30:
            hints.append(f"{c!r} has " + ", ".join(sorted(map(repr, vals))))
        else:
            hints.append(f"{c!r} has {len(vals)} distinct values, from {data[c].min()!r} to {data[c].max()!r}")
    raise EmptyDomainError(f"subset({query!r}) matches no row of the data" + (": " + "; ".join(hints) if hints else "")
                           + ". Check the spelling and case of the values.")


class SurveyDesign(DesignBase):
    """A stratified cluster sample design (Taylor linearisation).

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Not copied: do not modify it afterwards.
    weight : str
        Sampling weight column. Missing or negative weights raise
        :class:`~drugtrends.errors.DesignError`; zero weights are allowed (the
        row stays in the design, contributes nothing, and is not counted in the
        design df nor in the ``n`` of the design effect, as in R).
    strata : str, optional
        Stratum column (no strata when omitted).
    psu : str, optional
        PSU (first-stage cluster) column; each row is its own PSU when omitted.
    fpc : str, optional
        Finite population correction per stratum: the population number of
        PSUs (values > 1) or the sampling fraction (all values <= 1), constant
        within a stratum (R ``svydesign(fpc=)``).
    nest : bool, default True
        PSU ids are only unique within strata (R ``nest=TRUE``). With
        ``nest=False`` a PSU id found in two strata is an error.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        What to do with strata that have a single PSU (R
        ``options(survey.lonely.psu=)``, stored on the design).
    reliability : {None, "nchs", "nsduh"}, default None
        Default suppression rule of the estimators (see
        :mod:`drugtrends.survey.reliability`); ``None`` suppresses nothing.
    level : float, default 0.95
        Default confidence level.
    adjust_domain_lonely : bool, default False
        Also apply ``lonely_psu`` ("adjust" or "average") to strata where a
        single PSU holds the domain being estimated (R
        ``options(survey.adjust.domain.lonely=TRUE)``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
    ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
    ...                    "g": list("abababab")})
    >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
    >>> des
    SurveyDesign(n=8, strata=2, psu=4, df=2, lonely_psu='fail')
    >>> r = des.mean("y")
    >>> round(float(r.estimate[0]), 4), round(float(r.se[0]), 4)   # R: 0.66667, SE 0.162
    (0.6667, 0.162)
    """

    @arguments()
    def __init__(self, data: pd.DataFrame, weight: str, strata: str | None = None,
                 psu: str | None = None, fpc: str | None = None, nest: bool = True,
                 lonely_psu: str = "fail", reliability: str | None = None,
                 level: float = 0.95, adjust_domain_lonely: bool = False):
        check_choice(lonely_psu, "lonely_psu", LONELY_PSU_RULES, error=DesignError)
        if reliability not in RELIABILITY_RULES:
            raise DesignError(f"reliability={reliability!r}: use 'nchs', 'nsduh' or None")
        if weight is None:
            raise DesignError("weight is None: give the name of the sampling weight column "
                              "(SurveyDesign(df, weight='WTINT2YR', ...)).")
        _check_frame(data, [c for c in (weight, strata, psu, fpc) if c is not None])
        self.data = data
        self.weight, self.strata, self.psu, self.fpc = weight, strata, psu, fpc
        self.nest, self.lonely_psu, self.reliability, self.level = nest, lonely_psu, reliability, level
        w = check_weights(data, weight)
        self._structure = design_structure(data, w, strata, psu, fpc, nest, lonely_psu,
                                           bool(adjust_domain_lonely))
        self._mask = np.ones(len(data), dtype=bool)

    @classmethod
    def from_spec(cls, data: pd.DataFrame, spec: Any, **kw: Any) -> SurveyDesign:
        """A design from a dataset's design spec (``drugtrends.datasets.design_spec(id)``).

        Parameters
        ----------
        data : DataFrame
        spec : object
            Any object with attributes ``weight``, ``strata``, ``psu`` and
            optionally ``fpc`` (default None), ``nest`` (True), ``lonely_psu``
            (None = ``"fail"``) and ``adjust_domain_lonely`` (False).
        **kw
            Other :class:`SurveyDesign` arguments (``reliability``, ``level``),
            or overrides of the spec's.

        Returns
        -------
        SurveyDesign

        Examples
        --------
        >>> import pandas as pd
        >>> from types import SimpleNamespace
        >>> spec = SimpleNamespace(weight="w", strata=None, psu="p")
        >>> df = pd.DataFrame({"p": range(4), "w": [1.0] * 4, "y": [0, 1, 1, 1]})
        >>> float(SurveyDesign.from_spec(df, spec).mean("y").estimate[0])
        0.75
        """
        if not hasattr(spec, "weight"):
            raise DesignError(f"design spec {spec!r} has no 'weight' attribute: give an object with "
                              "weight, strata, psu (and optionally fpc, nest, lonely_psu).")
        args = {"weight": spec.weight, "strata": getattr(spec, "strata", None),
                "psu": getattr(spec, "psu", None), "fpc": getattr(spec, "fpc", None),
                "nest": getattr(spec, "nest", True),
                "lonely_psu": getattr(spec, "lonely_psu", None) or "fail",
                "adjust_domain_lonely": bool(getattr(spec, "adjust_domain_lonely", False))}
        args.update(kw)
        des: SurveyDesign = cls(data, **args)
        return des

    def __repr__(self) -> str:
        s = self._structure
        sub = "" if self._mask.all() else f", subset={int(self._mask.sum())}"
        return (f"{type(self).__name__}(n={len(self.data)}, strata={s.n_strata}, "
                f"psu={s.n_psu}, df={self.df}, lonely_psu={self.lonely_psu!r}{sub})")

    # ------------------------------------------------------------------ public structure
    @property
    def structure(self) -> DesignStructure:
        """The frozen design structure (strata, PSUs, weights, FPC, lonely-PSU rule, df)."""
        return self._structure

    @property
    def weights(self) -> np.ndarray:
        """Row weights (read-only)."""
        w = self._structure.weights
        assert w is not None   # a design of rows in memory
        return w

    @property
    def df(self) -> int:
        """Design degrees of freedom of the (subset) design, as R ``degf()``."""
        return self.degf()

    def degf(self, rows: ArrayLike | None = None) -> int:
        """R ``degf()`` of ``rows`` (bool; default the subset design's rows with positive weight).

        Parameters
        ----------
        rows : array_like of bool, optional

        Returns
        -------
        int
            PSUs minus strata among the rows.

        Examples
        --------
        >>> import pandas as pd
        >>> des = SurveyDesign(pd.DataFrame({"p": range(4), "w": [1.0] * 4}), "w", psu="p")
        >>> des.degf(), des.degf(des.mask & (des.weights > 0) & [True, True, False, False])
        (3, 1)
        """
        if rows is None:
            rows = self._mask & (self.weights > 0)
        return self._structure.degf(rows)

    @property
    def n(self) -> int:
        """Rows in the (subset) design."""
        return int(self._mask.sum())

    @property
    def mask(self) -> np.ndarray:
        """Boolean array over ``data``: True for rows inside the (subset) design.

        Rows outside keep their place in the design (they contribute zeros to
        the variance), exactly as R ``subset()`` on a survey design.
        """
        return self._mask.copy()

    # ------------------------------------------------------------------ subsets
    def subset(self, mask_or_query: Any) -> SurveyDesign:
        """Restrict estimation to a domain, keeping the whole design (R ``subset()``).

        Rows outside the domain stay in the design with zero contributions, so
        the variance still uses every PSU of every stratum.

        Parameters
        ----------
        mask_or_query : str or array_like of bool
            A :meth:`pandas.DataFrame.eval` expression or a boolean mask with one
            value per row of the data, in row order (a Series is matched by
            its index: identical index, or the same unique labels in another
            order; any other index is refused). Missing values count as False.

        Returns
        -------
        SurveyDesign

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 1, 1], "y": [1, 2, 3, 4],
        ...                    "g": ["a", "a", "b", "b"]})
        >>> des = SurveyDesign(df, weight="w", psu="psu")
        >>> float(des.subset("g == 'a'").mean("y").estimate[0])
        1.5
        """
        if isinstance(mask_or_query, str):
            try:
                m = self.data.eval(mask_or_query)
            except Exception as exc:  # pandas raises many types here
                raise DesignError(f"could not evaluate subset query {mask_or_query!r}: {exc}") from exc
        else:
            m = _align_mask(mask_or_query, self.data)
        m = pd.Series(m).to_numpy(dtype=object) if not isinstance(m, np.ndarray) else m
        if np.ndim(m) != 1 or len(m) != len(self.data):
            raise DesignError(f"subset mask has {len(m) if np.ndim(m) else 1} values, the data has "
                              f"{len(self.data)} rows.")
        try:
            m = pd.array(m, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        except (TypeError, ValueError) as exc:
            raise DesignError(f"subset mask must be True/False values: {exc}") from None
        if isinstance(mask_or_query, str) and not m.any():
            _no_rows(self.data, mask_or_query)
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._mask = self._mask & m
        return new

    # ------------------------------------------------------------------ the grouped pass
    def outcome_list(self, variables: str | Sequence[str] | None, categorical: bool = False) -> list[Outcome]:
        """The outcomes' row values (:func:`drugtrends.survey.grouped.outcome_columns`).

        Parameters
        ----------
        variables : str or list of str
        categorical : bool, default False
            One 0/1 outcome per level, also for numeric columns.

        Returns
        -------
        list of drugtrends.survey.kernel.Outcome

        Examples
        --------
        >>> import pandas as pd
        >>> des = SurveyDesign(pd.DataFrame({"p": range(3), "w": [1.0] * 3, "r": list("aab")}), "w", psu="p")
        >>> [o.level for o in des.outcome_list("r")]
        ['a', 'b']
        """
        if categorical:
            return outcome_columns(self.data, variables, self._mask, categorical)
        return fast_outcomes(self.data, variables, self._mask)

    def grouped_totals(self, outcomes: list[Outcome], by_sets: Any, den: list[Outcome] | None = None,
                       engine: str = "auto") -> list[Totals] | list[ReplicateTotals]:
        """Sufficient statistics of each domain set: one grouped pass over the rows.

        Parameters
        ----------
        outcomes : list of Outcome
        by_sets : list of tuple of str
        den : list of Outcome, optional
            Ratio denominators.
        engine : {"auto", "numpy", "duckdb"}

        Returns
        -------
        list of Totals or ReplicateTotals
            One per domain set.

        Examples
        --------
        >>> import pandas as pd
        >>> des = SurveyDesign(pd.DataFrame({"p": range(3), "w": [1.0] * 3, "y": [0, 1, 1]}), "w", psu="p")
        >>> des.grouped_totals(des.outcome_list("y"), [()])[0].A.ravel().tolist()
        [0.0, 1.0, 1.0]
        """
        if self.is_replicate:
            return [replicate_totals(self._structure, self.data, self._mask, outcomes, list(s), den,
                                     moments=den is None) for s in by_sets]
        if engine in ("auto", "numpy"):
            return inmemory_totals(self._structure, self.data, self._mask, outcomes, by_sets, den)
        if engine == "duckdb" and den is None:
            from .sql import duckdb_totals
            return duckdb_totals(self._structure, self.data, self._mask, outcomes, by_sets)
        raise InputError(f"engine={engine!r}: use 'numpy' or 'duckdb' (Spark: "
                         "drugtrends.survey.spark.from_spark).")

    # ------------------------------------------------------------------ in-memory estimators
    def _ratio_outcomes(self, variables: str | Sequence[str]) -> list[Outcome]:
        """Ratio numerators / denominators: the general outcome columns (floats)."""
        return outcome_columns(self.data, variables, self._mask)

    def quantile(self, variable: str | Sequence[str], q: float | Sequence[float] = (0.5,),
                 by: str | Sequence[str] | None = None, *,
                 level: float | None = None, df: str | float = "domain") -> pd.DataFrame:
        """Quantiles with Woodruff intervals (R ``svyquantile``, ``qrule="math"``,
        ``interval.type="mean"``); see :mod:`drugtrends.survey.quantile`.

        Parameters
        ----------
        variable : str or list of str
            Numeric outcome column(s); missing values leave the domain.
        q : float or sequence of float, default (0.5,)
            Quantile probabilities in [0, 1] (else :class:`~drugtrends.errors.InputError`).
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.

        Returns
        -------
        DataFrame
            ``by`` columns, ``variable``, ``prob``, ``estimate``, ``se``,
            ``ci_low``, ``ci_high``, ``n``, ``df``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "x": [5, 1, 4, 2, 8, 7, 3, 6]})
        >>> SurveyDesign(df, weight="w", psu="psu").quantile("x", q=[0.5]).estimate.tolist()
        [4.0]
        """
        from .quantile import survey_quantile
        return survey_quantile(self, variable, q, by, level=level, df=df)

    # ------------------------------------------------------------------ other analyses
    def glm(self, formula: str, family: str = "gaussian", *, level: float | None = None,
            maxit: int = 25, epsilon: float = 1e-8) -> SvyGLMResult:
        """Design-based generalised linear model (R ``svyglm``); see :mod:`drugtrends.survey.glm`.

        Parameters
        ----------
        formula : str
            Patsy formula, e.g. ``"y ~ x + g"``.
        family : str, default "gaussian"
            One of :data:`drugtrends.survey.glm.FAMILIES`.
        level : float, optional
            Confidence level of the coefficient intervals (design default).
        maxit, epsilon :
            IRLS iteration limit and convergence tolerance (R ``glm.control``).

        Returns
        -------
        drugtrends.survey.glm.SvyGLMResult

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "x": [0, 1, 2, 3, 4, 5],
        ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8]})
        >>> fit = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x")
        >>> fit.coef.term.tolist()
        ['(Intercept)', 'x']
        """
        from .glm import svyglm
        return svyglm(self, formula, family, level=level, epsilon=epsilon, maxiter=maxit)

    def chisq(self, row: str, col: str, statistic: str = "F") -> TestResult:
        """Rao-Scott test of independence of a two-way table (R ``svychisq``).

        See :func:`drugtrends.survey.chisq.svychisq`.

        Parameters
        ----------
        row, col : str
            The two categorical columns.
        statistic : {"F", "Chisq", "adjWald", "Wald"}, default "F"
            Validated by :func:`drugtrends.survey.chisq.svychisq`.

        Returns
        -------
        drugtrends.survey.chisq.ChisqResult
            Frozen result (``r["value"]`` style access works).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "a": list("xxyyxxyy"),
        ...                    "b": list("uvuvuuvv")})
        >>> r = SurveyDesign(df, weight="w", psu="psu").chisq("a", "b")
        >>> round(r["value"], 4), r["ndf"], r["ddf"], round(r["p"], 4)   # R: F = 1.75, ndf = 1, ddf = 7
        (1.75, 1.0, 7.0, 0.2275)
        """
        from .chisq import svychisq
        return svychisq(self, row, col, statistic)

    def contrast(self, variable: str, by: str | list[str], coef: Any, **kw: Any) -> pd.DataFrame:
        """Linear combination of domain means (R ``svycontrast`` on ``svyby``);
        see :func:`drugtrends.survey.contrasts.contrast`.

        Parameters
        ----------
        variable : str
            Numeric outcome (0/1 for a proportion).
        by : str or list of str
            Domain columns.
        coef : dict or sequence
            Coefficients by domain.
        **kw
            ``level`` and ``ci_df`` of :func:`drugtrends.survey.contrasts.contrast`.

        Returns
        -------
        DataFrame
            One row: ``variable``, ``estimate``, ``se``, ``t``, ``df``, ``p``,
            ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [1, 0, 1, 1, 1, 0],
        ...                    "g": list("aaabbb")})
        >>> r = SurveyDesign(df, weight="w", psu="psu").contrast("y", "g", {"b": 1, "a": -1})
        >>> round(float(r.estimate[0]), 6)
        0.0
        """
        from .contrasts import contrast
        return contrast(self, variable, by, coef, **kw)

    def difference(self, variable: str, between: str, by: str | list[str] | None = None,
                   **kw: Any) -> pd.DataFrame:
        """Difference (and relative change) between two levels of ``between``;
        see :func:`drugtrends.survey.contrasts.difference`.

        Parameters
        ----------
        variable : str
            Numeric outcome (0/1 for a proportion).
        between : str
            Column whose two levels are compared (``to - from``).
        by : str or list of str, optional
            Further grouping (one difference per group).
        **kw
            ``levels``, ``level`` and ``ci_df`` of
            :func:`drugtrends.survey.contrasts.difference`.

        Returns
        -------
        DataFrame
            As :func:`drugtrends.survey.contrasts.difference`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [1, 0, 0, 1, 1, 0],
        ...                    "yr": [1, 1, 1, 2, 2, 2]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").difference("y", between="yr")
        >>> round(float(r.estimate[0]), 4)
        0.3333
        """
        from .contrasts import difference
        return difference(self, variable, between, by, **kw)

    # ------------------------------------------------------------------ replicate designs
    def to_replicate(self, method: str = "JKn", mse: bool = False, *, rho: float | None = None,
                     replicates: int = 50, seed: Any = None, hadamard_matrix: ArrayLike | None = None
                     ) -> ReplicateDesign:
        """Replicate weights built from this design (R ``as.svrepdesign``).

        ``"JKn"``: one replicate per PSU; the PSU's weights are set to 0, the
        other PSUs of its stratum are multiplied by ``n_h/(n_h-1)``;
        ``rscales = (n_h-1)/n_h`` (times the FPC factor), ``scale = 1``.
        ``"JK1"`` (no strata): delete one PSU at a time, others times
        ``n/(n-1)``, ``scale = (n-1)/n``. ``"BRR"``, ``"Fay"`` (``rho``) and
        ``"bootstrap"`` (``replicates``, ``seed``): built by
        :func:`drugtrends.survey.replicates.replicate_factors`.

        Parameters
        ----------
        method : {"JKn", "JK1", "BRR", "Fay", "bootstrap"}, default "JKn"
            Replicate type; ``"JK1"`` only for designs without strata; BRR and
            Fay need two PSUs per stratum.
        mse : bool, default False
            Centre the replicate variance at the full-sample estimate (True)
            or at the mean of the replicates (False, R's default).
        rho : float, optional
            Fay coefficient (``method="Fay"``).
        replicates, seed :
            Number of bootstrap replicates and their random seed.
        hadamard_matrix : array_like, optional
            Hadamard matrix for BRR / Fay (default: R's choice of size).

        Returns
        -------
        ReplicateDesign
            One replicate weight column per replicate (``__rep0``, ...); the
            data, domain mask, reliability rule and level of this design carried over.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"st": [1, 1, 2, 2], "psu": [1, 2, 1, 2], "w": [1.0] * 4,
        ...                    "y": [1.0, 2, 3, 5]})
        >>> rep = SurveyDesign(df, "w", "st", "psu").to_replicate("JKn")
        >>> round(float(rep.mean("y").se[0]), 4)
        0.559
        """
        s = self._structure
        assert s.psu is not None and s.weights is not None   # a Taylor design of rows in memory
        scale: float | np.floating[Any] | None
        if method in ("JKn", "JK1"):
            from .jackknife import jackknife_weights
            W, scale, rscales = jackknife_weights(s, method)
        elif method in ("BRR", "Fay", "bootstrap"):
            from .replicates import replicate_factors
            # stratum labels, not codes: R's brrweights orders strata by their labels
            F, scale, rscales = replicate_factors(np.asarray(s.strata_labels)[s.stratum_of_psu[s.psu]],
                                                  s.psu, method,
                                                  rho=0.0 if rho is None else rho, replicates=replicates,
                                                  seed=seed, hadamard_matrix=hadamard_matrix)
            W = F * s.weights[:, None]
        else:
            raise DesignError(f"to_replicate(method={method!r}): use 'JKn', 'JK1', 'BRR', 'Fay' or 'bootstrap'")
        cols = [f"__rep{u}" for u in range(W.shape[1])]
        data = pd.concat([self.data[[self.weight]].reset_index(drop=True),
                          pd.DataFrame(W, columns=cols)], axis=1)
        rep = ReplicateDesign(data, self.weight, cols, method, rho=rho, scale=scale, rscales=rscales,
                              mse=mse, reliability=self.reliability, level=self.level)
        rep.data = self.data
        rep._mask = self._mask.copy()
        return cast(ReplicateDesign, rep)   # ReplicateDesign.__init__ is wrapped by an untyped decorator

    @classmethod
    def replicate(cls, data: pd.DataFrame, weight: str, rep_weights: str | Sequence[str], method: str = "BRR", *,
                  rho: float | None = None, scale: float | None = None, rscales: ArrayLike | None = None,
                  mse: bool = False, reliability: str | None = None,
                  level: float = 0.95) -> ReplicateDesign:
        """A replicate-weight design (R ``svrepdesign``, combined weights).

        Parameters
        ----------
        data : DataFrame
        weight : str
            Full-sample weight column.
        rep_weights : str or list of str
            Replicate weight columns, or a prefix (every column starting with it).
        method : {"BRR", "Fay", "JK1", "JKn", "bootstrap"}
            Variance multipliers as R: BRR ``1/R``; Fay ``1/(R (1-rho)^2)``;
            JK1 ``(R-1)/R`` unless ``scale`` is given; JKn ``scale=1`` with
            ``rscales`` required; bootstrap ``1/(R-1)``.
        rho : float
            Fay coefficient (required for Fay).
        scale, rscales :
            Override the overall multiplier / per-replicate multipliers.
        mse : bool
            Centre at the full-sample estimate (True) or the replicate mean
            (False, R's default).
        reliability, level :
            As :class:`SurveyDesign`.

        Returns
        -------
        ReplicateDesign

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"w": [1.0, 1, 1, 1], "y": [1.0, 2, 3, 4],
        ...                    "r1": [2.0, 0, 1, 1], "r2": [0.0, 2, 1, 1],
        ...                    "r3": [1.0, 1, 2, 0], "r4": [1.0, 1, 0, 2]})
        >>> des = SurveyDesign.replicate(df, "w", "r", method="JK1")   # scale (R-1)/R = 3/4
        >>> round(float(des.mean("y").se[0]), 4)   # R svrepdesign(type="JK1", scale=3/4): 0.4330127
        0.433
        """
        des: ReplicateDesign = ReplicateDesign(data, weight, rep_weights, method, rho=rho, scale=scale,
                                               rscales=rscales, mse=mse, reliability=reliability, level=level)
        return des


# --------------------------------------------------------------------------- replicate design
def _replicate_scale(method: str, R: int, rho: float | None, scale: float | None, rscales: ArrayLike | None) -> float:
    if method == "BRR":
        sc = 1.0 / R
    elif method == "Fay":
        rho = check_rho(rho)
        sc = 1.0 / (R * (1 - rho) ** 2)
    elif method == "JK1":
        sc = (R - 1) / R
    elif method == "JKn":
        if rscales is None:
            raise DesignError("method='JKn' needs rscales= ((n_h - 1)/n_h for each replicate).")
        sc = 1.0
    else:
        sc = 1.0 / (R - 1)
    if scale is not None and not np.isclose(scale, sc, rtol=1e-12, atol=0):
        if method in ("BRR", "Fay"):
            raise DesignError(f"scale= is not used with method={method!r} (its multiplier is fixed: "
                              "1/R for BRR, 1/(R (1-rho)^2) for Fay; R svrepdesign ignores it too). "
                              "Drop scale=, or use method='JK1' / 'bootstrap' with your own scale.")
        if not (np.isfinite(scale) and scale > 0):
            raise DesignError(f"scale={scale!r}: the variance multiplier must be a positive number.")
        sc = scale
    return float(sc)


def _replicate_storage(data: pd.DataFrame, cols: list[Any], w: np.ndarray
                       ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """``(W, None, None)`` row by row, or ``(None, cluster, F)`` when the replicate weights are
    the weight times per-cluster factors (:mod:`drugtrends.survey._repfactors`); the
    columns are read and checked one at a time."""
    values = [replicate_values(data, c) for c in cols]
    found = factor_table(w, values)
    if found is not None:
        return None, found[0], found[1]
    return np.column_stack(values) if values else np.zeros((len(data), 0)), None, None


def _rank(W: np.ndarray) -> int:
    """``numpy.linalg.matrix_rank(W)`` (same tolerance) from the R factor of a QR
    decomposition: the singular values are those of ``W``, without an ``n x R`` U matrix."""
    if W.shape[0] <= W.shape[1]:
        return int(np.linalg.matrix_rank(W))
    r = np.linalg.qr(W, mode="r")
    sv = np.linalg.svd(r, compute_uv=False)
    return int((sv > sv.max(initial=0.0) * max(W.shape) * np.finfo(float).eps).sum())


class ReplicateDesign(SurveyDesign):
    """Replicate-weight design; same estimators as :class:`SurveyDesign`
    (mean, total, ratio, proportion, prop_ci, quantile, subset, grid, contrasts).

    ``df`` is R's ``degf()`` for replicate designs: the rank of the replicate
    weight matrix minus 1, for every domain. Design effects follow R's
    ``svymean.svyrep.design``: ``Vsrs = s^2 (N - n) / (N n)`` with ``n`` the rows
    of the domain.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, with the full-sample and replicate weights.
    weight : str
        Full-sample weight column.
    rep_weights : str or list of str
        Replicate weight columns, or a prefix (every column starting with it).
    method : {"BRR", "Fay", "JK1", "JKn", "bootstrap"}, default "BRR"
        Variance multiplier, as :meth:`SurveyDesign.replicate`.
    rho : float, optional
        Fay coefficient (required for ``"Fay"``).
    scale : float, optional
        Overall variance multiplier, overriding the method's.
    rscales : float or array, optional
        Per-replicate multipliers (required for ``"JKn"``).
    mse : bool, default False
        Centre at the full-sample estimate (True) or the replicate mean (False).
    reliability : {None, "nchs", "nsduh"}, default None
        Default suppression rule.
    level : float, default 0.95
        Default confidence level.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 1, 1, 1], "y": [1.0, 2, 3, 4],
    ...                    "r1": [2.0, 2, 0, 0], "r2": [0.0, 0, 2, 2]})
    >>> des = SurveyDesign.replicate(df, "w", ["r1", "r2"], method="BRR")
    >>> float(des.mean("y").se[0])
    1.0
    """

    @arguments()
    def __init__(self, data: pd.DataFrame, weight: str, rep_weights: str | Sequence[str], method: str = "BRR", *,
                 rho: float | None = None, scale: float | None = None, rscales: ArrayLike | None = None,
                 mse: bool = False, reliability: str | None = None, level: float = 0.95) -> None:
        check_choice(method, "method", REPLICATE_METHODS, error=DesignError)
        if reliability not in RELIABILITY_RULES:
            raise DesignError(f"reliability={reliability!r}: use 'nchs', 'nsduh' or None")
        if weight is None:
            raise DesignError("weight is None: give the name of the full-sample weight column.")
        _check_frame(data, [weight])
        cols = replicate_columns(data, rep_weights, weight)
        self.data = data
        self.weight, self.strata, self.psu, self.fpc = weight, None, None, None
        self.rep_weights, self.method, self.mse = cols, method, mse
        self.lonely_psu, self.reliability, self.level = "none", reliability, level
        w = check_weights(data, weight)
        R = len(cols)
        sc = _replicate_scale(method, R, rho, scale, rscales)
        rs = check_rscales(rscales, R)
        W, cluster, F = _replicate_storage(data, cols, w)
        if F is not None and cluster is not None:   # rank of the factor rows of clusters with a positive weight
            rank = _rank(F[np.unique(cluster[w > 0])])
        else:
            assert W is not None   # row by row when not as factors
            rank = _rank(W)
        self._structure = DesignStructure(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), "none",
                                          float(rank - 1), weights=w, rep_weights=W,
                                          scale=sc, rscales=rs, mse=mse, rep_factors=F,
                                          rep_cluster=cluster)
        self._mask = np.ones(len(data), dtype=bool)

    @property
    def df(self) -> int:
        """R ``degf()`` of a replicate design: rank of the replicate weights minus 1
        (of the subset's rows for a subset design, as R ``degf(subset(design, ...))``)."""
        if self._mask.all():
            return int(self._structure.df)
        from .grouped import replicate_rank
        s = self._structure
        if s.rep_factors is not None:
            assert s.rep_cluster is not None   # set with rep_factors
            return int(replicate_rank(s.rep_factors[np.unique(s.rep_cluster[self._mask & (self.weights > 0)])]) - 1)
        assert s.rep_weights is not None   # row by row when not as factors
        return int(replicate_rank(s.rep_weights[self._mask]) - 1)

    def __repr__(self) -> str:
        return (f"ReplicateDesign(n={len(self.data)}, method={self.method!r}, "
                f"replicates={self._structure.n_replicates}, df={self.df})")


#: the estimators and verbs a student calls on a design: a wrong or misspelt keyword
#: (``alpha=``, ``weights=``, ``groupby=``, ``levl=``) or a forgotten argument is an
#: InputError naming the method, the fix and its signature (not Python's TypeError)
GUARDED_METHODS = ("mean", "proportion", "total", "ratio", "km", "grid", "quantile", "chisq", "contrast",
                   "difference", "glm", "subset", "prop_ci", "to_replicate", "degf")
for _cls in (DesignBase, SurveyDesign, ReplicateDesign):
    for _name in GUARDED_METHODS:
        if _name in vars(_cls):
            setattr(_cls, _name, arguments(label=f"des.{_name}")(vars(_cls)[_name]))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
