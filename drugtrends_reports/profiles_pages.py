"""Report items of the NSDUH 2022 profile: key issues, data-years table, tables and figure.

Takes the frozen results of :mod:`drugtrends_reports.profiles_nsduh` (held
by :class:`drugtrends_reports.profiles.Context`) and returns Markdown
strings, :class:`~drugtrends_reports.common.Fig` and publication tables, every
text from the catalogue (``profiles.nsduh.*``), every number formatted by
:mod:`drugtrends.i18n` for the page's language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from drugtrends import i18n, plots, tables
from drugtrends_reports import common
from drugtrends_reports.profiles_nsduh import CHARACTERISTICS, COHORT_SUBSTANCES, SUBSTANCES, band_names

__all__ = [
    "LEVEL_SECTIONS", "fmt_p", "p_cell", "key_figures", "pct_ci", "millions", "level_label", "key_issues", "data_years_table",
    "overall_table", "substance_table", "age_figure", "forms_table", "onset_table", "cohort_table",
    "women_older_table", "onset_figure", "nsduh_section",
]

#: Characteristic -> ``levels:`` sub-section of its categories.
LEVEL_SECTIONS = {"sex": "sex", "age_samhsa": "age_samhsa", "age_50": "age_50", "is_50plus": "is_50plus",
                  "race_ethnicity": "nsduh_race_ethnicity", "education": "nsduh_education",
                  "income": "nsduh_income", "county_type": "nsduh_county_type"}
_K = "profiles.nsduh."


def fmt_p(p: float, lang: str) -> str:
    """A p-value for prose: ``p < 0.001`` or ``p = 0.018``.

    Examples
    --------
    >>> fmt_p(2e-15, "en"), fmt_p(0.0184, "en")
    ('p < 0.001', 'p = 0.018')
    """
    if p < 0.001:
        return i18n.t(_K + "p_less", lang, value=i18n.fmt_number(0.001, 3, lang))
    return i18n.t(_K + "p_eq", lang, value=i18n.fmt_number(p, 3, lang))


def p_cell(p: float, lang: str) -> str:
    """A p-value for a table cell: ``< 0.001`` or ``0.018``.

    Examples
    --------
    >>> p_cell(1e-9, "fr"), p_cell(0.0184, "fr")
    ('< 0,001', '0,018')
    """
    return "< " + i18n.fmt_number(0.001, 3, lang) if p < 0.001 else i18n.fmt_number(p, 3, lang)


def pct_ci(r: Any, lang: str, digits: int = 1) -> str:
    """``15.1 (14.4–15.8)`` from a row with ``estimate``, ``ci_low``, ``ci_high`` (proportions); ``*`` if suppressed.

    Examples
    --------
    >>> pct_ci(pd.Series({"estimate": 0.1507, "ci_low": 0.1438, "ci_high": 0.1579, "suppressed": False}), "fr")
    '15,1 (14,4–15,8)'
    """
    if bool(r.get("suppressed", False)):
        return "*"
    return (f"{i18n.fmt_number(100 * r['estimate'], digits, lang)} "
            f"({i18n.fmt_ci(r['ci_low'], r['ci_high'], digits, lang, scale=100)})")


def millions(value: float, lang: str, low: float | None = None, high: float | None = None) -> str:
    """A weighted total in millions (``42.5``), with its interval when given.

    Examples
    --------
    >>> millions(42_508_050, "en", 39_860_010, 45_156_090)
    '42.5 (39.9–45.2)'
    """
    s = i18n.fmt_number(value / 1e6, 1, lang)
    if low is None or high is None:
        return s
    return f"{s} ({i18n.fmt_ci(low / 1e6, high / 1e6, 1, lang)})"


def level_label(characteristic: str, value: Any, lang: str) -> str:
    """Display label of one category (``levels.<section>.<slug>``; the raw value if the catalogue has none)."""
    return i18n.level(LEVEL_SECTIONS.get(characteristic, characteristic), value, lang, default=str(value))


def _drug(s: str, lang: str, capital: bool = False) -> str:
    name = i18n.t(_K + f"drug.{s}", lang)
    return common.capitalise(name) if capital else name


def _row(life: pd.DataFrame, substance: str, characteristic: str = "total", level: str = "total") -> pd.Series:
    m = (life["substance"] == substance) & (life["characteristic"] == characteristic) & (life["level"] == level)
    return life[m].iloc[0]


def _pct(r: pd.Series, lang: str) -> str:
    return i18n.fmt_percent(r["estimate"], 1, lang, scale=100)


def key_figures(ctx):
    """The key-figures box: lifetime use of cocaine and crack (12+) and the 50+ share of cocaine users, with CIs."""
    from drugtrends.keyfigures import KeyFigure, KeyFigures

    lang, life = ctx.lang, ctx.nsduh["lifetime"]
    wo = ctx.nsduh["women_older"]
    old = wo[(wo["substance"] == "cocaine") & (wo["group"] == "is_50plus")].iloc[0]
    pop = i18n.t(_K + "kf_population", lang)
    items = []
    for s in ("cocaine", "crack"):
        r = _row(life, s)
        items.append(KeyFigure(i18n.t(_K + f"kf_{s}", lang), 100 * r["estimate"], low=100 * r["ci_low"],
                               high=100 * r["ci_high"], year=2022, population=pop, compare=False,
                               note=i18n.t(_K + "kf_people", lang, people=millions(r["people"], lang))))
    items.append(KeyFigure(i18n.t(_K + "kf_older", lang), 100 * old["estimate"], low=100 * old["ci_low"],
                           high=100 * old["ci_high"], year=2022, population=i18n.t(_K + "kf_users", lang),
                           compare=False, note=i18n.t(_K + "kf_people", lang, people=millions(old["people"], lang))))
    return KeyFigures(items, lang=lang, title="")


def key_issues(ctx) -> str:
    """The "Key issues" bullets: 7 findings, each with its numbers (Markdown list)."""
    lang, life = ctx.lang, ctx.nsduh["lifetime"]
    coc, crk = _row(life, "cocaine"), _row(life, "crack")
    men, women = _row(life, "cocaine", "sex", "male"), _row(life, "cocaine", "sex", "female")
    old = _row(life, "cocaine", "age_50", "50plus")
    d = ctx.nsduh["sex_difference"]
    wo = ctx.nsduh["women_older"]
    old_share = wo[(wo["substance"] == "cocaine") & (wo["group"] == "is_50plus")].iloc[0]
    forms = ctx.nsduh["forms"]

    def share(form: str, char: str, level: str) -> str:
        r = forms[(forms["group_value"] == form) & (forms["characteristic"] == char) & (forms["level"] == level)]
        return i18n.fmt_percent(r["estimate"].iloc[0], 0, lang, scale=100)

    p_income = forms.loc[forms["characteristic"] == "income", "p_value"].iloc[0]
    q = ctx.nsduh["onset"].set_index("substance")
    coh = ctx.nsduh["cohorts"]
    c25 = coh[(coh["substance"] == "cocaine") & (coh["limit"] == 25)].set_index("age_group")
    years = {s: i18n.fmt_number(q.loc[s, "median"], 0, lang) for s in ("cocaine", "cannabis")}
    others = {s: _pct(_row(life, s), lang) for s in ("cannabis", "hallucinogens", "methamphetamine", "heroin")}
    bullets = [
        i18n.t(_K + "key.cocaine", lang, pct=_pct(coc, lang), people=millions(coc["people"], lang),
               crack_pct=_pct(crk, lang), crack_people=millions(crk["people"], lang)),
        i18n.t(_K + "key.others", lang, **others),
        i18n.t(_K + "key.sex", lang, men=_pct(men, lang), women=_pct(women, lang),
               diff=i18n.fmt_number(100 * d["estimate"], 1, lang), p=fmt_p(d["p"], lang),
               women_people=millions(women["people"], lang)),
        i18n.t(_K + "key.older", lang, pct=_pct(old, lang),
               share=i18n.fmt_percent(old_share["estimate"], 0, lang, scale=100),
               people=millions(old_share["people"], lang)),
        i18n.t(_K + "key.crack", lang, crack_low=share("crack", "income", "Less than $20,000"),
               powder_low=share("powder", "income", "Less than $20,000"), p=fmt_p(p_income, lang),
               crack_black=share("crack", "race_ethnicity", "Black"),
               powder_black=share("powder", "race_ethnicity", "Black")),
        i18n.t(_K + "key.onset", lang, cocaine=years["cocaine"], cannabis=years["cannabis"],
               q25=i18n.fmt_number(q.loc["cocaine", "q25"], 0, lang),
               q75=i18n.fmt_number(q.loc["cocaine", "q75"], 0, lang)),
        i18n.t(_K + "key.cohort", lang, **{k: i18n.fmt_percent(c25.loc[g, "estimate"], 1, lang, scale=100)
                                          for k, g in (("young", "26-29"), ("mid", "50-64"), ("old", "65+"))}),
    ]
    return "\n".join(f"- {b}" for b in bullets) + "\n"


def data_years_table(ctx):
    """Each source of the report: latest period, final or provisional, population, ages, use."""
    lang = ctx.lang
    cols = ["source", "period", "status", "population", "ages", "use"]
    rows = []
    for src, present in ctx.available.items():
        vals = {c: i18n.t(_K + f"data.{src}.{c}", lang, year=ctx.teds_year) for c in cols}
        if not present:
            vals["period"], vals["status"] = "—", i18n.t(_K + "data.not_here", lang)
        rows.append(vals)
    out = pd.DataFrame(rows, columns=cols).rename(columns={c: i18n.t(_K + f"data.col_{c}", lang) for c in cols})
    return tables.simple_table(out, title=i18n.t(_K + "data.title", lang), lang=lang)


def overall_table(ctx):
    """Lifetime use of the six drugs, everyone aged 12+: % (CI), millions (CI), respondents."""
    lang, life = ctx.lang, ctx.nsduh["lifetime"]
    rows = [{i18n.t(_K + "col_drug", lang): _drug(s, lang, True), i18n.t(_K + "col_pct", lang): pct_ci(r, lang),
             i18n.t(_K + "col_people", lang): millions(r["people"], lang, r["people_low"], r["people_high"]),
             i18n.t(_K + "col_n", lang): i18n.fmt_number(r["n"], 0, lang)}
            for s in SUBSTANCES for r in [_row(life, s)]]
    df = pd.DataFrame(rows)
    return tables.simple_table(df, title=i18n.t(_K + "t_overall", lang), source=common.source("nsduh_2022", lang),
                               lang=lang, align_right=list(df.columns[1:]))


def substance_table(ctx, substances: tuple[str, ...]):
    """Lifetime use of a few drugs by characteristic: % (95% CI) and millions of people side by side."""
    lang, life = ctx.lang, ctx.nsduh["lifetime"]
    ch, lv = i18n.t(_K + "col_characteristic", lang), i18n.t(_K + "col_level", lang)
    cn = i18n.t(_K + "col_n", lang)
    cols = ({substances[0]: (i18n.t(_K + "col_pct", lang), i18n.t(_K + "col_people", lang))}
            if len(substances) == 1 else
            {s: (i18n.t(_K + "col_drug_pct", lang, drug=_drug(s, lang, True)),
                 i18n.t(_K + "col_drug_people", lang, drug=_drug(s, lang, True))) for s in substances})
    first = life[life["substance"] == substances[0]]
    rows = []
    for c in ("total", *CHARACTERISTICS):
        for level, n in zip(first.loc[first["characteristic"] == c, "level"], first.loc[first["characteristic"] == c, "n"]):
            row = {ch: i18n.t(_K + f"var.{c}", lang),
                   lv: i18n.t(_K + "total_row", lang) if c == "total" else level_label(c, level, lang)}
            for s in substances:
                r = _row(life, s, c, level)
                row[cols[s][0]] = pct_ci(r, lang)
                row[cols[s][1]] = "*" if r["suppressed"] else millions(
                    r["people"], lang, *((r["people_low"], r["people_high"]) if len(substances) == 1 else ()))
            row[cn] = i18n.fmt_number(n, 0, lang)
            rows.append(row)
    df = pd.DataFrame(rows)
    drugs = i18n.join_words([i18n.t(_K + f"drug_of.{s}", lang) for s in substances], lang)
    sup = life[life["substance"].isin(substances)]["suppressed"].any()
    notes = [i18n.t(_K + "table_note", lang)] + ([i18n.t(_K + "suppressed_note", lang)] if sup else [])
    return tables.simple_table(df, title=i18n.t(_K + "t_substances", lang, drugs=drugs), group=ch,
                               source=common.source("nsduh_2022", lang), lang=lang, notes=notes,
                               align_right=[c for pair in cols.values() for c in pair] + [cn])


def age_figure(ctx) -> common.Fig:
    """Bars with CIs: lifetime use of each drug in the age groups 12-17, 18-25, 26+ and 50+."""
    lang, life = ctx.lang, ctx.nsduh["lifetime"]
    a = life[life["characteristic"].isin(["age_samhsa", "age_50"])].copy()
    a["drug"] = [_drug(s, lang, True) for s in a["substance"]]
    a["age"] = [level_label(c, v, lang) for c, v in zip(a["characteristic"], a["level"])]
    order = {s: i for i, s in enumerate(SUBSTANCES)}
    a = a.assign(_o=a["substance"].map(order)).sort_values(["_o"], kind="stable")
    title = i18n.t(_K + "f_age", lang)
    import matplotlib.pyplot as plt

    from drugtrends import style

    _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 4.6))  # 24 bars: lower than the default, fits half a page
    fig = plots.bar_ci(a, "drug", "estimate", "ci_low", "ci_high", group="age", scale=100, lang=lang, ax=ax,
                       title=title, xlabel=i18n.t(_K + "xlabel_pct", lang), source=common.source("nsduh_2022", lang))
    cann = a[a["substance"] == "cannabis"]
    summary = i18n.join_words([f"{g} {i18n.fmt_percent(e, 1, lang, scale=100)}"
                               for g, e in zip(cann["age"], cann["estimate"])], lang)
    return common.Fig(fig, i18n.t(_K + "f_age_alt", lang, summary=f"{_drug('cannabis', lang, True)}: {summary}"))


def forms_table(ctx):
    """Crack users against powder-only cocaine users: column % (CI) and the Rao-Scott p of each block."""
    lang, f = ctx.lang, ctx.nsduh["forms"]
    n = f.groupby("group_value")["n_total"].max()
    ch, lv = i18n.t(_K + "col_characteristic", lang), i18n.t(_K + "col_level", lang)
    cc = i18n.t(_K + "col_crack", lang, n=i18n.fmt_number(n["crack"], 0, lang))
    cw = i18n.t(_K + "col_powder", lang, n=i18n.fmt_number(n["powder"], 0, lang))
    cpv = i18n.t(_K + "col_p", lang)
    rows = []
    for c in dict.fromkeys(f["characteristic"]):
        block = f[f["characteristic"] == c]
        levels = [lv_ for lv_ in dict.fromkeys(block["level"])
                  if not (c == "is_50plus" and str(lv_) not in ("1", "1.0"))]
        for i, level in enumerate(levels):
            get = {g: block[(block["group_value"] == g) & (block["level"] == level)].iloc[0] for g in ("crack", "powder")}
            rows.append({ch: i18n.t(_K + f"var.{c}", lang),
                         lv: level_label(c, "1_0" if c == "is_50plus" else level, lang),
                         cc: pct_ci(get["crack"], lang), cw: pct_ci(get["powder"], lang),
                         cpv: p_cell(get["crack"]["p_value"], lang) if i == 0 else ""})
    df = pd.DataFrame(rows)
    return tables.simple_table(df, title=i18n.t(_K + "t_forms", lang), group=ch, source=common.source("nsduh_2022", lang),
                               lang=lang, align_right=[cc, cw, cpv],
                               notes=[i18n.t(_K + "forms_note", lang)] + ([i18n.t(_K + "suppressed_note", lang)]
                                                                          if f["suppressed"].any() else []))


def onset_table(ctx):
    """Median age at first use (CI), quartiles and the distribution of ages at first use, by drug."""
    lang, q, dist = ctx.lang, ctx.nsduh["onset"].set_index("substance"), ctx.nsduh["onset_dist"]
    rows = []
    for s in SUBSTANCES:
        r = q.loc[s]
        row = {i18n.t(_K + "col_drug", lang): _drug(s, lang, True),
               i18n.t(_K + "col_median", lang): f"{i18n.fmt_number(r['median'], 0, lang)} "
                                                f"({i18n.fmt_ci(r['median_low'], r['median_high'], 0, lang)})",
               i18n.t(_K + "col_quartiles", lang): i18n.fmt_ci(r["q25"], r["q75"], 0, lang)}
        for b in band_names():
            d = dist[(dist["substance"] == s) & (dist["band"] == b)].iloc[0]
            row[i18n.level("onset_band", b, lang)] = "*" if d["suppressed"] else i18n.fmt_number(
                100 * d["estimate"], 0, lang)
        row[i18n.t(_K + "col_n", lang)] = i18n.fmt_number(r["n"], 0, lang)
        rows.append(row)
    df = pd.DataFrame(rows)
    return tables.simple_table(df, title=i18n.t(_K + "t_onset", lang), source=common.source("nsduh_2022", lang),
                               lang=lang, notes=[i18n.t(_K + "onset_note", lang)], align_right=list(df.columns[1:]))


def cohort_table(ctx, substances=("cannabis", "cocaine")):
    """Share of each age group who had used before 18 / before 25 (cumulative incidence by cohort)."""
    lang, coh = ctx.lang, ctx.nsduh["cohorts"]
    coh = coh[coh["substance"].isin([s for s in substances if s in COHORT_SUBSTANCES])]
    ag = i18n.t(_K + "col_age_group", lang)
    groups = list(dict.fromkeys(coh.sort_values("limit")["age_group"]))
    cols = [(s, lim) for s in substances for lim in (18, 25)]
    rows = []
    for g in groups:
        row = {ag: g}
        for s, lim in cols:
            r = coh[(coh["substance"] == s) & (coh["limit"] == lim) & (coh["age_group"] == g)]
            row[i18n.t(_K + "col_before", lang, drug=_drug(s, lang, True), age=lim)] = (
                pct_ci(r.iloc[0], lang) if len(r) else "—")
        rows.append(row)
    df = pd.DataFrame(rows)
    return tables.simple_table(df, title=i18n.t(_K + "t_cohorts", lang), source=common.source("nsduh_2022", lang),
                               lang=lang, notes=[i18n.t(_K + "cohorts_note", lang)], align_right=list(df.columns[1:]))


def women_older_table(ctx):
    """Women and people aged 50+ among lifetime users of each drug: % (CI) and millions."""
    lang, w = ctx.lang, ctx.nsduh["women_older"]
    rows = []
    for s in SUBSTANCES:
        f = w[(w["substance"] == s) & (w["group"] == "female")].iloc[0]
        o = w[(w["substance"] == s) & (w["group"] == "is_50plus")].iloc[0]
        rows.append({i18n.t(_K + "col_drug", lang): _drug(s, lang, True),
                     i18n.t(_K + "col_women_pct", lang): pct_ci(f, lang),
                     i18n.t(_K + "col_women_people", lang): millions(f["people"], lang),
                     i18n.t(_K + "col_older_pct", lang): pct_ci(o, lang),
                     i18n.t(_K + "col_older_people", lang): millions(o["people"], lang)})
    df = pd.DataFrame(rows)
    return tables.simple_table(df, title=i18n.t(_K + "t_women_older", lang), source=common.source("nsduh_2022", lang),
                               lang=lang, align_right=list(df.columns[1:]))


def onset_figure(ctx, substance: str = "cocaine") -> common.Fig:
    """Survey Kaplan-Meier curves: share who had used the drug by each age, one line per cohort (age group)."""
    from drugtrends import plots

    lang, km = ctx.lang, ctx.nsduh[f"km_{substance}"]
    drug = i18n.t(_K + f"drug_of.{substance}", lang)
    labels = {c: i18n.t(_K + "km_cohort_plus", lang, age=c[:-1]) if c.endswith("+") else
              i18n.t(_K + "km_cohort", lang, ages=c) for c in dict.fromkeys(km["cohort"])}
    fig = plots.trend_plot(km, "age", "estimate", "ci_low", "ci_high", group="cohort", scale=100, lang=lang,
                           title=i18n.t(_K + "f_km", lang, drug=drug), xlabel=i18n.t(_K + "km_xlabel", lang),
                           ylabel=i18n.t(_K + "km_ylabel", lang, drug=drug), source=common.source("nsduh_2022", lang),
                           group_labels=labels, band_label=i18n.t(_K + "km_band", lang))
    last = km.groupby("cohort").tail(1)
    summary = i18n.join_words([i18n.t(_K + "km_point", lang, cohort=labels[r.cohort], age=r.age,
                                      pct=i18n.fmt_percent(r.estimate, 1, lang, scale=100))
                               for r in last.itertuples()], lang)
    return common.Fig(fig, i18n.t(_K + "f_km_alt", lang, drug=drug, summary=summary))


def nsduh_section(ctx) -> list:
    """Items of the NSDUH 2022 profile (after the key issues and the data-years table)."""
    lang, r = ctx.lang, ctx.nsduh
    if r is None:
        return [i18n.t(_K + "missing", lang)]
    life = r["lifetime"]
    items: list = [common.heading(2, _K + "h_lifetime", lang), i18n.t(_K + "lifetime_intro", lang),
                   overall_table(ctx)]
    items += [substance_table(ctx, (s,)) for s in SUBSTANCES] + [age_figure(ctx)]
    items += [common.heading(2, _K + "h_women_older", lang), i18n.t(_K + "women_older_intro", lang),
              women_older_table(ctx)]
    coc, crk = _row(life, "cocaine"), _row(life, "crack")
    items += [common.heading(2, _K + "h_forms", lang),
              i18n.t(_K + "forms_intro", lang, cocaine=millions(coc["people"], lang),
                     crack=millions(crk["people"], lang)), forms_table(ctx),
              common.heading(2, _K + "h_onset", lang), i18n.t(_K + "onset_intro", lang), onset_table(ctx),
              common.heading(3, _K + "h_cohorts", lang), i18n.t(_K + "cohorts_intro", lang), cohort_table(ctx),
              i18n.t(_K + "km_intro", lang), onset_figure(ctx)]
    return items
