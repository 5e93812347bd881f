"""The trends report's steps on the real mirrored data (issue 14), checked against independent references.

References: values read by hand from the published files -- UNODC 7.1 (France, cocaine hydrochloride,
kilograms: 2019 14,599; 2022 27,700; 2023 23,200), UNODC 1.2 (France cocaine 2017 1.7 and 2023 2.7,
ages 18-64; 2014 1.1, ages 15-64), the NCHS CSV read directly with pandas (age-adjusted, all persons,
all drugs: 6.1 in 1999, 21.7 in 2017, 20.7 in 2018).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends_reports import common, overdose, supply  # noqa: E402
from drugtrends_reports import trends as T  # noqa: E402
from drugtrends_reports import trends_report as R  # noqa: E402

pytestmark = pytest.mark.realdata

NCHS_CSV = "Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv"


def _load(name):
    df, msg = common.try_load(name)
    assert df is not None, msg
    return df


@pytest.fixture(scope="module")
def data(data_dir):
    """Every dataset the report reads, loaded once for the module."""
    return {name: _load(name) for name in R.DATASETS}


@pytest.fixture(scope="module")
def prev(data):
    return data["unodc_prevalence"]


@pytest.fixture(scope="module")
def sel(prev):
    return T.select_prevalence(prev)


@pytest.fixture(scope="module")
def nchs(data):
    return overdose.nchs_series(data["nchs_overdose_rates"])


@pytest.fixture(scope="module")
def ctx(data):
    """The report context without the (slow) joinpoint fits."""
    return R.build({"lang": "en"}, data=data, fit=False)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _text(items) -> str:
    return "\n".join(i for i in items if isinstance(i, str))


# ------------------------------------------------------------------ prevalence and comparability


def test_selection_is_survey_prevalence_with_ketamine_as_ketamine(sel):
    assert set(sel["indicator"]) == {"prevalence"} and set(sel["period"]) == {"past_year"}
    fr_ket = sel[(sel["country"] == "France") & (sel["substance"] == "ketamine") & (sel["year"] == 2023)]
    assert fr_ket["best"].tolist() == [0.6]
    assert "nps" not in set(sel["substance"])
    # France's opioid rows are high-risk use (indirect): never among prevalence
    assert not ((sel["country"] == "France") & (sel["substance"] == "opioids")).any()


def test_key_figure_compares_with_last_estimate_of_same_group(sel):
    """France cocaine 2017 ("cocaine salts and crack") and 2023 ("cocaine hydrochloride") are not one series
    (issue 23): no previous comparable estimate, no "+1.0 pp" change."""
    kf = T.key_figure(sel, "France", "cocaine")
    assert (kf.year, kf.best) == (2023, 2.7)
    assert T.previous_comparable(sel, kf) is None
    assert "percentage point" not in T.change_sentence(sel, kf)
    from drugtrends_reports.factsheet import prevalence_key

    k = prevalence_key(sel, "cocaine", "France", "en")
    assert (k.value, k.previous, k.change) == (2.7, None, None)
    # no earlier estimate of France's 2023 ketamine group (2003 has no stated age range)
    assert prevalence_key(sel, "ketamine", "France", "en").previous is None


def test_breaks_carry_reasons_from_the_groups_they_separate(sel):
    b = T.comparability_breaks(sel)
    fr = b[(b["country"] == "France") & (b["substance"] == "cocaine")]
    assert fr[["year", "code", "reason"]].values.tolist()[0] == [2017, "age_range", "age range changed (15-64 to 18-64)"]
    # 2023 is another scope ("cocaine hydrochloride" after "cocaine salts and crack"): a definition break
    assert fr.set_index("year").loc[2023, "code"] == "definition"
    us = b[(b["country"] == "United States") & (b["substance"] == "amphetamines")].set_index("year")
    assert "nsduh_2021_method" in us.loc[2021, "code"] and "definition" in us.loc[2021, "code"]
    assert "nsduh_2015_redesign" in us.loc[2015, "code"]
    # every break is between two different groups, and its reason is in French on a French page
    bfr = T.comparability_breaks(sel, "fr")
    assert bfr.loc[(bfr["country"] == "France") & (bfr["substance"] == "cocaine"), "reason"].iloc[0] == \
        "tranche d'âge modifiée (15-64 → 18-64)"
    assert not bfr["reason"].str.contains("changed|survey|method", regex=True).any()


@pytest.mark.parametrize("substance", T.SUBSTANCES)
def test_no_line_crosses_a_comparability_group(sel, substance):
    """Each drawn line holds points of one comparability group only (checked on the figure's artists)."""
    fig = T.prevalence_figure(sel, substance, "en")
    d = sel[sel["substance"] == substance]
    labels = {T.country_label(c): c for c in d["country"].unique()}
    n_lines = 0
    for ax in fig.axes:
        country = labels.get(ax.get_title(loc="left"))
        if country is None:
            continue
        g = d[d["country"] == country].set_index("year")
        for ln in ax.lines:
            if ln.get_gid() in ("break", "ci_cap") or ln.get_linestyle() in ("None", "none", "") or len(ln.get_xdata()) < 2:
                continue
            years = [int(round(x)) for x in ln.get_xdata()]
            if not set(years) <= set(g.index):
                continue
            groups = set(g.loc[years, "comparability_group"])
            assert len(groups) == 1, (substance, country, years, groups)
            n_lines += 1
    assert n_lines > 0
    # and the data passed to the plot has the group column the plot cuts on
    assert d["comparability_group"].notna().all()


def test_french_comparison_sentence_has_no_english(sel):
    kf = T.key_figure(sel, "France", "cocaine")
    s = T.key_sentence(kf, "fr") + " " + T.change_sentence(sel, kf, "fr")
    assert "2,7\u202f%" in s and "1,7\u202f%" not in s  # 2017 is another scope: not compared
    for w in ("past-year", "percentage", "significance", "UNODC"):
        assert w not in s


# ------------------------------------------------------------------ supply


def test_seizures_france_cocaine_in_tonnes(data_dir, ctx):
    sf = ctx.seizures
    f = sf[(sf["country"] == "France") & (sf["drug"] == "cocaine")].set_index("year")["tonnes"]
    assert f.loc[[2019, 2022, 2023]].tolist() == pytest.approx([14.599, 27.7, 23.2])
    t = supply.france_seizures_table(sf, "en")
    row = t.data[t.data["Drug"] == "Cocaine hydrochloride"].iloc[0]  # the row says what the totals cover
    assert (row["2019"], row["2022"], row["2023"]) == ("14.6", "27.7", "23.2")
    items = R.supply_section(ctx)
    assert "27.7" in "".join(str(v) for it in items if hasattr(it, "data") for v in it.data.to_numpy().ravel())
    k = supply.seizure_key(sf, "cocaine", "France", "fr")
    # no direction word for an untested change (administrative count without sampling error)
    assert (k.value, k.previous, k.previous_year, k.direction) == (23.2, 27.7, 2022, None)
    assert k.value_text("fr") == "23,2 t"


def test_seizure_rows_never_mix_categories(ctx):
    """France amphetamine 2019 (amphetamine only, 92 kg) and 2020 (all ATS, 697 kg) are two rows (issue 23)."""
    t = supply.france_seizures_table(ctx.seizures, "en").data.set_index("Drug")
    assert t.loc["Amphetamine only", "2019"] == "0.09" and t.loc["Amphetamine only", "2020"] == ""
    assert t.loc["All amphetamine-type stimulants", "2020"] == "0.70"
    assert t.loc["All amphetamine-type stimulants", "2019"] == ""


def test_coca_leaf_is_not_cocaine(data):
    seiz = data["unodc_seizures"]
    sf = supply.seizure_frame(seiz, countries={"Spain": "Spain"}, drugs={"cocaine": ("cocaine", None)})
    raw = seiz[(seiz["country"].astype(str) == "Spain") & (seiz["year"] == 2019)]
    hcl = raw.loc[raw["drug_name"].astype(str) == "Cocaine hydrochloride", "kilograms"].sum()
    got = float(sf.loc[sf["year"] == 2019, "kilograms"].iloc[0])
    leaf = raw.loc[raw["drug_name"].astype(str) == "Coca leaf", "kilograms"].sum()
    assert leaf > 0 and hcl <= got < hcl + leaf


def test_perception_table_france(data):
    pf = supply.perception_frame(data["unodc_trend_perception"])
    t = supply.perception_table(pf, "en").data.set_index("Substance")
    assert t.loc["Cocaine", "2020"] == "Large increase (>10%)" and t.loc["Cocaine", "2023"] == "Small increase (5-10%)"
    assert "stable" in supply.perception_sentence(pf, "crack", "en").lower()


# ------------------------------------------------------------------ NCHS / VSRR


def test_nchs_rates_1999_2018_match_the_csv(data_dir, nchs):
    raw = pd.read_csv(data_dir / "nchs_overdose_rates" / NCHS_CSV)
    raw = raw[raw["UNIT"].str.contains("age-adjusted") & (raw["STUB_LABEL"] == "All persons")
              & (raw["PANEL"] == "All drug overdose deaths")].set_index("YEAR")["ESTIMATE"]
    got = nchs[(nchs["drug"] == "all_drugs") & (nchs["sex"] == "All persons")].set_index("year")["rate"]
    assert list(got.index) == list(range(1999, 2019))
    assert got.loc[[1999, 2017, 2018]].tolist() == [6.1, 21.7, 20.7]
    assert got.to_dict() == raw.to_dict()
    # every drug x sex series is complete, one row per year
    assert (nchs.groupby(["drug", "sex"]).size() == 20).all()
    fig = overdose.nchs_figure(nchs, "en")
    ys = {tuple(np.round(ln.get_ydata(), 1)) for ln in fig.axes[0].lines}
    assert tuple(got.round(1)) in ys


def test_nchs_joinpoint_all_drugs_segments(nchs):
    """Joinpoint on 1999-2017 (the NCHS Data Brief 329 period) finds 2006 and 2014 with APCs 10, 3, 16."""
    d = nchs[(nchs["drug"] == "all_drugs") & (nchs["year"] <= 2017) & (nchs["sex"] == "All persons")]
    res = overdose.nchs_joinpoint(d)
    seg = res.segments
    assert seg["x_start"].tolist() == [1999, 2006, 2014]
    assert np.round(seg["apc"]).tolist() == [10, 3, 16]


def test_key_figure_nchs_and_sentence(nchs):
    d = nchs[nchs["drug"] == "synthetic_opioids"]
    res = overdose.nchs_joinpoint(d, method="bic")
    k = overdose.nchs_key(d, res, "synthetic_opioids", "en")
    assert (k.value, k.previous, k.year) == (9.9, 9.0, 2018)
    s = res.segments[res.segments["sex"] == "All persons"].iloc[-1]
    sig = bool(s["apc_ci_low"] > 0 or s["apc_ci_high"] < 0)
    assert ("a significant trend" in k.note) == sig
    txt = overdose.nchs_sentence(d, res, "synthetic_opioids", "fr")
    assert "0,3 pour 100\u202f000 en 1999" in txt and "9,9 en 2018" in txt


def test_overdose_section_without_fits_shows_final_rates_only(ctx):
    """NCHS final rates 1999-2018; the provisional counts are a section of their own, never joined to them."""
    items = R.overdose_section(ctx)
    txt = _text(items)
    assert "1999-2018" in txt and "provisional" not in txt.lower()
    figs = [i for i in items if isinstance(i, common.Fig)]
    assert len(figs) == 2 and all(len(f.alt) > 60 for f in figs)
    assert "6.1 in 1999 to 20.7 in 2018" in figs[0].alt


# ------------------------------------------------------------------ missing data, French


def test_missing_dataset_leaves_no_developer_text_and_shows_in_data_years(prev):
    data = {k: None for k in R.DATASETS} | {"unodc_prevalence": prev}
    ctx = R.build({"lang": "en"}, data=data)
    for section in (R.supply_section, R.overdose_section, R.youth_section, R.vsrr_section, R.france_section,
                    R.wastewater_section):
        assert section(ctx) == [], section.__name__
    items = R.sections(ctx)
    txt = _text(items)
    for bad in ("drugtrends fetch", "fetch it", "Traceback", "Error", "/work", "/tmp", ".xlsx", ".csv", "http"):
        assert bad not in txt, bad
    years = next(i for i in items if hasattr(i, "data") and "Latest period" in i.data.columns).data
    assert (years["Latest period"] == "not available here").sum() == 7


def test_french_sections_have_no_english_labels(data):
    ctx = R.build({"lang": "fr"}, data=data, fit=False)
    items = (R.key_figures(ctx) + R.prevalence_section(ctx, ("cocaine", "ketamine")) + R.supply_section(ctx)
             + R.overdose_section(ctx))
    txt = _text(items)
    tables = " ".join(" ".join(map(str, it.data.columns)) + " " + str(it.title) for it in items if hasattr(it, "data"))
    alts = " ".join(i.alt for i in items if isinstance(i, common.Fig))
    for w in ("Past-year", "Key figures", "Government source", "Country", "seized", "Source:", " and ", "Year"):
        assert w not in txt + tables + alts, w
    assert "Chiffres clés" in txt and "usage de cocaïne dans l'année" in alts


def test_jump_model_across_the_2015_definition_change(sel):
    """US cannabis 2010-2018: one log-linear trend with a level shift at 2015, against statsmodels OLS."""
    import statsmodels.api as sm

    res = T.jump_model(sel, "United States", "cannabis", 2015)
    d = sel[(sel["country"] == "United States") & (sel["substance"] == "cannabis") & (sel["year"] <= 2018)]
    assert d["year"].tolist() == list(range(2010, 2019))  # the 2020/2021 design changes are not crossed
    X = sm.add_constant(np.column_stack([d["year"] - 2010, (d["year"] >= 2015).astype(float)]))
    ols = sm.OLS(np.log(d["best"].to_numpy()), X).fit()
    assert res.segments["apc"].iloc[0] == pytest.approx(100 * np.expm1(ols.params[1]), rel=1e-8)
    cr = res.comparability_ratio.iloc[0]
    assert cr["estimate"] == pytest.approx(np.exp(ols.params[2]), rel=1e-8)
    assert cr["ci_low"] < 1 < cr["ci_high"]
    assert "does not differ from 1" in T.jump_sentence(res, "United States", "cannabis", "en")


# ------------------------------------------------------------------ 2026 edition: summary, new sources, pages
# Held-out numbers (../shared/data/README.md): VSRR 2025 edition, 12 months ending Dec 2019 71,130 / 72,086,
# Apr 2025 73,690 / 76,516 (reported / predicted); SSMSI trafficking 40,953 (2016), 47,327 (2019), 56,918
# (2025), Paris 2025 5,469, use 177,781 (2019); wastewater Paris Seine Centre cocaine 206.3 (2011), 427.42 (2021).

NB = ("\u00a0", "\u202f")  # French thousands separator / space before % and ; must not break


def _fr_num(txt: str, digits: str) -> bool:
    """``"73 690"`` written with a non-breaking (normal or narrow) space, never an ordinary one."""
    a, b = digits.split(" ")
    return any(f"{a}{sp}{b}" in txt for sp in NB) and f"{a} {b}" not in txt


def test_vsrr_2025_reported_and_predicted_in_both_languages(data):
    from drugtrends_reports import provisional

    en = provisional.section(data["cdc_vsrr"], "en")
    txt = _text(en)
    assert "73,690 deaths were reported and 76,516 predicted" in txt and "August 2023" in txt
    table = en[-1].data
    assert table.iloc[0].tolist()[1:] == ["71,130 / 72,086", "107,573 / 109,099", "109,413 / 110,942",
                                          "106,881 / 108,550", "80,856 / 81,711", "73,690 / 76,516"]
    assert any(c.endswith("*") for c in table.columns)  # underreported months flagged
    fr = _text(provisional.section(data["cdc_vsrr"], "fr"))
    assert _fr_num(fr, "73 690") and _fr_num(fr, "76 516") and "avril 2025" in fr


def test_vsrr_never_joined_with_nchs_final_rates(ctx):
    """The provisional section and the final-rate section are separate; no figure draws both."""
    v, n = R.vsrr_section(ctx), R.overdose_section(ctx)
    assert v and n and not set(map(id, v)) & set(map(id, n))
    assert "never joined to the final NCHS rates" in _text(v)


def test_france_offences_held_out_numbers(data):
    from drugtrends_reports import france

    nat = france.national(data["fr_drug_offences"]).set_index(["offence", "year"])["n_implicated"]
    assert (nat[("trafficking", 2016)], nat[("trafficking", 2019)], nat[("trafficking", 2025)]) == (40953, 47327, 56918)
    assert nat[("use", 2019)] == 177781 and nat[("use", 2024)] == 290859 and nat[("use_fixed_fine", 2024)] == 196653
    en = _text(france.section(data["fr_drug_offences"], None, "en"))
    assert "56,918 persons implicated" in en and "40,953 in 2016" in en and "5,469" in en
    fr = _text(france.section(data["fr_drug_offences"], None, "fr"))
    assert _fr_num(fr, "56 918") and _fr_num(fr, "5 469")


def test_france_use_series_breaks_at_the_fixed_fine(data):
    from drugtrends_reports import france

    fig = france.national_figure(data["fr_drug_offences"], "en")
    use_ax = fig.axes[0]
    years = [tuple(ln.get_xdata()) for ln in use_ax.lines if ln.get_color() == "#000000"]
    assert all(max(y) < 2020 or min(y) >= 2020 for y in years)  # no line crosses 2020
    assert any(ln.get_gid() == "break" for ln in use_ax.lines)


def test_france_maps_latest_and_change_with_overseas_insets(data):
    from drugtrends_reports import france

    items = france.section(data["fr_drug_offences"], data["fr_departements"], "fr")
    maps = [i for i in items if isinstance(i, common.Fig)][1:]
    assert len(maps) == 2
    for m in maps:
        titles = [a.get_title() for a in m.figure.axes]
        assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= set(titles)
        assert "département" in m.alt
    assert "2025" in maps[0].alt and "Paris" in maps[0].alt


def test_wastewater_paris_held_out_and_2022_ranking(data):
    from drugtrends_reports import wastewater

    en = wastewater.section(data["euda_wastewater"], "en")
    txt = _text(en)
    assert "206.30" in txt and "427.42 in 2021" in txt
    rank = en[-1].data
    assert len(rank) == 12 and rank.iloc[0, 1] == "Antwerp Zuid"
    assert rank.iloc[:, -1].ne("").any()  # ketamine where measured
    fr = _text(wastewater.section(data["euda_wastewater"], "fr"))
    assert "427,42" in fr and "427.42" not in fr


def test_report_opens_with_key_issues_then_key_figures_and_data_years(data):
    from drugtrends.keyfigures import KeyFigures

    ctx = R.build({"lang": "en"}, data=data, fit=False)
    items = R.sections(ctx)
    assert items[0] == "## Key issues"
    bullets = items[1].splitlines()
    assert 5 <= len(bullets) <= 8 and all(b.startswith("- **") for b in bullets)
    assert "73,690" in items[1] and "56,918" in items[1] and "427.42" in items[1]
    assert isinstance(next(i for i in items[2:6] if not isinstance(i, str)), KeyFigures)
    years = next(i for i in items if hasattr(i, "data") and "Latest period" in i.data.columns).data
    row = years.set_index("Source").loc["CDC VSRR provisional overdose deaths"]
    assert (row["Latest period"], row["Status"]) == ("April 2025", "provisional")
    assert years.set_index("Source").loc["NCHS final overdose death rates", "Status"] == "final"


def test_french_summary_and_data_years(data):
    ctx = R.build({"lang": "fr"}, data=data, fit=False)
    items = R.sections(ctx)
    assert items[0] == "## Points clés"
    assert _fr_num(items[1], "73 690") and _fr_num(items[1], "56 918") and "427,42" in items[1]
    txt = _text(items)
    for punct in (" %", " ;", " :"):
        assert punct not in txt.replace("\u00a0:", "").replace("\u202f;", ""), punct
    years = next(i for i in items if hasattr(i, "data") and "Dernière période" in i.data.columns).data
    assert "avril 2025" in years["Dernière période"].tolist()


def test_nchs_key_figure_says_when_the_last_year_went_the_other_way(nchs):
    d = nchs[nchs["drug"] == "all_drugs"]
    res = overdose.nchs_joinpoint(d, method="bic")
    k = overdose.nchs_key(d, res, "all_drugs", "en")
    assert k.value == 20.7 and k.previous == 21.7
    s = res.segments[res.segments["sex"] == "All persons"].iloc[-1]
    if s["apc_ci_low"] > 0:  # a significant rising segment: the note must say 2018 went the other way
        assert "went the other way (2018 against 2017)" in k.note


def test_no_placeholder_or_developer_text_in_the_whole_report(data):
    for lang in ("en", "fr"):
        txt = _text(R.sections(R.build({"lang": lang}, data=data, fit=False)))
        for bad in ("drugtrends fetch", "TODO", "XXX", "placeholder", "{", "}", "e^b", "Numbering("):
            assert bad not in txt, (lang, bad)


def test_every_figure_of_the_new_sections_is_numbered(data):
    from drugtrends import plots

    ctx = R.build({"lang": "en"}, data=data, fit=False)
    figs = [i.figure for s in (R.vsrr_section, R.france_section, R.wastewater_section) for i in s(ctx)
            if isinstance(i, common.Fig)]
    assert len(figs) == 5
    for n, f in enumerate(figs, 1):
        assert plots.figure_title(f)
        assert plots.number_figure(f, n)._suptitle.get_text().startswith(f"Figure {n}. ")


def test_breaks_and_changes_come_from_the_series_layer(sel):
    """Issue 22: reason codes from drugtrends.series (never by splitting comparability_group), changes from
    series.change (untested: UNODC publishes no standard errors), a return to an earlier key also breaks the line."""
    import inspect

    from drugtrends import series
    from drugtrends_reports import factsheet

    for mod in (T, factsheet, supply, R):
        assert 'split("|")' not in inspect.getsource(mod)
    fr = sel[(sel["country"] == "France") & (sel["substance"] == "cocaine")]
    expect = series.break_reasons(fr, spec="unodc_prevalence")
    assert T.series_breaks(fr)[["year", "code"]].values.tolist() == expect[["x", "code"]].values.tolist() \
        == [[2017, "age_range"], [2023, "definition"]]
    uk = sel[(sel["country"] == "United Kingdom") & (sel["substance"] == "cannabis")].set_index("year")
    assert uk.loc[2019, "age_group"] == "16-64" and uk.loc[2019, "break_code"] == "age_range"
    assert uk.loc[2021, "break_code"] == "age_range"  # back to 16-59: the line is cut there too
    c = T.change(sel, "France", "cannabis")
    assert (c.a, c.b, round(c.difference, 1), c.tested, c.direction) == (2021, 2023, 0.2, False, None)
    assert T.change(sel, "France", "cocaine") is None  # 2023 measures cocaine salts only: no comparable point
