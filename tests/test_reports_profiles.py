"""Steps of the profiles and methods reports, checked against hand computations on the real files.

* NHANES: weighted prevalences and users' profile shares equal sum(w y) / sum(w)
  computed by hand; the library's profile equals a Korn-Graubard proportion of
  the survey engine on the users' domain; the age bands cover every age asked
  (60-69 for hard drugs, not for marijuana, asked 18-59); the OR model's
  population is stated with its n; key figures carry the numbers of the tables.
* UCI: personality means are plain unweighted means with t intervals.
* NSDUH 2022 (the main profile): weighted lifetime prevalences equal
  sum(w y) / sum(w) by hand and the data README's published figures; numbers of
  people are weighted totals; cohort shares count never-users; the page opens
  with the key issues and the data-years table, formatted in each language with
  French non-breaking spaces, and holds no developer text.
* Methods: tables come from the manifest and the running environment.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends_reports import (  # noqa: E402
    common,
    methods,
    profiles,  # noqa: E402
)
from drugtrends_reports import profiles_annex as P  # noqa: E402
from drugtrends_reports import profiles_nsduh as N  # noqa: E402
from drugtrends_reports import profiles_pages as G  # noqa: E402

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def nhanes(data_dir):
    from drugtrends import datasets

    a = P.nhanes_frame(datasets.analysis_frame("nhanes_2009_2012"))
    return a, P.nhanes_design(a)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_prevalence_and_profile_match_hand_computation(nhanes):
    a, des = nhanes
    prev = P.prevalence_by_cycle(des, "hd")
    for cyc, g in a[a["hd"].notna()].groupby("cycle"):
        ref = float((g["wt"] * g["hd"]).sum() / g["wt"].sum())
        got = prev[(prev["cycle"] == cyc) & (prev["group"] == "total")]
        assert float(got["estimate"].iloc[0]) == pytest.approx(ref, rel=1e-12)
        assert int(got["n"].iloc[0]) == len(g)
    variables = ["sex", P.age_column(a, "hd"), "Race1", "Education"]
    prof = P.user_profile(des, "hd", variables)
    u = a[(a["hd"] == 1) & (a["cycle"] == "2011-2012")]
    known = u["sex"].notna()
    ref = float(u.loc[u["sex"].astype(str) == "female", "wt"].sum() / u.loc[known, "wt"].sum())
    got = prof[(prof["cycle"] == "2011-2012") & (prof["characteristic"] == "sex")
               & (prof["level"].astype(str).str.lower() == "female")]
    assert float(got["estimate"].iloc[0]) == pytest.approx(ref, rel=1e-12)
    # the library's profile equals a Korn-Graubard proportion on the users' domain (survey engine)
    users = des.subset(des.data["hd"] == 1)
    for v in variables:
        direct = users.proportion(v, by="cycle", ci="korn_graubard")
        direct["level"] = direct["level"].astype(str)
        lib = prof[prof["characteristic"] == v].assign(level=lambda d: d["level"].astype(str))
        m = direct.merge(lib, on=["cycle", "level"], suffixes=("", "_lib"))
        assert len(m) == len(direct) > 0
        for c in ("estimate", "ci_low", "ci_high"):
            assert m[c].to_numpy() == pytest.approx(m[c + "_lib"].to_numpy(), rel=1e-10, nan_ok=True), (v, c)
    # the dumbbell shows the profile's shares
    plot_frame, _ = P.shift_frame(des, "hd", ["sex"], "en")
    assert plot_frame.set_index("label").loc["Sex: Women", "2011-2012"] == pytest.approx(ref, rel=1e-12)


def test_every_age_asked_is_in_the_bands(nhanes):
    a, _ = nhanes
    assert P.age_range(a, "hd") == (18, 69) and P.age_column(a, "hd") == "age_band_full"
    assert set(a.loc[a["hd"].notna() & (a["Age"] >= 60), "age_band_full"].astype(str)) == {"60-69"}
    # marijuana was asked 18-59: its profile uses the 18-59 bands (no empty 60-69 band)
    assert P.age_range(a, "regmj_all") == (18, 59) and P.age_column(a, "regmj_all") == "age_band"
    assert a.loc[a["mj"] == 0, "regmj_all"].eq(0).all()  # never-users are not regular users
    assert a.loc[a["mj"] == 1, "regmj_all"].equals(a.loc[a["mj"] == 1, "regmj"])


def test_categories_labelled_and_ordered(nhanes):
    a, des = nhanes
    prof = P.display_profile(P.user_profile(des, "hd", ["sex", "age_band_full", "Race1", "Education"]), "fr")
    edu = prof.loc[prof["characteristic"] == "Niveau d'études", "level"].drop_duplicates().tolist()
    assert edu == ["Moins de 9 années d'études", "9 à 11 années d'études", "Fin d'études secondaires",
                   "Études supérieures inachevées", "Diplôme universitaire"]
    assert set(prof.loc[prof["characteristic"] == "Sexe", "level"]) == {"Hommes", "Femmes"}
    assert "60-69" in set(prof["level"])


def test_adjusted_odds_ratios_state_their_population(nhanes):
    from drugtrends import plots

    a, des = nhanes
    variables = ["sex", "age_band_full", "Race1", "Education"]
    ors = P.adjusted_ors(des, "hd", variables, "en")
    refs = ors[ors["reference"]]
    assert len(refs) == len(variables) and (refs["odds_ratio"] == 1).all()
    assert refs["label"].str.endswith("(ref.)").all()
    est = ors[~ors["reference"]]
    assert ((est["or_ci_low"] < est["odds_ratio"]) & (est["odds_ratio"] < est["or_ci_high"])).all()
    complete = a[a["hd"].notna() & a[variables].notna().all(axis=1)]
    assert int(ors["n"].iloc[0]) == len(complete)  # complete cases
    txt = P.or_sentence(ors, a, "hd", variables, "en")
    assert f"n = {len(complete):,}" in txt and "aged 20-69" in txt
    fig = plots.forest(ors, "label", "odds_ratio", "or_ci_low", "or_ci_high", title="t", source="NHANES")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ors["label"].tolist()


@pytest.fixture(scope="module")
def nsduh(data_dir):
    from drugtrends import datasets

    frame = datasets.load("nsduh", year=2022)
    return frame, profiles.nsduh_results(frame)


def test_nsduh_lifetime_matches_hand_computation(nsduh):
    frame, r = nsduh
    life = r["lifetime"]
    w = frame["weight"]
    tot = life[life["characteristic"] == "total"].set_index("substance")
    # the data README's weighted lifetime use from the ages at first use
    published = {"cannabis": 46.94, "cocaine": 15.07, "crack": 3.69, "heroin": 2.40, "methamphetamine": 5.90}
    for s, pct in published.items():
        hand = (w * frame[f"ever_{s}"]).sum() / w.sum()
        assert tot.loc[s, "estimate"] == pytest.approx(hand, rel=1e-10)
        assert round(100 * tot.loc[s, "estimate"], 2) == pytest.approx(pct, abs=0.005)
        assert tot.loc[s, "people"] == pytest.approx((w * frame[f"ever_{s}"]).sum(), rel=1e-10)
        assert tot.loc[s, "ci_low"] < tot.loc[s, "estimate"] < tot.loc[s, "ci_high"]
    women = life[(life["substance"] == "cocaine") & (life["characteristic"] == "sex") & (life["level"] == "female")]
    f = frame[frame["sex"] == "female"]
    assert women["estimate"].iloc[0] == pytest.approx((f["weight"] * f["ever_cocaine"]).sum() / f["weight"].sum())
    old = life[(life["characteristic"] == "age_50") & (life["substance"] == "cocaine")]
    o = frame[frame["age_50plus"] == 1]
    assert old["estimate"].iloc[0] == pytest.approx((o["weight"] * o["ever_cocaine"]).sum() / o["weight"].sum())
    assert set(life["characteristic"]) == {"total", *N.CHARACTERISTICS}


def test_nsduh_cohorts_and_onset(nsduh):
    frame, r = nsduh
    coh = r["cohorts"]
    g = frame[frame["age_group"].astype(str) == "50-64"]
    started = ((g["ever_cocaine"] == 1) & (g["age_first_cocaine"] < 25)).astype(float)
    got = coh[(coh["substance"] == "cocaine") & (coh["limit"] == 25) & (coh["age_group"] == "50-64")]
    assert got["estimate"].iloc[0] == pytest.approx((g["weight"] * started).sum() / g["weight"].sum())
    assert not ((coh["limit"] == 25) & coh["age_group"].isin(["18-20", "21-23", "24-25"])).any()
    q = r["onset"].set_index("substance")
    assert q.loc["cocaine", "q25"] <= q.loc["cocaine", "median"] <= q.loc["cocaine", "q75"]
    dist = r["onset_dist"]
    assert dist.groupby("substance")["estimate"].sum().to_numpy() == pytest.approx(1.0)
    forms = r["forms"]
    assert set(forms["group_value"]) == {"crack", "powder"} and forms["p_value"].notna().all()
    # survey Kaplan-Meier: no censoring before the cohort's youngest age, so the curve is the weighted share
    km = r["km_cocaine"]
    g = frame[frame["age_group"].astype(str).isin(["26-29", "30-34"])]
    by25 = ((g["ever_cocaine"] == 1) & (g["age_first_cocaine"] <= 25)).astype(float)
    got = km[(km["cohort"] == "26-34") & (km["age"] == 25)].iloc[0]
    assert got["estimate"] == pytest.approx((g["weight"] * by25).sum() / g["weight"].sum(), rel=1e-9)
    assert got["ci_low"] < got["estimate"] < got["ci_high"]
    assert km.groupby("cohort")["age"].max().to_dict() == {"18-25": 18, "26-34": 26, "35-49": 35, "50-64": 50,
                                                            "65+": 65}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_profiles_page_summary_first_and_formatted(nsduh, lang):
    from drugtrends import i18n
    from drugtrends.i18n.typography import bad_spaces
    from drugtrends.tables import PubTable

    frame, _ = nsduh
    ctx = profiles.build({"lang": lang}, data={"nsduh": frame})
    items = profiles.sections(ctx)
    texts = [i for i in items if isinstance(i, str)]
    assert i18n.t("common.key_figures", lang) in texts[0]  # the key-figures box, then the key issues
    assert i18n.t("profiles.nsduh.h_key", lang) in texts[1]
    bullets = texts[2]
    assert 5 <= bullets.count("\n- ") + 1 <= 8
    cocaine = "15.1%" if lang == "en" else "15,1\u202f%"
    assert cocaine in bullets and ("42.5 million" in bullets or "42,5 millions" in bullets)
    tabs = [i for i in items if isinstance(i, PubTable)]
    assert tabs[0].title == i18n.t("profiles.nsduh.data.title", lang)
    assert len(tabs) >= 10
    page = "\n".join(texts + [t.title for t in tabs])
    for bad in ("drugtrends fetch", "TODO", "TBD", "placeholder", "{", "hard drug", "drogues dures"):
        assert bad not in page, bad
    assert not re.search(r"\bnan\b|\bNone\b|<NA>", page)
    if lang == "fr":
        assert bad_spaces(page) == []


def test_profiles_data_years_table_lists_missing_sources(nsduh):
    frame, _ = nsduh
    ctx = profiles.build({"lang": "en"}, data={"nsduh": frame, "teds_a": None, "uci": None, "nhanes": None})
    items = profiles.sections(ctx)
    data = G.data_years_table(ctx).data
    assert list(data.iloc[:, 0])[:2] == ["NSDUH, public-use file (SAMHSA)", "TEDS-A, treatment admissions (SAMHSA)"]
    assert data.iloc[1, 2].startswith("Not available")
    assert not any(isinstance(i, str) and "drugtrends fetch" in i for i in items)


def test_uci_traits_are_plain_means(data_dir):
    uci, msg = common.try_load("uci_drug_consumption")
    assert uci is not None, msg
    t = P.uci_traits(uci, ["Coke"]).set_index("characteristic")
    users = uci[uci["coke_year"].astype(bool)]
    assert t.loc["Nscore", "estimate"] == pytest.approx(users["Nscore"].mean(), rel=1e-12)
    assert int(t.loc["Nscore", "n"]) == len(users)
    from scipy import stats

    x = users["Oscore"].to_numpy(dtype=float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert t.loc["Oscore", "ci_high"] == pytest.approx(x.mean() + half, rel=1e-10)
    crack = P.uci_users(uci, ["Crack"])
    n_users = int(uci["crack_year"].astype(bool).sum())
    assert int(crack.loc[crack["substance"] == "Crack", "n_total"].iloc[0]) == n_users


def test_methods_tables_come_from_manifest(data_dir):
    from drugtrends.manifest import load_manifest

    m = load_manifest()
    assert list(methods.sources()["id"]) == m.ids
    f = methods.files_status()
    ds = m.get("cdc_vsrr")
    row = f[(f["id"] == "cdc_vsrr")].iloc[0]
    assert row["sha256"] == ds.files[0].sha256 and bool(row["verified"])
    assert ds.files[0].sha256[:16] + "…" in methods.files_table().data["SHA-256"].tolist()
    v = methods.software_versions().set_index("package")["version"]
    assert v["pandas"] == pd.__version__ and v["matplotlib"] == matplotlib.__version__
    assert "Korn-Graubard" in methods.estimators_markdown() and "effective sample size below 30" in \
        methods.estimators_markdown()
    fr = methods.estimators_markdown("fr")
    assert "taille d'échantillon effective inférieure à 30" in fr
    assert [k.value for k in methods.key_figures()] == [len(m.ids), int(f["verified"].fillna(False).sum())]
