"""Steps of the profiles and methods reports, checked against hand computations on the real files.

* NHANES: weighted prevalences and users' profile shares equal sum(w y) / sum(w)
  computed by hand; the library's profile equals a Korn-Graubard proportion of
  the survey engine on the users' domain; the age bands cover every age asked
  (60-69 for hard drugs, not for marijuana, asked 18-59); the OR model's
  population is stated with its n; key figures carry the numbers of the tables.
* UCI: personality means are plain unweighted means with t intervals.
* Methods: tables come from the manifest and the running environment.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends_reports import common, methods  # noqa: E402
from drugtrends_reports import profiles as P  # noqa: E402

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
    variables = ["Gender", P.age_column(a, "hd"), "Race1", "Education"]
    prof = P.user_profile(des, "hd", variables)
    u = a[(a["hd"] == 1) & (a["cycle"] == "2011-2012")]
    known = u["Gender"].notna()
    ref = float(u.loc[u["Gender"].astype(str).str.lower() == "female", "wt"].sum() / u.loc[known, "wt"].sum())
    got = prof[(prof["cycle"] == "2011-2012") & (prof["characteristic"] == "Gender")
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
    plot_frame, _ = P.shift_frame(des, "hd", ["Gender"], "en")
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
    prof = P.display_profile(P.user_profile(des, "hd", ["Gender", "age_band_full", "Race1", "Education"]), "fr")
    edu = prof.loc[prof["characteristic"] == "Niveau d'études", "level"].drop_duplicates().tolist()
    assert edu == ["Moins de 9 années d'études", "9 à 11 années d'études", "Fin d'études secondaires",
                   "Études supérieures inachevées", "Diplôme universitaire"]
    assert set(prof.loc[prof["characteristic"] == "Sexe", "level"]) == {"Hommes", "Femmes"}
    assert "60-69" in set(prof["level"])


def test_adjusted_odds_ratios_state_their_population(nhanes):
    from drugtrends import plots

    a, des = nhanes
    variables = ["Gender", "age_band_full", "Race1", "Education"]
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


def test_key_figures_carry_the_tables_numbers(data_dir):
    ctx = P.build("en")
    kf = {k.label: k for k in P.key_figures(ctx)}
    hd = kf["Lifetime use of cocaine, heroin or methamphetamine"]
    prev = ctx.results["hd"]["prev"]
    last = prev[(prev["group"] == "total") & (prev["cycle"] == "2011-2012")].iloc[0]
    assert hd.value == pytest.approx(100 * last["estimate"]) and hd.high == pytest.approx(100 * last["ci_high"])
    old = kf["Share of people aged 60-69 among those who ever used hard drugs"]
    assert round(old.previous, 1) == 4.7 and round(old.value, 1) == 9.9 and old.significant  # issue 14
    assert "shifted toward older age groups" in P.shift_sentence(ctx.results["hd"]["shift"], "age_band_full", "en")


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
