"""Publication tables from tidy results (great_tables), with a Markdown twin.

Tables never recompute statistics: they format what the statistics layer
returned (``estimate``, ``ci_low``, ``ci_high``, ``n``, ``suppressed``,
``flag``...) and mark suppressed estimates with ``*`` and a footnote that
states the rule.

Each builder returns a :class:`PubTable` that carries both renderings:

* ``PubTable.gt``: a :class:`great_tables.GT` (HTML through ``as_raw_html()``);
* ``PubTable.data``: the display DataFrame (strings) and
  :meth:`PubTable.as_markdown`: the same content as a pipe table, for the
  typst/PDF path.

Displaying a :class:`PubTable` in Jupyter (or :func:`show`) emits one output
with **both** ``text/html`` and ``text/markdown``. Which one a format takes:

* HTML output takes ``text/html`` (Quarto's and the built-in renderer's rule);
* PDF/typst (and any non-HTML) output takes ``text/markdown``.

This is the same priority Quarto applies to Jupyter outputs (``text/html``
first for HTML formats, ``text/markdown`` first otherwise).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from drugtrends import i18n, style
from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.survey.results import ESTIMATE_COLUMNS
from drugtrends.validate import require_columns

# Column names of survey estimates, read from the statistics layer (a rename there fails here, at import).
_SURVEY = dict(zip(ESTIMATE_COLUMNS, ESTIMATE_COLUMNS))
ESTIMATE, CI_LOW, CI_HIGH, N, SUPPRESSED, FLAG = (
    _SURVEY[c] for c in ("estimate", "ci_low", "ci_high", "n", "suppressed", "flag"))

__all__ = [
    "PubTable", "estimate_table", "profile_table_gt", "segments_table", "as_markdown",
    "show", "fmt_num", "fmt_ci", "simple_table", "SUPPRESSION_RULE", "SUPPRESSION_RULES", "KEEP_TOGETHER_LINES",
]

#: Default footnote for suppressed estimates: the NCHS Data Presentation
#: Standards for Proportions (Parker et al., 2017, Vital Health Stat 2(175)).
#: ``lang -> text``, from the message catalogue (``tables.suppressed_nchs``).
SUPPRESSION_RULE: dict[str, str] = {lang: i18n.t("tables.suppressed_nchs", lang) for lang in i18n.LANGS}

#: Footnotes per reliability rule of :mod:`drugtrends.survey.reliability`.
SUPPRESSION_RULES: dict[str, dict[str, str]] = {
    "nchs": SUPPRESSION_RULE,
    "nsduh": {lang: i18n.t("tables.suppressed_nsduh", lang) for lang in i18n.LANGS},
}


#: Tables of at most this many printed lines (rows, counting the lines a long cell wraps to)
#: are never split across PDF pages; a longer table breaks (an unbreakable block taller than
#: a page would overflow it), its title staying with its first rows.
KEEP_TOGETHER_LINES = 32


def _printed_lines(d: pd.DataFrame, width: int = 24) -> int:
    """Rough number of printed lines of a table: each row takes its longest cell's wrapped lines."""
    if d.empty:
        return 1
    cells = d.astype(str).map(len).to_numpy()
    return 1 + int(np.ceil(np.maximum(cells, 1) / width).max(axis=1).sum())


# --------------------------------------------------------------------------- formatting


def fmt_num(value: Any, digits: int = 1, lang: str = "en", thousands: bool = False) -> str:
    """Format a number for a table cell (empty string for missing): :func:`drugtrends.i18n.fmt_number`.

    Parameters
    ----------
    value
        Number (or missing).
    digits
        Decimals.
    lang
        ``"en"`` (``1,234.5``) or ``"fr"`` (``1 234,5`` with narrow no-break spaces).
    thousands
        Group thousands.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_num(2.6999)
    '2.7'
    >>> fmt_num(1234.5, 1, "fr", thousands=True)
    '1\u202f234,5'
    >>> fmt_num(float("nan"))
    ''
    """
    return i18n.fmt_number(value, digits, lang, grouping=thousands, na="")


def fmt_ci(low: Any, high: Any, digits: int = 1, lang: str = "en") -> str:
    """Format an interval ``2.4–3.0`` / ``2,4–3,0``, as in prose (:func:`drugtrends.i18n.fmt_ci`).

    Parameters
    ----------
    low, high
        Bounds (already on the display scale).
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Empty string if a bound is missing.

    Examples
    --------
    >>> fmt_ci(1.23, 4.56)
    '1.2\u20134.6'
    >>> fmt_ci(1.23, 4.56, lang="fr")
    '1,2\u20134,6'
    """
    return i18n.fmt_ci(low, high, digits, lang)


def _html_escape(s: Any) -> str:
    import html

    return html.escape(str(s))


def _md_escape(s: Any, breakable: bool = False) -> str:
    s = "" if s is None or (isinstance(s, float) and np.isnan(s)) else str(s)
    for ch in ("\\", "|", "*", "_", "<", ">", "[", "]", "#", "`"):
        s = s.replace(ch, "\\" + ch)
    if breakable:  # let long ids and file names wrap in narrow PDF columns (zero-width space)
        s = s.replace("\\_", "\\_\u200b").replace("/", "/\u200b")
    return s.replace("\n", " ")


def as_markdown(df_display: pd.DataFrame, *, title: str | None = None,
                notes: Sequence[str] = (), group: str | None = None) -> str:
    """Render a display DataFrame as a Markdown pipe table with title and notes.

    The content is exactly the display table's: every cell as text, Markdown
    special characters escaped (so a suppression ``*`` stays a star).

    Parameters
    ----------
    df_display
        Table of strings (as built by :func:`estimate_table`).
    title
        Bold line above the table.
    notes
        Footnotes and source, one paragraph each below the table.
    group
        Column holding row groups: shown once, on each group's first row.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"Sex": ["Men", "Women"], "Estimate (%)": ["3.9", "*"]})
    >>> print(as_markdown(d, title="Cocaine", notes=["* Suppressed."]))
    ```{=typst}
    #block(breakable: false, width: 100%)[
    ```
    <BLANKLINE>
    ```{=typst}
    #block(sticky: true, below: 0.65em)[#strong("Cocaine")]
    ```
    <BLANKLINE>
    ```{=html}
    <p><strong>Cocaine</strong></p>
    ```
    <BLANKLINE>
    | Sex | Estimate (%) |
    |:------|------------:|
    | Men | 3.9 |
    | Women | \\* |
    <BLANKLINE>
    \\* Suppressed.
    <BLANKLINE>
    ```{=typst}
    ]
    ```
    <BLANKLINE>
    """
    d = df_display.copy()
    if group is not None and group in d.columns:
        first = ~d[group].duplicated()
        d[group] = d[group].where(first, "")
        d = d[[group] + [c for c in d.columns if c != group]]
    cols = list(d.columns)

    def align(c: str) -> str:
        vals = [str(v) for v in d[c] if str(v) not in ("", "*", "nan")]
        numeric = bool(vals) and all(
            any(ch.isdigit() for ch in v) and not any(ch.isalpha() for ch in v) for v in vals)
        # dash counts set pandoc's relative column widths when the table is wide: long text
        # columns are capped so short columns keep room for their longest word
        cells = [str(c)] + [str(v) for v in d[c]]
        width = max(len(v) for v in cells)
        word = max((len(w) for v in cells for w in re.split(r"[\s_/]+", v)), default=3)
        dashes = "-" * max(3, word + 1, min(width, 24))
        return dashes + ":" if numeric else ":" + dashes

    lines = []
    # typst (PDF): a short table (KEEP_TOGETHER_LINES) is one unbreakable block with its title and
    # notes; a longer one may break, but its title is "sticky" (never alone at a page bottom)
    keep = _printed_lines(d) <= KEEP_TOGETHER_LINES
    if keep:
        lines += ["```{=typst}", "#block(breakable: false, width: 100%)[", "```", ""]
    if title:
        quoted = str(title).replace("\\", "\\\\").replace('"', '\\"')
        lines += ["```{=typst}", f'#block(sticky: true, below: 0.65em)[#strong("{quoted}")]', "```", "",
                  "```{=html}", f"<p><strong>{_html_escape(title)}</strong></p>", "```", ""]
    lines.append("| " + " | ".join(_md_escape(c) for c in cols) + " |")
    lines.append("|" + "|".join(align(c) for c in cols) + "|")
    for _, r in d.iterrows():
        lines.append("| " + " | ".join(_md_escape(r[c], breakable=True) for c in cols) + " |")
    lines.append("")
    for n in notes:
        if n:
            lines += [_md_escape(n), ""]
    if keep:
        lines += ["```{=typst}", "]", "```", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- PubTable


@dataclass
class PubTable:
    """A formatted table with an HTML (great_tables) and a Markdown rendering.

    Attributes
    ----------
    gt
        The :class:`great_tables.GT` object (style it further if needed).
    data
        The display DataFrame (strings), same content as the HTML.
    title, subtitle
        Header texts.
    notes
        Footnotes then the source note, in display order.
    group
        Row-group column of ``data`` (or ``None``).
    align_right
        Columns of ``data`` aligned right (numbers).

    Examples
    --------
    The table functions make them (:func:`estimate_table`, :func:`simple_table`...):

    >>> import pandas as pd
    >>> t = simple_table(pd.DataFrame({"package": ["numpy"], "version": ["2.4.0"]}), title="Versions")
    >>> type(t).__name__, t.title, t.data.columns.tolist()
    ('PubTable', 'Versions', ['package', 'version'])
    >>> "<table" in t.as_html(), "| numpy" in t.as_markdown()
    (True, True)
    """

    gt: Any
    data: pd.DataFrame
    title: str | None = None
    subtitle: str | None = None
    notes: list[str] = field(default_factory=list)
    group: str | None = None
    align_right: Sequence[str] = ()

    def as_html(self) -> str:
        """Return the table as an HTML fragment (great_tables ``as_raw_html``)."""
        return self.gt.as_raw_html()

    def as_markdown(self) -> str:
        """Return the table as a Markdown pipe table (title kept with the table in PDF, table, notes)."""
        t = self.title if not self.subtitle else f"{self.title}. {self.subtitle}"
        return as_markdown(self.data, title=t, notes=self.notes, group=self.group)

    def numbered(self, number: int, lang: str = "en") -> PubTable:
        """A copy titled "Table n. <title>" ("Tableau n. ..." in French).

        Parameters
        ----------
        number
            The table's number in the report.
        lang
            ``"en"`` or ``"fr"``.

        Returns
        -------
        PubTable

        Examples
        --------
        >>> t = simple_table(pd.DataFrame({"a": ["1"]}), title="Sources")
        >>> t.numbered(2, "fr").title
        'Tableau 2. Sources'
        """
        title = f"{i18n.t('common.table', lang)} {number}. {self.title or ''}".rstrip()
        return PubTable(_gt(self.data, title=title, subtitle=self.subtitle, notes=self.notes, group=self.group,
                            align_right=self.align_right),
                        self.data, title, self.subtitle, list(self.notes), self.group, self.align_right)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/html": self.as_html(),
            "text/markdown": self.as_markdown(),
            "text/plain": self.data.to_string(index=False),
        }


def _gt(data: pd.DataFrame, *, title: str | None, subtitle: str | None, notes: Sequence[str],
        group: str | None, align_right: Sequence[str] = ()):
    import great_tables as gt

    key = hashlib.sha1((str(title) + str(subtitle) + data.to_csv(index=False)).encode()).hexdigest()[:10]
    t = gt.GT(data, groupname_col=group if group in data.columns else None, id=f"dt{key}")
    if title:
        t = t.tab_header(title=title, subtitle=subtitle)
    for n in notes:
        if n:
            t = t.tab_source_note(n)
    cols = [c for c in align_right if c in data.columns]
    if cols:
        t = t.cols_align(align="right", columns=cols)
    t = t.tab_options(table_font_size="13px", source_notes_font_size="11px",
                      heading_align="left")
    return t


def _flag_column(df: pd.DataFrame, col: str | None) -> pd.Series:
    """A boolean column (``suppressed``...), all False when absent."""
    if col and col in df.columns:
        return df[col].fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def _est_ci_cell(r: pd.Series, estimate: str, ci_low: str | None, ci_high: str | None, scale: float, digits: int,
                 lang: str) -> str:
    """ "12.3 (10.0–15.0)" for a profile cell."""
    e = fmt_num(r[estimate] * scale if pd.notna(r[estimate]) else np.nan, digits, lang)
    ci = fmt_ci(r[ci_low] * scale, r[ci_high] * scale, digits, lang) if ci_low and ci_high else ""
    return f"{e} ({ci})" if ci else e


def _table_notes(lang: str, source: str, notes: Sequence[str], *first: Any) -> list[str]:
    """Footnotes in display order: rule/flag notes given first (falsy skipped), extra notes, the source."""
    return [f for f in first if f] + [x for x in notes if x] + [_source_line(source, lang)]


def _rule_text(rule: str, lang: str) -> str:
    try:
        return SUPPRESSION_RULES[rule][lang]
    except KeyError:
        raise InputError(f"unknown reliability rule {rule!r}; use one of {', '.join(SUPPRESSION_RULES)} "
                         "or pass suppression_rule= with the footnote text") from None


def _source_line(source: str, lang: str) -> str:
    prefix = i18n.t("common.source_prefix", lang)
    return source if source.lower().startswith("source") else prefix + source


# --------------------------------------------------------------------------- builders


@arguments(renamed("df", "data"), renamed("flags", "flag", since="0.4"))
def estimate_table(
    data: pd.DataFrame,
    labels: str | Sequence[str],
    *,
    source: str,
    estimate: str = ESTIMATE,
    ci_low: str | None = CI_LOW,
    ci_high: str | None = CI_HIGH,
    n: str | None = N,
    suppressed: str | None = SUPPRESSED,
    flag: str | None = FLAG,
    group: str | None = None,
    scale: float = 100.0,
    digits: int = 1,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "en",
    column_labels: Mapping[str, str] | None = None,
    estimate_label: str | None = None,
    ci_label: str | None = None,
    suppression_rule: str | None = None,
    rule: str = "nchs",
    notes: Sequence[str] = (),
) -> PubTable:
    """Table of estimates: n (unweighted), estimate (%), 95% CI, suppression marks.

    Parameters
    ----------
    data
        Tidy estimates (survey results or any table with the named columns).
    labels
        Column(s) that identify a row (e.g. ``"level"`` or ``["sex", "age"]``).
    source
        Source note (required).
    estimate, ci_low, ci_high, n, suppressed, flag
        Column names; ``None`` (or a missing ``n``/``suppressed``/``flag`` column) leaves that part out.
    group
        Column to group rows by (great_tables row groups).
    scale, digits
        Multiplier of estimates and bounds (``100``: proportions -> %); decimals.
    title, subtitle, lang
        Header; ``"en"`` or ``"fr"``.
    column_labels, estimate_label, ci_label
        Display names of the ``labels``/``group`` columns; headers of the estimate and interval columns.
    suppression_rule, rule
        Footnote for ``*`` (shown when a row is suppressed), default the text of ``rule``
        (``"nchs"`` or ``"nsduh"``, :mod:`drugtrends.survey.reliability`).
    notes
        Extra footnotes.

    Returns
    -------
    PubTable

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"level": ["Men", "Women"], "estimate": [0.039, 0.016],
    ...                   "ci_low": [0.035, 0.01], "ci_high": [0.043, 0.02],
    ...                   "n": [1200, 15], "suppressed": [False, True]})
    >>> t = estimate_table(d, "level", source="Survey X")
    >>> t.data.to_dict("list")["Estimate (%)"]
    ['3.9', '*']
    >>> t.notes[0].startswith("* Estimate suppressed")
    True
    """
    df = data
    if not i18n.check_lang(lang) or not source:
        raise InputError("estimate_table: 'source' is required.")
    labels = [labels] if isinstance(labels, str) else list(labels)
    require_columns(df, [c for c in labels + [estimate, ci_low, ci_high, group] if c], what="estimate_table: column")
    names = dict(column_labels or {})
    supp = _flag_column(df, suppressed)
    flg = (df[flag].fillna("").astype(str) if flag and flag in df.columns
           else pd.Series("", index=df.index))
    est_h = estimate_label or i18n.t("tables.estimate_pct", lang)
    ci_h = ci_label or i18n.t("common.ci95", lang)
    n_h = i18n.t("tables.n_unweighted", lang)
    out = pd.DataFrame(index=df.index)
    if group:
        out[names.get(group, group)] = df[group].astype(str)
    for c in labels:
        out[names.get(c, c)] = df[c].astype(str)
    if n and n in df.columns:
        out[n_h] = [fmt_num(v, 0, lang, thousands=True) for v in df[n]]
    est = [fmt_num(v * scale if pd.notna(v) else v, digits, lang) for v in df[estimate]]
    flagged = (~supp) & (flg.str.len() > 0)
    out[est_h] = ["*" if s else (e + "\u2020" if f else e) for e, s, f in zip(est, supp, flagged)]
    if ci_low and ci_high:
        out[ci_h] = ["" if s else fmt_ci(lo * scale, hi * scale, digits, lang)
                     for lo, hi, s in zip(df[ci_low].astype(float), df[ci_high].astype(float), supp)]
    out = out.reset_index(drop=True)
    reasons = sorted({r.strip() for f in flg[flagged] for r in f.split(";") if r.strip()})
    all_notes = _table_notes(lang, source, notes, supp.any() and (suppression_rule or _rule_text(rule, lang)),
                             reasons and i18n.t("tables.flag_note", lang, reasons=", ".join(reasons)))
    gcol = names.get(group, group) if group else None
    right = [n_h, est_h, ci_h]
    return PubTable(_gt(out, title=title, subtitle=subtitle, notes=all_notes, group=gcol,
                        align_right=right),
                    out, title, subtitle, all_notes, gcol, right)


@arguments(renamed("df", "data"))
def profile_table_gt(
    data: pd.DataFrame,
    *,
    columns: str,
    source: str,
    variable: str = "variable",
    level: str = "level",
    estimate: str = ESTIMATE,
    ci_low: str | None = CI_LOW,
    ci_high: str | None = CI_HIGH,
    suppressed: str | None = SUPPRESSED,
    scale: float = 100.0,
    digits: int = 1,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "en",
    variable_labels: Mapping[str, str] | None = None,
    column_labels: Mapping[Any, str] | None = None,
    column_n: Mapping[Any, int] | None = None,
    suppression_rule: str | None = None,
    rule: str = "nchs",
    notes: Sequence[str] = (),
) -> PubTable:
    """Table-1-style profile: characteristics (rows) by group (columns), "% (95% CI)".

    Parameters
    ----------
    data
        Tidy long result: one row per (group, variable, level) with an
        estimate (column percentage) and its CI.
    columns
        Column whose values become table columns (e.g. users / non-users, or
        survey cycle).
    source
        Source note (required).
    variable, level, estimate, ci_low, ci_high, suppressed
        Column names.
    scale, digits
        Display scale (``100`` for proportions) and decimals.
    title, subtitle, lang
        Header; ``"en"`` or ``"fr"``.
    variable_labels, column_labels
        Display name per variable (row groups); per column value.
    column_n
        Unweighted n per column value, shown in the header as ``(n = ...)``.
    suppression_rule, rule, notes
        Footnote for ``*`` (default: the text of ``rule``, ``"nchs"`` or ``"nsduh"``); extra footnotes.

    Returns
    -------
    PubTable

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"users": ["Yes", "Yes", "No", "No"],
    ...                   "variable": ["sex"] * 4, "level": ["Men", "Women"] * 2,
    ...                   "estimate": [0.6, 0.4, 0.45, 0.55], "ci_low": [0.55, 0.35, 0.4, 0.5],
    ...                   "ci_high": [0.65, 0.45, 0.5, 0.6], "suppressed": [False] * 4})
    >>> t = profile_table_gt(d, columns="users", source="NHANES")
    >>> t.data.iloc[0].tolist()
    ['sex', 'Men', '60.0 (55.0\\u201365.0)', '45.0 (40.0\\u201350.0)']
    """
    df = data
    style.check_lang(lang)
    if not source:
        raise InputError("profile_table_gt: 'source' is required.")
    require_columns(df, [c for c in (columns, variable, level, estimate, ci_low, ci_high) if c],
                    what="profile_table_gt: column")
    supp = _flag_column(df, suppressed)
    long = df[[columns, variable, level]].copy()
    long["_cell"] = ["*" if supp.loc[i] else _est_ci_cell(r, estimate, ci_low, ci_high, scale, digits, lang)
                     for i, r in df.iterrows()]
    vlab = dict(variable_labels or {})
    clab = dict(column_labels or {})
    col_order = list(dict.fromkeys(df[columns].tolist()))
    row_order = list(dict.fromkeys(zip(df[variable], df[level])))
    wide = long.pivot_table(index=[variable, level], columns=columns, values="_cell",
                            aggfunc="first", sort=False)
    wide = wide.reindex(index=pd.MultiIndex.from_tuples(row_order, names=[variable, level]),
                        columns=col_order)
    head_var = i18n.t("tables.variable", lang)
    head_lev = i18n.t("tables.level", lang)
    out = pd.DataFrame({
        head_var: [vlab.get(v, v) for v, _ in row_order],
        head_lev: [str(lv) for _, lv in row_order],
    })
    for c in col_order:
        h = str(clab.get(c, c))
        if column_n and c in column_n:
            h += " (" + i18n.t("tables.n_eq", lang, n=fmt_num(column_n[c], 0, lang, thousands=True)) + ")"
        out[h] = wide[c].fillna("").to_numpy()
    all_notes = [i18n.t("tables.cells_note", lang)] + _table_notes(
        lang, source, notes, supp.any() and (suppression_rule or _rule_text(rule, lang)))
    right = [c for c in out.columns if c not in (head_var, head_lev)]
    return PubTable(_gt(out, title=title, subtitle=subtitle, notes=all_notes, group=head_var,
                        align_right=right),
                    out, title, subtitle, all_notes, head_var, right)


def segments_table(
    result: Any,
    *,
    source: str,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "en",
    digits: int = 1,
    x_format: Any = None,
    notes: Sequence[str] = (),
    group: str | None = None,
    group_labels: Mapping[Any, str] | None = None,
) -> PubTable:
    """Joinpoint segments: start, end, APC with 95% CI (and the AAPC when given).

    With ``group`` (a batch result of ``joinpoint(..., by=[group])``), rows
    are grouped by series, segments numbered within each, and each series'
    AAPC over its whole period is a footnote.

    Parameters
    ----------
    result
        A :func:`drugtrends.trends.joinpoint` result (its ``.segments`` and
        ``.aapc`` frames, column names of :mod:`drugtrends.trends.columns`), or
        a segments DataFrame itself.
    source
        Source note (required).
    title, subtitle, lang, digits
        Header; ``"en"`` or ``"fr"``; decimals.
    x_format
        Callable formatting segment ends (e.g. decimal year -> "2016-07").
    notes
        Extra footnotes.
    group, group_labels
        Group column of a batch result (``by=``), shown as row groups; display label per group value.

    Returns
    -------
    PubTable

    Examples
    --------
    >>> import pandas as pd
    >>> segs = pd.DataFrame({"x_start": [2015, 2017], "x_end": [2017, 2018], "apc": [22.14, 5.1],
    ...                      "apc_ci_low": [20.0, 3.0], "apc_ci_high": [24.0, 7.0]})
    >>> t = segments_table(segs, source="CDC")
    >>> t.data.iloc[0].tolist()
    ['1', '2015', '2017', '22.1', '20.0\\u201324.0']
    """
    from drugtrends.trends import columns as C

    i18n.check_lang(lang)
    if not source:
        raise InputError("segments_table: 'source' is required.")
    segs = result if isinstance(result, pd.DataFrame) else getattr(result, "segments", None)
    if not isinstance(segs, pd.DataFrame):
        raise InputError("segments_table: pass a joinpoint result (drugtrends.trends.joinpoint) or its "
                         f".segments DataFrame; got {type(result).__name__}.")
    require_columns(segs, [c for c in (C.X_START, C.X_END, C.APC, group) if c], what="segments_table: column")
    has_ci = {C.APC_CI_LOW, C.APC_CI_HIGH} <= set(segs.columns)
    xf = x_format or (lambda v: fmt_num(v, 0 if float(v).is_integer() else 2, lang)
                      if isinstance(v, (int, float, np.integer, np.floating)) else str(v))
    glab = dict(group_labels or {})
    order = list(dict.fromkeys(segs[group])) if group else [None]
    segs = (segs.assign(_g=segs[group].map({g: i for i, g in enumerate(order)})).sort_values(["_g", C.X_START])
            if group else segs.sort_values(C.X_START)).reset_index(drop=True)
    number = segs.groupby(group, sort=False).cumcount() + 1 if group else pd.Series(range(1, len(segs) + 1))
    h_apc = i18n.t("tables.apc_pct", lang)
    h_ci = i18n.t("common.ci95", lang)
    h_group = i18n.t("tables.group", lang)
    out = pd.DataFrame({
        i18n.t("tables.segment", lang): [str(i) for i in number],
        i18n.t("tables.start", lang): [xf(v) for v in segs[C.X_START]],
        i18n.t("tables.end", lang): [xf(v) for v in segs[C.X_END]],
        h_apc: [fmt_num(v, digits, lang) for v in segs[C.APC]],
        h_ci: ([fmt_ci(a, b, digits, lang) for a, b in zip(segs[C.APC_CI_LOW], segs[C.APC_CI_HIGH])]
               if has_ci else ""),
    })
    if group:
        out.insert(0, h_group, [str(glab.get(g, g)) for g in segs[group]])
    aapc = None if isinstance(result, pd.DataFrame) else getattr(result, "aapc", None)
    all_notes = []
    if isinstance(aapc, pd.DataFrame) and len(aapc) and "aapc" in aapc.columns:
        firsts = aapc.groupby(group, sort=False).head(1) if group and group in aapc.columns else aapc.head(1)
        for _, r in firsts.iterrows():
            val = i18n.fmt_percent(r["aapc"], digits, lang)
            ci = fmt_ci(r.get(C.CI_LOW), r.get(C.CI_HIGH), digits, lang)
            line = (i18n.t("tables.aapc_line", lang, value=val, ci=ci, ci_label=i18n.t("common.ci95", lang))
                    if ci else i18n.t("tables.aapc_line_noci", lang, value=val))
            if group and group in aapc.columns:
                line = f"{glab.get(r[group], r[group])}{i18n.t('common.colon', lang)}{line}"
            all_notes.append(line)
    all_notes = _table_notes(lang, source, notes, *all_notes, i18n.t("tables.apc_note", lang))
    gcol = h_group if group else None
    return PubTable(_gt(out, title=title, subtitle=subtitle, notes=all_notes, group=gcol,
                        align_right=[h_apc, h_ci]),
                    out, title, subtitle, all_notes, gcol, (h_apc, h_ci))


def show(table: Any, df_display: pd.DataFrame | None = None, **md_kwargs: Any) -> None:
    """Display a table with both ``text/html`` and ``text/markdown`` representations.

    HTML output should take ``text/html``; PDF (typst) output ``text/markdown``.

    Parameters
    ----------
    table
        A :class:`PubTable`, or a :class:`great_tables.GT` together with
        ``df_display`` (its content as strings) for the Markdown twin.
    df_display
        Required when ``table`` is a bare GT.
    **md_kwargs
        Passed to :func:`as_markdown` (``title``, ``notes``, ``group``).

    Returns
    -------
    None

    Examples
    --------
    >>> import pandas as pd
    >>> show(estimate_table(pd.DataFrame({"level": ["a"], "estimate": [0.5], "ci_low": [0.4],
    ...      "ci_high": [0.6]}), "level", source="x"))  # doctest: +ELLIPSIS
    {'text/html': ...}
    """
    from IPython.display import display

    if isinstance(table, PubTable):
        bundle = table._repr_mimebundle_()
    else:
        if df_display is None:
            raise InputError("show: pass df_display (the table's content) with a bare GT table, "
                             "so the PDF output gets a Markdown table.")
        bundle = {"text/html": table.as_raw_html(), "text/markdown": as_markdown(df_display, **md_kwargs),
                  "text/plain": df_display.to_string(index=False)}
    display(bundle, raw=True)


@arguments(renamed("df", "data"))
def simple_table(
    data: pd.DataFrame,
    *,
    source: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    notes: Sequence[str] = (),
    group: str | None = None,
    lang: str = "en",
    align_right: Sequence[str] = (),
) -> PubTable:
    """A plain table (cells shown as given, as text) in the house format.

    For tables that are not estimates (data sources, file checksums, software
    versions). Cells are converted to strings; missing values become empty.

    Parameters
    ----------
    data
        The table to show.
    source
        Source note (optional here: e.g. a software table has none).
    title, subtitle
        Header.
    notes
        Footnotes.
    group
        Column to group rows by.
    lang
        ``"en"`` or ``"fr"``.
    align_right
        Columns to right-align (numbers).

    Returns
    -------
    PubTable

    Examples
    --------
    >>> import pandas as pd
    >>> t = simple_table(pd.DataFrame({"package": ["numpy"], "version": ["2.4.0"]}))
    >>> t.data.iloc[0].tolist()
    ['numpy', '2.4.0']
    """
    df = data
    style.check_lang(lang)
    out = df.copy().reset_index(drop=True)
    for c in out.columns:
        out[c] = ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in out[c]]
    all_notes = [x for x in notes if x]
    if source:
        all_notes.append(_source_line(source, lang))
    return PubTable(_gt(out, title=title, subtitle=subtitle, notes=all_notes, group=group,
                        align_right=align_right),
                    out, title, subtitle, all_notes, group, tuple(align_right))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
