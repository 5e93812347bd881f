"""Summary ("Table 1") and p-value formatting for publication tables (gtsummary's ``tbl_svysummary``).

:func:`summary_table` = :func:`drugtrends.profiles.summary.summary_frame`
(compute, statistics layer) -> :func:`summary_display` (format: strings) ->
great_tables ``GT`` (render). The numbers are never recomputed here.

Exports: ``GT.as_raw_html()`` (HTML), ``GT.as_latex()`` (LaTeX); Word: write
the HTML and convert it with Pandoc (``pandoc table.html -o table.docx``);
Excel: ``summary_display(...).to_excel("table.xlsx")`` (strings as shown) or
``summary_frame(...).to_excel(...)`` (the numbers).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from drugtrends import i18n
from drugtrends.errors import InputError
from drugtrends.profiles.summary import summary_frame
from drugtrends.tables.core import fmt_ci, fmt_num

__all__ = ["summary_table", "summary_display", "fmt_p", "build_gt", "INDENT"]

#: Prefix of a level row under its variable's row.
INDENT = "\u2003"


def fmt_p(p, lang: str = "en") -> str:
    """Format a p-value as gtsummary does: ``<0.001``, 3 decimals below 0.1, else 2.

    Parameters
    ----------
    p : float
    lang : str

    Returns
    -------
    str
        Empty for a missing value.

    Examples
    --------
    >>> fmt_p(0.0000153), fmt_p(0.00705), fmt_p(0.3315), fmt_p(0.0712, "fr")
    ('<0.001', '0.007', '0.33', '0,071')
    """
    if p is None or pd.isna(p):
        return ""
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise InputError(f"fmt_p: {p!r} is not a p-value (a number between 0 and 1).") from None
    if not (0 <= p <= 1):
        raise InputError(f"fmt_p: p = {p!r} is outside [0, 1]; check the computation.")
    if p < 0.001:
        return "<" + fmt_num(0.001, 3, lang)
    return fmt_num(p, 3 if p < 0.1 else 2, lang)


def _cell(r: pd.Series, digits: int, lang: str) -> str:
    scale = 1.0 if r["kind"] == "continuous" else 100.0
    est = fmt_num(r["estimate"] * scale, digits, lang)
    if not est:
        return ""
    ci = fmt_ci(r["ci_low"] * scale, r["ci_high"] * scale, digits, lang)
    text = f"{est} ({ci})" if ci else est
    return text + (" *" if bool(r.get("suppressed", False)) else "")


def summary_display(frame: pd.DataFrame, *, labels: Mapping | None = None, digits: int = 1,
                    lang: str = "en") -> pd.DataFrame:
    """Display strings of a :func:`~drugtrends.profiles.summary.summary_frame` (no statistics computed).

    Parameters
    ----------
    frame : DataFrame
        A ``summary_frame`` result.
    labels : dict, optional
        Variable -> display label (default: the column name).
    digits : int
        Decimals of shares (percent) and means.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame
        ``characteristic`` (the variable's row, then one indented row per
        level; a 0/1 variable or a mean takes one row), per group ``<group> n``
        and ``<group> est`` (``"18.4 (16.8–19.9)"``), and ``p`` when the frame
        has tests.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"variable": ["sex", "sex"], "kind": "categorical", "level": ["f", "m"],
    ...                   "group": "overall", "estimate": [0.25, 0.75], "ci_low": [0.1, 0.6],
    ...                   "ci_high": [0.4, 0.9], "n": [10, 30], "n_total": 40, "p_value": float("nan"),
    ...                   "test": "", "suppressed": False, "flag": ""})
    >>> summary_display(f).values.tolist()
    [['sex', '', ''], ['\u2003f', '10', '25.0 (10.0–40.0)'], ['\u2003m', '30', '75.0 (60.0–90.0)']]
    """
    labels = dict(labels or {})
    groups = list(dict.fromkeys(frame["group"]))
    has_p = bool(frame["p_value"].notna().any())
    rows = []
    for var, block in frame.groupby("variable", sort=False):
        label = str(labels.get(var, var))
        kind = block["kind"].iloc[0]
        p = fmt_p(block["p_value"].iloc[0], lang) if has_p else None
        one_row = kind in ("dichotomous", "continuous")
        if not one_row:
            rows.append({"characteristic": label, **{f"{g} n": "" for g in groups},
                         **{f"{g} est": "" for g in groups}, "p": p})
        for lev, cells in block.groupby("level", sort=False):
            name = label if one_row else INDENT + str(lev)
            if kind == "continuous":
                name += f", {i18n.t('pubtables.mean', lang).lower()}"
            row = {"characteristic": name, "p": p if one_row else ""}
            by_group = cells.set_index("group")
            for g in groups:
                r = by_group.loc[g] if g in by_group.index else None
                row[f"{g} n"] = "" if r is None else fmt_num(r["n"], 0, lang, thousands=True)
                row[f"{g} est"] = "" if r is None else _cell(r, digits, lang)
            rows.append(row)
    out = pd.DataFrame(rows, columns=["characteristic"] + [f"{g} {k}" for g in groups for k in ("n", "est")] + ["p"])
    return out if has_p else out.drop(columns="p")


def build_gt(display: pd.DataFrame, *, spanners: Mapping[str, list], labels: Mapping[str, str],
             title: str | None = None, notes=(), lang: str = "en"):
    """A great_tables ``GT`` of a display frame: column spanners, labels, source notes.

    Parameters
    ----------
    display : DataFrame
        Strings, as shown.
    spanners : dict
        Spanner label -> its columns.
    labels : dict
        Column -> header label.
    title : str, optional
    notes : sequence of str
        Source notes under the table.
    lang : str
        Language of the table (its ``lang`` attribute is not set by great_tables).

    Returns
    -------
    great_tables.GT

    Examples
    --------
    >>> import pandas as pd
    >>> t = build_gt(pd.DataFrame({"a": ["x"], "b": ["1"]}), spanners={}, labels={"a": "A"})
    >>> "<table" in t.as_raw_html()
    True
    """
    import great_tables as gt

    t = gt.GT(display)
    if title:
        t = t.tab_header(title=title)
    for label, cols in spanners.items():
        t = t.tab_spanner(label=label, columns=list(cols))
    t = t.cols_label(**{c: labels.get(c, c) for c in display.columns})
    right = [c for c in display.columns if c != display.columns[0]]
    if right:
        t = t.cols_align(align="right", columns=right)
    for n in notes:
        if n:
            t = t.tab_source_note(n)
    return t.tab_options(table_font_size="13px", source_notes_font_size="11px", heading_align="left")


def summary_table(design, variables, by: str | None = None, *, labels: Mapping | None = None,
                  overall: bool = True, ci: str = "logit", df="design", continuous=None, test: bool = True,
                  digits: int = 1, title: str | None = None, lang: str = "en", by_labels: Mapping | None = None):
    """Weighted "Table 1" of a survey design, as gtsummary's ``tbl_svysummary() |> add_p()``.

    Parameters
    ----------
    design : SurveyDesign
    variables : str or list of str
        Columns summarised (see :func:`~drugtrends.profiles.summary.summary_frame`).
    by : str, optional
        Grouping column: one ``n`` and one ``% (CI)`` column per group.
    labels : dict, optional
        Variable -> label shown.
    overall : bool
        With ``by``: an "Overall" column too.
    ci, df, continuous, test, by_labels
        As :func:`~drugtrends.profiles.summary.summary_frame` (``by_labels``: names of the ``by`` values).
    digits : int
    title : str, optional
    lang : {"en", "fr"}

    Returns
    -------
    great_tables.GT
        ``.as_raw_html()``, ``.as_latex()``; Word and Excel: see the module docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"w": [1.0, 2, 1, 2], "sex": list("fmfm"), "use": [1, 0, 0, 0]})
    >>> html = summary_table(SurveyDesign(d, weight="w"), ["sex", "use"]).as_raw_html()
    >>> "Characteristic" in html and "66.7" in html
    True
    """
    frame = summary_frame(design, variables, by, overall=overall, ci=ci, df=df, continuous=continuous, test=test,
                          by_labels=by_labels)
    display = summary_display(frame, labels=labels, digits=digits, lang=lang)
    level = fmt_num(100 * float(design.level), 0, lang)
    groups = list(dict.fromkeys(frame["group"]))
    names = {g: (i18n.t("pubtables.overall", lang) if g == "overall" else str(g)) for g in groups}
    col_labels = {"characteristic": i18n.t("pubtables.characteristic", lang), "p": i18n.t("pubtables.p_value", lang)}
    for g in groups:
        col_labels[f"{g} n"] = i18n.t("pubtables.n", lang)
        col_labels[f"{g} est"] = i18n.t("pubtables.estimate_ci", lang, level=level)
    spanners = {names[g]: [f"{g} n", f"{g} est"] for g in groups} if by is not None else {}
    notes = [i18n.t("pubtables.note_stats", lang, level=level)]
    if "p" in display.columns:
        notes.append(i18n.t("pubtables.note_tests", lang))
    if bool(frame["suppressed"].any()):
        notes.append(i18n.t("pubtables.suppressed", lang))
    return build_gt(display, spanners=spanners, labels=col_labels, title=title, notes=notes, lang=lang)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
