"""What every design shares: the estimators that run on the one grouped pass.

:class:`DesignBase` implements ``mean``, ``proportion``, ``prop_ci``, ``total``
and ``grid`` once, for in-memory (:class:`~drugtrends.survey.SurveyDesign`),
replicate-weight (:class:`~drugtrends.survey.ReplicateDesign`) and
database-backed designs (:class:`~drugtrends.survey.relation.RelationDesign`,
DuckDB / Arrow / Parquet / Spark): a subclass says how to read its outcomes
(:meth:`DesignBase.outcome_list`) and how to obtain the sufficient statistics
of some domain sets (:meth:`DesignBase.grouped_totals`); the estimate, its
variance and the tidy table come from :func:`drugtrends.survey.kernel.linearise`
and :func:`drugtrends.survey.results.estimate_table`, whatever the engine.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from ..errors import DesignError, EmptyDomainError, InputError, ReliabilityWarning
from ..validate import as_list, check_level
from .grouped import normalise_sets
from .kernel import DesignStructure, Estimates, Outcome, ReplicateTotals, Totals, linearise
from .results import BY_SET_COLUMN, check_ci, estimate_table

__all__ = ["DesignBase", "RELIABILITY_RULES", "ENGINE_HOOKS"]

#: Methods the estimator modules call on any design (the engine interface), hidden from
#: ``dir()`` so that tab completion on a design lists what a user does with it.
ENGINE_HOOKS = ("outcome_list", "grouped_totals", "estimates", "linearise")

#: Reliability rules a design or an estimator call accepts.
RELIABILITY_RULES = (None, "nchs", "nsduh")


def _check_df_rule(df: str | float) -> str | float:
    if isinstance(df, str):
        if df not in ("domain", "design"):
            raise InputError(f"df={df!r}: use 'domain', 'design' or a number of degrees of freedom.")
        return df
    try:
        v = float(df)
    except (TypeError, ValueError):
        raise InputError(f"df={df!r}: use 'domain', 'design' or a number.") from None
    if not v > 0:
        raise InputError(f"df={df!r}: degrees of freedom must be positive (np.inf for normal intervals).")
    return v


def _warn_missing_by(keys: pd.DataFrame, by: Sequence[str]) -> None:
    """Rows whose ``by`` value is missing belong to no domain (R ``svyby`` drops them too):
    say how many, never drop them silently (issue 24)."""
    k = int(getattr(keys, "attrs", {}).get("n_missing_by", 0) or 0)
    if k:
        warnings.warn(f"{k} rows of the design have a missing value in by={list(by)}: they are in no "
                      "domain of this table (they stay in the design and its variance). Recode the "
                      "missing values to a level (e.g. 'unknown') to see them as a row.",
                      ReliabilityWarning, stacklevel=4)


class DesignBase:
    """Estimators shared by every design (see the module docstring).

    Subclasses set ``weight``, ``strata``, ``psu``, ``fpc``, ``lonely_psu``,
    ``reliability``, ``level`` and implement :attr:`structure`,
    :meth:`outcome_list`, :meth:`grouped_totals` and :attr:`df`.

    Examples
    --------
    Every design (in memory, replicate, DuckDB, Spark) gets the same estimators:

    >>> import pandas as pd
    >>> from drugtrends.survey import RelationDesign, ReplicateDesign, SurveyDesign
    >>> all(issubclass(c, DesignBase) for c in (SurveyDesign, ReplicateDesign, RelationDesign))
    True
    >>> d = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0], "g": list("aabb")})
    >>> SurveyDesign(d, weight="w", psu="psu").mean("y", by="g")[["g", "estimate"]].values.tolist()
    [['a', 0.5], ['b', 0.5]]
    """

    reliability: str | None = None
    level: float = 0.95

    if TYPE_CHECKING:   # set by every subclass (a property there)
        @property
        def df(self) -> float: ...

    def __dir__(self) -> list[str]:
        """Tab completion shows the verbs and the design's description, not the engine hooks
        (:data:`ENGINE_HOOKS`, still callable by the estimator modules)."""
        return sorted(n for n in super().__dir__() if not n.startswith("_") and n not in ENGINE_HOOKS)

    # ------------------------------------------------------------------ interface
    @property
    def structure(self) -> DesignStructure:
        """The frozen :class:`~drugtrends.survey.kernel.DesignStructure` of the design."""
        raise NotImplementedError

    @property
    def is_replicate(self) -> bool:
        """True for replicate-weight designs."""
        rep: bool = self.structure.is_replicate
        return rep

    def outcome_list(self, variables: str | Sequence[str] | None, categorical: bool = False) -> list[Outcome]:
        """The outcomes to estimate (:class:`~drugtrends.survey.kernel.Outcome` list)."""
        raise NotImplementedError

    def grouped_totals(self, outcomes: list[Outcome], by_sets: Any, den: list[Outcome] | None = None,
                       engine: str = "auto") -> list[Totals] | list[ReplicateTotals]:
        """Sufficient statistics of each domain set (one grouped pass)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the one path
    def _resolve_df(self, df: str | float) -> str | float:
        df = _check_df_rule(df)
        return float(self.df) if df == "design" else df

    def estimates(self, outcomes: list[Outcome], by_sets: Any, kind: str = "mean", df: str | float = "domain",
                  full_cov: bool = False, den: list[Outcome] | None = None, engine: str = "auto") -> list[Estimates]:
        """Linearised estimates of ``outcomes`` for every domain set (one grouped pass).

        Parameters
        ----------
        outcomes : list of Outcome
            From :meth:`outcome_list`.
        by_sets : list of tuple of str
            Domain sets (``()`` = the whole (subset) design).
        kind : {"mean", "total", "ratio"}
        df : {"domain", "design"} or float
        full_cov : bool
            Also the covariance of the estimates of each set.
        den : list of Outcome, optional
            Ratio denominators (``kind="ratio"``).
        engine : str
            Grouped-pass engine of in-memory designs (``"auto"``, ``"numpy"``, ``"duckdb"``).

        Returns
        -------
        list of Estimates
            One per domain set, ``outcomes`` set.
        """
        rule = self._resolve_df(df)
        out = []
        for tot in self.grouped_totals(outcomes, normalise_sets(by_sets), den=den, engine=engine):
            est = linearise(tot, self.structure, kind, rule, full_cov)
            est = dataclasses.replace(est, outcomes=outcomes)
            out.append(est)
        return out

    def linearise(self, outcomes: list[Outcome], by: str | Sequence[str] | None = None, kind: str = "mean",
                  df_rule: str | float = "domain", full_cov: bool = False,
                  den: list[Outcome] | None = None) -> Estimates:
        """Linearised estimates of ``outcomes`` for the domains of ``by`` (one domain set).

        The public entry for modules that build their own outcomes (Rao-Scott
        tests build cell indicators); see :meth:`estimates`.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> des = SurveyDesign(pd.DataFrame({"p": range(4), "w": [1.0] * 4, "y": [0, 1, 1, 1]}), "w", psu="p")
        >>> float(des.linearise(des.outcome_list("y")).est[0, 0])
        0.75
        """
        return self.estimates(outcomes, [tuple(as_list(by))], kind, df_rule, full_cov, den)[0]

    def _run(self, variables: str | Sequence[str] | None, by_sets: Any, *, kind: str, ci: str, level: float | None,
             df: str | float, reliability: str | None, return_cov: bool = False, categorical: bool = False,
             den: list[Outcome] | None = None, grid: bool = False, engine: str = "auto",
             outcomes: list[Outcome] | None = None
             ) -> tuple[list[pd.DataFrame], list[Estimates], list[tuple[str, ...]]]:
        level = check_level(self.level if level is None else level)
        reliability = self.reliability if reliability == "design" else reliability
        if reliability not in RELIABILITY_RULES:
            raise InputError(f"reliability={reliability!r}: use 'nchs', 'nsduh', 'design' or None.")
        check_ci(ci, kind)
        sets = normalise_sets(by_sets)
        if outcomes is None:
            outcomes = self.outcome_list(variables, categorical)
        ests = self.estimates(outcomes, sets, kind, df, return_cov, den, engine=engine)
        frames = []
        for s, est in zip(sets, ests):
            if s and len(est.keys) == 0 and not grid:
                raise EmptyDomainError(f"no row of the design has a value for by={list(s)}: every row is "
                                       "outside the subset or has a missing by value, so there is no "
                                       "domain to estimate.")
            tab = estimate_table(est, ci=ci, level=level, reliability=reliability, by_cols=list(s),
                                 kind=kind)
            frames.append(tab)
            _warn_missing_by(est.keys, s)
        return frames, ests, sets

    @staticmethod
    def _with_cov(out: pd.DataFrame, est: Estimates, return_cov: bool
                  ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        if not return_cov:
            return out
        return out, pd.DataFrame(est.cov, index=out.index, columns=out.index)

    # ------------------------------------------------------------------ estimators
    @overload
    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
             level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
             return_cov: Literal[False] = False) -> pd.DataFrame: ...

    @overload
    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
             level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
             return_cov: Literal[True]) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    @overload
    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
             level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
             return_cov: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]: ...

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
             level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
             return_cov: bool = False
             ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Weighted mean(s) with design-based SEs, for all domains at once.

        Parameters
        ----------
        variables : str or list of str
            Outcome column(s). Numeric columns give one row each (a 0/1 column is
            a proportion); text / categorical columns give one row per level
            (``level`` column). Missing outcomes leave the domain, not the design.
        by : str or list of str, optional
            Domain columns (R ``svyby``). Rows with a missing ``by`` value belong
            to no domain but stay in the design.
        ci : {"t", "normal", "wald", "logit", "xlogit", "beta", "korn_graubard"}
            Interval: ``"t"`` (estimate -/+ t_df SE, the default), ``"normal"``,
            or a proportion method of :func:`drugtrends.survey.ci.proportion_ci`
            (outcomes must be 0/1 or categorical, else DesignError).
        level : float, optional
            Confidence level in (0, 1) (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule (see :mod:`drugtrends.survey.design`).
        reliability : {"design", "nchs", "nsduh", None}
            Suppression rule; ``"design"`` uses the design's default.
        return_cov : bool
            Also return the covariance matrix of all estimates (DataFrame indexed
            like the result), for contrasts.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            ``by`` columns, ``variable``, (``level``), ``estimate``, ``se``,
            ``ci_low``, ``ci_high``, ``cv``, ``deff``, ``n``, ``n_eff``, ``df``,
            ``suppressed``, ``flag``.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
        ...                    "g": list("abababab")})
        >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
        >>> des.mean("y", by="g")[["g", "estimate", "se", "n"]].round(4)   # R svyby: SE 0.3239, 0
           g  estimate      se  n
        0  a    0.6667  0.3239  4
        1  b    0.6667  0.0000  4
        """
        frames, ests, _ = self._run(variables, [tuple(as_list(by))], kind="mean", ci=ci, level=level,
                                    df=df, reliability=reliability, return_cov=return_cov)
        return self._with_cov(frames[0], ests[0], return_cov)

    @overload
    def proportion(self, variable: str, by: str | Sequence[str] | None = None, *, ci: str = "logit",
                   level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
                   return_cov: Literal[False] = False) -> pd.DataFrame: ...

    @overload
    def proportion(self, variable: str, by: str | Sequence[str] | None = None, *, ci: str = "logit",
                   level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
                   return_cov: Literal[True]) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    @overload
    def proportion(self, variable: str, by: str | Sequence[str] | None = None, *, ci: str = "logit",
                   level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
                   return_cov: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]: ...

    def proportion(self, variable: str, by: str | Sequence[str] | None = None, *, ci: str = "logit",
                   level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
                   return_cov: bool = False
                   ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Proportions of each level of a categorical variable.

        Like :meth:`mean` with the variable treated as categorical (also when
        numeric); the default interval is R ``svyciprop``'s logit interval.

        Parameters
        ----------
        variable : str or list of str
            Column(s) whose levels are counted; each level gives one row
            (``level`` column). Missing values leave the domain, not the design.
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"logit", "xlogit", "beta", "korn_graubard", "wald", "t", "normal"}
            Interval; default ``"logit"``.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        reliability : {"design", "nchs", "nsduh", None}
            Suppression rule; ``"design"`` uses the design's default.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            The columns of :meth:`mean`, ``estimate`` = proportion.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "r": list("aabbbc")})
        >>> SurveyDesign(df, weight="w", psu="psu").proportion("r")[["level", "estimate"]]
          level  estimate
        0     a  0.333333
        1     b  0.500000
        2     c  0.166667
        """
        frames, ests, _ = self._run(variable, [tuple(as_list(by))], kind="mean", ci=ci, level=level,
                                    df=df, reliability=reliability, return_cov=return_cov,
                                    categorical=True)
        return self._with_cov(frames[0], ests[0], return_cov)

    def prop_ci(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                method: str = "logit", level: float | None = None, df: str | float = "domain",
                reliability: str | None = "design") -> pd.DataFrame:
        """Proportion(s) of 0/1 outcomes with a proportion CI (R ``svyciprop``).

        Same as ``mean(variables, by, ci=method, ...)``.

        Parameters
        ----------
        variables : str or list of str
            0/1 outcome column(s) (or categorical columns, one row per level).
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        method : {"logit", "xlogit", "beta", "korn_graubard", "wald", "t", "normal"}
            Interval method of :func:`drugtrends.survey.ci.proportion_ci`.
        level, df, reliability :
            As :meth:`mean`.

        Returns
        -------
        DataFrame
            The columns of :meth:`mean`, with ``ci_low``/``ci_high`` from ``method``.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [0, 0, 1, 0, 1, 0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").prop_ci("y", method="beta")
        >>> round(float(r.estimate[0]), 4), round(float(r.ci_low[0]), 4)   # R: 0.03124263
        (0.3333, 0.0312)
        """
        return self.mean(variables, by, ci=method, level=level, df=df, reliability=reliability)

    @overload
    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
              level: float | None = None, df: str | float = "domain", reliability: str | None = None,
              return_cov: Literal[False] = False) -> pd.DataFrame: ...

    @overload
    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
              level: float | None = None, df: str | float = "domain", reliability: str | None = None,
              return_cov: Literal[True]) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    @overload
    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
              level: float | None = None, df: str | float = "domain", reliability: str | None = None,
              return_cov: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]: ...

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *, ci: str = "t",
              level: float | None = None, df: str | float = "domain", reliability: str | None = None,
              return_cov: bool = False
              ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Weighted total(s) (R ``svytotal``), same columns as :meth:`mean`.

        Parameters
        ----------
        variables : str or list of str
            Outcome column(s), as :meth:`mean`.
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"t", "normal"}
            ``estimate -/+ t_df SE`` (default) or the normal quantile.
        level, df :
            As :meth:`mean`.
        reliability : {"design", "nchs", "nsduh", None}, default None
            Suppression rule; by default nothing is suppressed.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            The columns of :meth:`mean`; ``estimate`` is the weighted total.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(4), "w": [10.0] * 4, "y": [0, 1, 1, 0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").total("y")
        >>> float(r.estimate[0]), round(float(r.se[0]), 4)
        (20.0, 11.547)
        """
        frames, ests, _ = self._run(variables, [tuple(as_list(by))], kind="total", ci=ci, level=level,
                                    df=df, reliability=reliability, return_cov=return_cov)
        return self._with_cov(frames[0], ests[0], return_cov)

    def km(self, time: str, event: str, by: str | Sequence[str] | None = None, level: float | None = None,
           cumulative: bool = False, estimator: str = "nelson_aalen") -> pd.DataFrame:
        """Survey-weighted survival curve at every event time, with SEs and log-scale CIs (R ``svykm``).

        See :func:`drugtrends.survey.km.survey_km` (parameters, columns, method).

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> d = pd.DataFrame({"age": [15, 16, 18, 20], "used": [1, 1, 0, 1], "w": [1.0, 1, 1, 1], "psu": [1, 2, 3, 4]})
        >>> SurveyDesign(d, weight="w", psu="psu").km("age", "used")["time"].tolist()
        [15.0, 16.0, 20.0]
        """
        from .km import survey_km
        return survey_km(self, time, event, by=by, level=self.level if level is None else level,
                         cumulative=cumulative, estimator=estimator)

    @overload
    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, ci: str = "t", level: float | None = None,
              df: str | float = "domain", return_cov: Literal[False] = False) -> pd.DataFrame: ...

    @overload
    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, ci: str = "t", level: float | None = None,
              df: str | float = "domain", return_cov: Literal[True]) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    @overload
    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, ci: str = "t", level: float | None = None,
              df: str | float = "domain", return_cov: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]: ...

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, ci: str = "t", level: float | None = None,
              df: str | float = "domain", return_cov: bool = False
              ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Ratio(s) of totals ``sum(w num) / sum(w den)`` (R ``svyratio``).

        Rows where the numerator or the denominator is missing leave the domain.
        ``deff`` is R ``svyratio(deff=TRUE)``'s: ``Var(R) / Vsrs`` with
        ``Vsrs = s^2 N^2 (N - n)/(N n)``, ``s^2 = n/(n-1) sum w r^2 / N``,
        ``r = (num - R den) / T_den`` (Taylor designs; NaN on replicate designs,
        where R fails); ``n_eff`` is NaN. A domain whose denominator sums to 0
        is suppressed with the flag ``"zero denominator"``.

        Parameters
        ----------
        numerator : str or list of str
            Numerator column(s).
        denominator : str or list of str
            One denominator column for all numerators, or one per numerator
            (else :class:`~drugtrends.errors.DesignError`).
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"t", "normal"}
            Interval, as :meth:`total`.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            The columns of :meth:`mean` with a ``denominator`` column after
            ``variable``; no suppression rule is applied.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "a": [1, 2, 3, 4], "b": [2, 2, 2, 2]})
        >>> float(SurveyDesign(df, weight="w", psu="psu").ratio("a", "b").estimate[0])
        1.25
        """
        nums = self._ratio_outcomes(numerator)
        dens = self._ratio_outcomes(denominator)
        text = sorted({o.variable for o in nums + dens if o.level is not None})
        if text:
            raise InputError(f"ratio() needs numeric columns; {text} hold text categories. Recode them "
                             "to numbers (e.g. 0/1 indicators) first.")
        if len(dens) == 1 and len(nums) > 1:
            dens = dens * len(nums)
        if len(dens) != len(nums):
            raise DesignError("give one denominator, or one per numerator")
        for o in nums:
            o.is_prop = False
        frames, ests, _ = self._run(None, [tuple(as_list(by))], kind="ratio", ci=ci, level=level, df=df,
                                    reliability=None, return_cov=return_cov, den=dens, outcomes=nums)
        out = frames[0]
        out.insert(out.columns.get_loc("variable") + 1, "denominator",
                   [d.variable for d in dens] * len(ests[0].keys))
        return self._with_cov(out, ests[0], return_cov)

    def _ratio_outcomes(self, variables: str | Sequence[str]) -> list[Outcome]:
        """Ratio numerators / denominators (engines may read them their own way)."""
        return self.outcome_list(variables)

    def grid(self, variables: str | Sequence[str], by_sets: Any = None, *, kind: str = "mean", ci: str = "t",
             level: float | None = None, df: str | float = "domain", reliability: str | None = "design",
             engine: str = "auto") -> pd.DataFrame:
        """Means (or totals) of many outcomes for many domain sets in one grouped pass.

        A convenience over :meth:`mean` / :meth:`total`: the same path, with
        every domain set in one pass over the rows.

        Parameters
        ----------
        variables : str or list of str
            Outcome columns.
        by_sets : list of (str or list of str)
            Domain sets; ``()`` is the whole population.
        kind : {"mean", "total"}
        ci, level, df, reliability :
            As :meth:`mean` (totals: no reliability rule unless given).
        engine : {"auto", "numpy", "duckdb"}
            For pandas designs, ``"duckdb"`` runs the grouped pass as SQL on
            the same rows (same results to rounding).

        Returns
        -------
        DataFrame
            ``by_set`` (``"year+sex"``; ``""`` for the whole population), the
            union of the ``by`` columns, then the columns of :meth:`mean`;
            within a set the rows equal ``mean(variables, by=set)``.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
        ...                    "g": list("abababab")})
        >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
        >>> des.grid("y", [(), "g"])[["by_set", "g", "estimate", "se"]].round(4)
          by_set    g  estimate      se
        0         NaN    0.6667  0.1620
        1      g    a    0.6667  0.3239
        2      g    b    0.6667  0.0000
        """
        if kind not in ("mean", "total"):
            raise InputError(f"kind={kind!r}: grid computes 'mean' or 'total'.")
        if kind == "total":
            reliability = None if reliability == "design" else reliability
        frames, _, sets = self._run(variables, by_sets, kind=kind, ci=ci, level=level, df=df,
                                    reliability=reliability, grid=True, engine=engine)
        return _stack_sets(frames, sets)


def _stack_sets(frames: list[pd.DataFrame], sets: list[tuple[str, ...]]) -> pd.DataFrame:
    out_frames = []
    for s, table in zip(sets, frames):
        table.insert(0, BY_SET_COLUMN, "+".join(s))
        if len(sets) > 1:   # integer keys stay integers where other sets leave them missing
            for c in s:
                if pd.api.types.is_integer_dtype(table[c]) and not pd.api.types.is_extension_array_dtype(table[c]):
                    table[c] = table[c].astype("Int64")
        out_frames.append(table)
    by_union = list(dict.fromkeys(c for s in sets for c in s))
    out_frames = [f for f in out_frames if len(f)]
    if not out_frames:
        return pd.DataFrame(columns=[BY_SET_COLUMN, *by_union])
    out = pd.concat(out_frames, ignore_index=True, sort=False)
    lead = [BY_SET_COLUMN, *by_union]
    return out[lead + [c for c in out.columns if c not in lead]]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
