"""The tidy frame behind a "Table 1" of a survey (gtsummary's ``tbl_svysummary`` + ``add_p``).

:func:`summary_frame` computes, for each variable, the weighted share of each
level (categorical), of the value 1 (0/1 variables) or the weighted mean
(continuous), with its CI and the unweighted ``n``; by a grouping column, one
set per group plus everyone, and a design-based test per variable (Rao-Scott
F for categorical variables, a design-based Wald F for means). The numbers are
those of :func:`~drugtrends.profiles.profile_table` (with ``by``) or of the
design's ``proportion`` / ``mean`` (without): nothing is recomputed here.
:func:`drugtrends.tables.summary_table` formats it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from drugtrends import i18n
from drugtrends.errors import InputError
from drugtrends.profiles.common import is_numeric
from drugtrends.profiles.table import profile_table
from drugtrends.validate import as_list, require_columns

__all__ = ["summary_frame", "SUMMARY_COLUMNS", "variable_kind", "regression_frame", "REGRESSION_COLUMNS"]

#: Columns of :func:`summary_frame`.
SUMMARY_COLUMNS = ("variable", "kind", "level", "group", "estimate", "ci_low", "ci_high", "n", "n_total",
                   "p_value", "test", "suppressed", "flag")

#: A numeric variable with more distinct values than this is summarised by its mean.
MAX_LEVELS = 20


def variable_kind(s: pd.Series) -> str:
    """How a column is summarised: ``"categorical"``, ``"dichotomous"`` (0/1) or ``"continuous"``.

    Parameters
    ----------
    s : Series

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> variable_kind(pd.Series([0.0, 1, 1])), variable_kind(pd.Series(list("ab")))
    ('dichotomous', 'categorical')
    >>> variable_kind(pd.Series(range(50)))
    'continuous'
    """
    if pd.api.types.is_bool_dtype(s):
        return "dichotomous"
    if not is_numeric(s):
        return "categorical"
    vals = set(pd.unique(s.dropna()))
    if vals and vals <= {0, 1}:
        return "dichotomous"
    return "categorical" if len(vals) <= MAX_LEVELS and np.all(np.mod(list(vals), 1) == 0) else "continuous"


def summary_frame(design, variables, by: str | None = None, *, overall: bool = True, ci: str = "logit",
                  df="design", continuous=None, test: bool = True, by_labels=None) -> pd.DataFrame:
    """Weighted shares or means with CIs, unweighted n and a design-based test per variable.

    Parameters
    ----------
    design : SurveyDesign
        A (subset) design.
    variables : str or list of str
        Columns to summarise. Text, categorical and integer columns with at most
        20 values: share of each level; 0/1 or bool columns: share of 1;
        other numeric columns: mean.
    by : str, optional
        Grouping column: one set of columns per group (and ``"overall"``).
    overall : bool
        With ``by``: add the everyone column (``group == "overall"``: everyone
        with a non-missing ``by`` value).
    ci : str
        Interval method of shares (the survey engine's: ``"logit"``, ``"beta"``,
        ``"t"``...). Means always use ``"t"``.
    df : {"design", "domain"} or float
        Degrees of freedom of the intervals.
    continuous : list of str, optional
        Numeric columns to summarise by their mean whatever their values.
    test : bool
        With ``by``: the design-based test of each variable against ``by``
        (Rao-Scott F, as R ``svychisq``; design-based Wald F for means).
    by_labels : dict, optional
        Display names of the ``by`` values (``{1: "users", 0: "non-users"}``), in that order.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`: ``estimate``/``ci_low``/``ci_high`` on the
        0-1 scale for shares; ``n`` the unweighted count of the cell (level x
        group), ``n_total`` its denominator; ``p_value`` repeated on every row
        of a variable (NaN without ``by``).

    Raises
    ------
    UnknownVariableError
        A column is not in the design's data.
    InputError
        ``by`` is one of ``variables``, or no variable is given.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"w": [1.0, 2, 1, 2], "sex": list("fmfm"), "use": [1, 0, 0, 0]})
    >>> t = summary_frame(SurveyDesign(d, weight="w"), ["sex", "use"])
    >>> t[["variable", "level", "estimate", "n"]].round(3).to_string(index=False)
    'variable level  estimate  n\\n     sex     f     0.333  2\\n     sex     m     0.667  2\\n     use     1     0.167  1'
    """
    variables = as_list(variables)
    if not variables:
        raise InputError("summary_frame: give at least one variable to summarise (variables=[...]).")
    data = design.data
    require_columns(data, variables + ([by] if by else []), "variable", "the design's data")
    if by is not None and by in variables:
        raise InputError(f"summary_frame: by={by!r} is also in variables; summarise it without by, "
                         "or group by another column.")
    continuous = set(as_list(continuous))
    kinds = {v: ("continuous" if v in continuous else variable_kind(data[v])) for v in variables}
    if by is None:
        out = pd.concat([_overall(design, v, kinds[v], ci, df) for v in variables], ignore_index=True)
    else:
        out = _grouped(design, variables, by, kinds, overall, ci, df, by_labels)
        if not test:
            out["p_value"], out["test"] = np.nan, ""
    return out[list(SUMMARY_COLUMNS)]


def _overall(design, v: str, kind: str, ci: str, df) -> pd.DataFrame:
    data, mask = design.data, np.asarray(design.mask, dtype=bool)
    col = data[v][mask]
    if kind == "continuous":
        r = design.mean(v, ci="t", df=df)
        r["level"] = "mean"
        r["n_total"] = r["n"]
    else:
        r = design.proportion(v, ci=ci, df=df)
        counts = col.value_counts()
        r["n_total"] = r["n"]
        r["n"] = [int(counts.get(lev, 0)) for lev in r["level"]]
        r["level"] = r["level"].astype(str)
        if kind == "dichotomous":
            r = r[r["level"].isin(["1", "1.0", "True"])]
            r["level"] = "1"
    r = r.assign(variable=v, kind=kind, group="overall", p_value=np.nan, test="")
    return r.reset_index(drop=True)


def _grouped(design, variables, by, kinds, overall, ci, df, by_labels=None) -> pd.DataFrame:
    cats = [v for v in variables if kinds[v] != "continuous"]
    conts = [v for v in variables if kinds[v] == "continuous"]
    t = profile_table(design, by, cats, continuous=conts, ci=ci, df=df, include_all=overall,
                      group_values=list(by_labels) if by_labels else None, labels=by_labels)
    t = t[t["level"] != "median"].copy()
    t["group"] = t["group_value"].replace({"all": "overall"})
    t["variable"] = t["characteristic"]
    t["kind"] = t["variable"].map(kinds)
    dich = t["kind"] == "dichotomous"
    t = t[~dich | t["level"].isin(["1", "1.0", "True"])].copy()
    t.loc[t["kind"] == "dichotomous", "level"] = "1"
    order = {v: i for i, v in enumerate(variables)}
    t["_o"] = t["variable"].map(order)
    return t.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


#: Columns of :func:`regression_frame`.
REGRESSION_COLUMNS = ("variable", "label", "level", "term", "reference", "estimate", "ci_low", "ci_high", "p_value",
                      "flag")

_EXP_FAMILIES = ("binomial", "quasibinomial", "poisson", "quasipoisson")


def _term_variable(term: str) -> str:
    m = re.match(r"^C\((\w+)\)$", term)
    return m.group(1) if m else term


def regression_frame(fit, labels=None, exponentiate: bool | None = None, lang: str = "en") -> pd.DataFrame:
    """Coefficients of a survey GLM grouped by variable, reference levels as rows (``tbl_regression``'s data).

    Parameters
    ----------
    fit : SvyGLMResult
        From ``design.glm(...)`` (:func:`drugtrends.survey.glm.svyglm`).
    labels : dict, optional
        Variable -> label shown (default: the variable name).
    exponentiate : bool, optional
        Exponentiated coefficients (odds ratios for binomial families, rate
        ratios for Poisson); default: True for those families. The exponentiated
        values are the fit's own ``odds_ratio`` / ``or_ci_low`` / ``or_ci_high``
        for binomial families.
    lang : {"en", "fr"}
        In French, a variable without a label in ``labels`` takes its French
        name from the catalogue (``profiles.var.<variable>``: ``sex`` ->
        "Sexe") and its levels their French labels (``i18n.level``: "male" ->
        "Hommes"); names the catalogue does not know are shown as they are.
        English shows the data's names (give ``labels`` for others).

    Returns
    -------
    DataFrame
        :data:`REGRESSION_COLUMNS`, one row per coefficient (intercept left
        out) plus one ``reference=True`` row (NaN numbers) for the first level
        of each categorical variable, in model order; ``level`` is ``""`` for a
        numeric variable or an interaction.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                   "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> fit = SurveyDesign(d, weight="w", psu="psu").glm("y ~ g", family="binomial")
    >>> regression_frame(fit, {"g": "Group"})[["label", "level", "term", "reference"]].values.tolist()
    [['Group', 'a', '', True], ['Group', 'b', 'gb', False]]
    """
    labels = dict(labels or {})
    if exponentiate is None:
        exponentiate = fit.family in _EXP_FAMILIES
    coef = fit.coef.set_index("term")
    if exponentiate and fit.family in ("binomial", "quasibinomial"):
        vals = coef[["odds_ratio", "or_ci_low", "or_ci_high"]].to_numpy()
    elif exponentiate:
        vals = np.exp(coef[["estimate", "ci_low", "ci_high"]].to_numpy())
    else:
        vals = coef[["estimate", "ci_low", "ci_high"]].to_numpy()
    num = pd.DataFrame(vals, index=coef.index, columns=["estimate", "ci_low", "ci_high"])
    levels = getattr(fit, "term_levels", {}) or {}
    rows = []
    for term, cols in fit.term_columns.items():
        if term == "Intercept":
            continue
        var = _term_variable(term)
        label = str(labels.get(var, labels.get(term, var)))
        levs = levels.get(term)
        if levs is not None and len(levs) == len(cols) + 1:
            rows.append(dict(variable=var, label=label, level=str(levs[0]), term="", reference=True))
            pairs = list(zip([str(x) for x in levs[1:]], cols))
        else:
            pairs = [("" if len(cols) == 1 and ":" not in term else c, c) for c in cols]   # interactions: by name
        for lev, c in pairs:
            rows.append(dict(variable=var, label=label, level=lev, term=c, reference=False,
                             **num.loc[c].to_dict(), p_value=coef.loc[c, "p"], flag=coef.loc[c, "flag"]))
    out = pd.DataFrame(rows)
    for c in ("estimate", "ci_low", "ci_high", "p_value"):
        out[c] = out[c].astype(float) if c in out else np.nan
    out["flag"] = out["flag"].fillna("") if "flag" in out else ""
    if lang != "en" and len(out):
        own = out["variable"].map(lambda v: v in labels)
        out["label"] = [lab if mine or not i18n.has(f"profiles.var.{v}", lang) else i18n.t(f"profiles.var.{v}", lang)
                        for v, lab, mine in zip(out["variable"], out["label"], own)]
        out["level"] = [(i18n.level(v, lev, lang, default="") or i18n.level(v.lower(), lev, lang, default=lev))
                        if lev else lev for v, lev in zip(out["variable"], out["level"])]
    return out[list(REGRESSION_COLUMNS)]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
