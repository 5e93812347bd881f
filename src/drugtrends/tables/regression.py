"""Regression table of a survey GLM (gtsummary's ``tbl_regression``).

:func:`regression_table` = :func:`drugtrends.profiles.summary.regression_frame`
(the fit's coefficients grouped by variable, reference rows added) ->
:func:`regression_display` (strings) -> great_tables ``GT``. Exports as
:mod:`drugtrends.tables.summary` (HTML, LaTeX; Word through Pandoc; Excel from
the display or the tidy frame).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from drugtrends import i18n
from drugtrends.profiles.summary import regression_frame
from drugtrends.tables.core import fmt_ci, fmt_num
from drugtrends.tables.summary import INDENT, build_gt, fmt_p

__all__ = ["regression_table", "regression_display"]


def regression_display(frame: pd.DataFrame, *, digits: int = 2, lang: str = "en") -> pd.DataFrame:
    """Display strings of a :func:`~drugtrends.profiles.summary.regression_frame`.

    Parameters
    ----------
    frame : DataFrame
    digits : int
        Decimals of estimates and bounds.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame
        ``characteristic`` (a variable's row, then its indented levels; a
        numeric variable takes one row), ``estimate``, ``ci``, ``p``; a
        reference level shows ``—``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"variable": ["g", "g"], "label": "Group", "level": ["a", "b"], "term": ["", "gb"],
    ...                   "reference": [True, False], "estimate": [float("nan"), 2.0], "ci_low": [None, 1.5],
    ...                   "ci_high": [None, 2.6], "p_value": [None, 0.0004], "flag": ""})
    >>> regression_display(f).values.tolist()
    [['Group', '', '', ''], ['\u2003a', '—', '—', ''], ['\u2003b', '2.00', '1.50–2.60', '<0.001']]
    """
    ref = i18n.t("pubtables.reference", lang)
    rows = []
    for _, block in frame.groupby("variable", sort=False):
        label = block["label"].iloc[0]
        one_row = len(block) == 1 and block["level"].iloc[0] == ""
        if not one_row:
            rows.append({"characteristic": label, "estimate": "", "ci": "", "p": ""})
        for _, r in block.iterrows():
            name = label if one_row else INDENT + (r["level"] or r["term"])
            if r["reference"]:
                rows.append({"characteristic": name, "estimate": ref, "ci": ref, "p": ""})
                continue
            mark = " †" if r["flag"] else ""
            rows.append({"characteristic": name, "estimate": fmt_num(r["estimate"], digits, lang) + mark,
                         "ci": fmt_ci(r["ci_low"], r["ci_high"], digits, lang), "p": fmt_p(r["p_value"], lang)})
    return pd.DataFrame(rows, columns=["characteristic", "estimate", "ci", "p"])


def regression_table(fit, *, labels: Mapping | None = None, exponentiate: bool | None = None, digits: int = 2,
                     title: str | None = None, lang: str = "en"):
    """Publication table of a survey GLM, as gtsummary's ``tbl_regression(fit, exponentiate = TRUE)``.

    Terms are grouped by variable with their labels, reference levels are
    shown as rows (``—``), estimates are odds ratios for a logistic model (rate
    ratios for Poisson, coefficients otherwise) with the fit's design-based
    CIs and p-values (t with the residual df, as R ``summary.svyglm``).

    Parameters
    ----------
    fit : SvyGLMResult
    labels : dict, optional
        Variable -> label.
    exponentiate : bool, optional
        Default: True for binomial and Poisson families.
    digits : int
    title : str, optional
    lang : {"en", "fr"}

    Returns
    -------
    great_tables.GT

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                   "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> fit = SurveyDesign(d, weight="w", psu="psu").glm("y ~ g", family="binomial")
    >>> "OR" in regression_table(fit).as_raw_html()
    True
    """
    frame = regression_frame(fit, labels, exponentiate, lang=lang)
    display = regression_display(frame, digits=digits, lang=lang)
    exp = fit.family in ("binomial", "quasibinomial", "poisson", "quasipoisson") if exponentiate is None \
        else exponentiate
    kind = "beta" if not exp else ("or" if fit.family in ("binomial", "quasibinomial") else "rr")
    level = fmt_num(100 * float(fit.level), 0, lang)
    col_labels = {"characteristic": i18n.t("pubtables.characteristic", lang),
                  "estimate": i18n.t(f"pubtables.{kind}", lang),
                  "ci": i18n.t("pubtables.ci", lang, level=level), "p": i18n.t("pubtables.p_value", lang)}
    notes = [i18n.t(f"pubtables.note_{kind}", lang, df=fit.df_resid)]
    flags = sorted({f for f in frame["flag"] if f})
    if flags:
        notes.append("† " + ", ".join(flags))
    return build_gt(display, spanners={}, labels=col_labels, title=title, notes=notes, lang=lang)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
