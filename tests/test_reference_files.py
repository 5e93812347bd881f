"""Sanity checks of the committed R reference tables (no R needed).

Every ``tests/reference/*.csv`` must follow the format contract
(``analysis, variable, domain, level, statistic, value``), have numeric
finite values, unique keys, and a few values must be plausible (proportions in
[0, 1], SEs positive, CIs bracketing the estimate). A handful of numbers are
re-derived by hand from the data where that needs no survey machinery.
"""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import KEY_COLUMNS, available, load_reference, ref_value  # noqa: E402

REF_DIR = Path(__file__).parent / "reference"
EXPECTED = ["survey_nhanes", "survey_nhanes2", "profiles_nhanes", "trends_nhanes",
            "trends_vsrr_segmented", "survey_r2_gaps", "crosscheck_survey", "trends_jp_jump",
            "trends_jp_nchs_segmented", "indirect_capture_recapture"]
PRESENT = [n for n in EXPECTED if (REF_DIR / f"{n}.csv").is_file()]

PROPORTION_ANALYSES = re.compile(
    r"^(mean_overall|mean_by_|ciprop_|lonely_|fpc100_mean|domain_|mean_highbp|jkn_mean_highbp"
    r"|comp_by_cycle|comp_race1_by_cycle)")


def _mirror_file(*parts: str) -> Path | None:
    env = os.environ.get("DRUGTRENDS_DATA")
    cands = []
    if env:
        cands.append(Path(env).joinpath(*parts[:2]))
    cands.append(Path("data/raw").joinpath(*parts[:2]))
    cands.append(Path(__file__).parents[1] / ".." / "shared" / "data" / parts[2])
    for c in cands:
        if c.is_file():
            return c
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{parts[2]} not found (CI must have ../shared/data beside the clone)")
    return None


def _need(*parts: str) -> Path:
    f = _mirror_file(*parts)
    if f is None:
        pytest.skip(f"{parts[2]} not found in $DRUGTRENDS_DATA, data/raw or ../shared/data")
    return f


def test_all_expected_tables_present():
    assert "survey_nhanes" in available()
    for name in PRESENT:
        assert (REF_DIR / f"{name}.R").is_file(), f"{name}.csv has no script {name}.R"
        assert (REF_DIR / f"{name}.Rout").is_file(), f"{name}.csv has no log {name}.Rout"


@pytest.mark.parametrize("name", PRESENT)
def test_format(name):
    raw = pd.read_csv(REF_DIR / f"{name}.csv", dtype=str, keep_default_na=False)
    assert list(raw.columns) == [*KEY_COLUMNS, "value"]
    assert len(raw) >= 5, f"{name}: only {len(raw)} reference numbers"
    assert (raw["analysis"] != "").all() and (raw["statistic"] != "").all()
    vals = pd.to_numeric(raw["value"], errors="coerce")
    bad = raw.loc[vals.isna() | ~np.isfinite(vals.to_numpy(dtype=float)), "value"]
    assert bad.empty, f"{name}: non-numeric or non-finite values {bad.head().tolist()}"
    dup = raw.duplicated(list(KEY_COLUMNS))
    assert not dup.any(), f"{name}: duplicate keys {raw.loc[dup].head().to_dict('records')}"
    # domains are key=value pairs joined by &
    doms = raw.loc[raw["domain"] != "", "domain"].unique()
    for d in doms:
        assert all(re.fullmatch(r"[^=&]+=[^=&]+", part) for part in d.split("&")), d


@pytest.mark.parametrize("name", PRESENT)
def test_plausible(name):
    df = load_reference(name)
    assert df["value"].dtype == float
    se = df[df["statistic"] == "se"]
    assert (se["value"] >= 0).all(), se[se["value"] < 0]
    p = df[df["statistic"].isin(["p", "p_normal", "p_t", "davies_p"])]
    assert p["value"].between(0, 1).all()
    deff = df[df["statistic"].str.startswith("deff")]
    assert (deff["value"] > 0).all()
    props = df[df["analysis"].str.match(PROPORTION_ANALYSES)
               & df["statistic"].isin(["estimate", "ci_low", "ci_high"])
               & df["variable"].isin(["mj", "hd", "regmj", "highbp", "female", "age50",
                                      "college", "Race1"])]
    assert props["value"].between(0, 1).all(), props[~props["value"].between(0, 1)]
    # every CI brackets its estimate
    key = ["analysis", "variable", "domain", "level"]
    wide = df[df["statistic"].isin(["estimate", "ci_low", "ci_high"])].pivot_table(
        index=key, columns="statistic", values="value")
    if {"estimate", "ci_low", "ci_high"} <= set(wide.columns):
        w = wide.dropna()
        assert (w["ci_low"] <= w["estimate"] + 1e-12).all()
        assert (w["estimate"] <= w["ci_high"] + 1e-12).all()


def test_ref_value_lookup_and_errors():
    df = load_reference("survey_nhanes")
    assert ref_value(df, "design", "df") == 33
    with pytest.raises(KeyError, match="close keys"):
        ref_value(df, "mean_by_cycle", "estimate", "hd", "SurveyYr=2009-10")


def test_survey_nhanes_internal_consistency():
    df = load_reference("survey_nhanes")
    r = lambda *a, **k: ref_value(df, *a, **k)  # noqa: E731
    # svyby on the full design and subset() give the same domain estimate
    assert r("domain_mexican", "estimate", "hd") == pytest.approx(
        r("domain_race1", "estimate", "hd", "Race1=Mexican"), rel=1e-12)
    assert r("domain_mexican", "se", "hd") == pytest.approx(
        r("domain_race1", "se", "hd", "Race1=Mexican"), rel=1e-12)
    # the cycle contrast is the difference of the by-cycle means
    for v in ("hd", "mj"):
        diff = (r("mean_by_cycle", "estimate", v, "SurveyYr=2011_12")
                - r("mean_by_cycle", "estimate", v, "SurveyYr=2009_10"))
        assert r("contrast_cycle", "estimate", v) == pytest.approx(diff, rel=1e-10)
        se1 = r("mean_by_cycle", "se", v, "SurveyYr=2009_10")
        se2 = r("mean_by_cycle", "se", v, "SurveyYr=2011_12")
        cov = r("contrast_cycle", "cov_between", v)
        assert r("contrast_cycle", "se", v) == pytest.approx(
            math.sqrt(se1**2 + se2**2 - 2 * cov), rel=1e-8)
    # lonely PSU: remove and certainty coincide in survey 4.1.1; adjust/average larger
    assert r("lonely_remove", "se", "hd") == pytest.approx(r("lonely_certainty", "se", "hd"))
    assert r("lonely_adjust", "se", "hd") > r("lonely_remove", "se", "hd")
    # odds ratio = exp(coef)
    assert r("glm_hd", "or", "Gendermale") == pytest.approx(math.exp(r("glm_hd", "coef", "Gendermale")))
    assert r("glm_hd", "df_residual") == r("design", "df") - 6 + 1


def test_survey_nhanes_point_estimates_by_hand():
    """Weighted means need no survey machinery: recompute them from the raw file."""
    f = _need("nhanes_2009_2012", "NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv")
    d = pd.read_csv(f, usecols=["SurveyYr", "Gender", "HardDrugs", "Marijuana", "WTINT2YR"])
    df = load_reference("survey_nhanes")
    for col, var in (("HardDrugs", "hd"), ("Marijuana", "mj")):
        y = d[col].map({"Yes": 1.0, "No": 0.0})
        ok = y.notna()
        w = d["WTINT2YR"] / 2
        est = float((y[ok] * w[ok]).sum() / w[ok].sum())
        assert ref_value(df, "mean_overall", "estimate", var) == pytest.approx(est, rel=1e-12)
        assert ref_value(df, "mean_overall", "n", var) == ok.sum()
        tot = float((y[ok] * w[ok]).sum())
        assert ref_value(df, "total_overall", "estimate", var) == pytest.approx(tot, rel=1e-12)
        for yr in ("2009_10", "2011_12"):
            m = ok & (d["SurveyYr"] == yr)
            e = float((y[m] * w[m]).sum() / w[m].sum())
            assert ref_value(df, "mean_by_cycle", "estimate", var, f"SurveyYr={yr}") == pytest.approx(e, rel=1e-12)


def _wmean(y, w):
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    ok = ~np.isnan(y)
    return float((y[ok] * w[ok]).sum() / w[ok].sum())


def test_survey_nhanes2_by_hand():
    """Weighted means, and BRR / jackknife SEs recomputed from the replicate columns."""
    df = load_reference("survey_nhanes2")
    n2 = pd.read_csv(_need("nhanes2_validation", "nhanes2.csv", "validation/nhanes2.csv"))
    assert ref_value(df, "mean_zinc", "estimate", "zinc") == pytest.approx(
        _wmean(n2["zinc"], n2["finalwgt"]), rel=1e-12)
    assert ref_value(df, "jkn_mean_highbp", "estimate", "highbp") == pytest.approx(
        _wmean(n2["highbp"], n2["finalwgt"]), rel=1e-12)
    brr = pd.read_csv(_need("nhanes2_validation", "nhanes2brr_subset.csv",
                            "validation/nhanes2brr_subset.csv"))
    jk = pd.read_csv(_need("nhanes2_validation", "nhanes2jk_subset.csv",
                           "validation/nhanes2jk_subset.csv"))
    for v in ("height", "weight"):
        full = _wmean(brr[v], brr["finalwgt"])
        reps = np.array([_wmean(brr[v], brr[c]) for c in brr.columns if c.startswith("brr_")])
        assert len(reps) == 32
        assert ref_value(df, "brr_mean", "estimate", v) == pytest.approx(full, rel=1e-12)
        assert ref_value(df, "brr_mean", "se", v) == pytest.approx(
            math.sqrt(np.mean((reps - reps.mean()) ** 2)), rel=1e-10)
        assert ref_value(df, "brr_mse_mean", "se", v) == pytest.approx(
            math.sqrt(np.mean((reps - full) ** 2)), rel=1e-10)
        jfull = _wmean(jk[v], jk["finalwgt"])
        jreps = np.array([_wmean(jk[v], jk[c]) for c in jk.columns if c.startswith("jkw_")])
        assert len(jreps) == 62
        assert ref_value(df, "jk_jkn_mean", "se", v) == pytest.approx(
            math.sqrt(0.5 * np.sum((jreps - jreps.mean()) ** 2)), rel=1e-10)
        assert ref_value(df, "jk_jkn_mse_mean", "se", v) == pytest.approx(
            math.sqrt(0.5 * np.sum((jreps - jfull) ** 2)), rel=1e-10)
        assert ref_value(df, "jk_jk1_mean", "se", v) == pytest.approx(
            math.sqrt(61 / 62 * np.sum((jreps - jreps.mean()) ** 2)), rel=1e-10)


def test_profiles_internal_and_by_hand():
    df = load_reference("profiles_nhanes")
    # Race1 shares sum to one in every group x cycle
    comp = df[(df["analysis"] == "comp_race1_by_cycle") & (df["statistic"] == "estimate")]
    sums = comp.groupby("domain")["value"].sum()
    assert len(sums) == 6
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-12)
    # change = difference of the cycle shares; independent cycles -> se adds in quadrature
    for g in ("hd", "regmj", "mj"):
        for v in ("female", "age50", "college"):
            e = {y: ref_value(df, "comp_by_cycle", "estimate", v, f"{g}=1&SurveyYr={y}")
                 for y in ("2009_10", "2011_12")}
            s = {y: ref_value(df, "comp_by_cycle", "se", v, f"{g}=1&SurveyYr={y}")
                 for y in ("2009_10", "2011_12")}
            assert ref_value(df, "comp_change", "estimate", v, f"{g}=1") == pytest.approx(
                e["2011_12"] - e["2009_10"], rel=1e-9)
            assert ref_value(df, "comp_change", "se", v, f"{g}=1") == pytest.approx(
                math.hypot(s["2009_10"], s["2011_12"]), rel=1e-9)
    f = _need("nhanes_2009_2012", "NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv")
    d = pd.read_csv(f, usecols=["SurveyYr", "Gender", "HardDrugs", "WTINT2YR"])
    m = (d["HardDrugs"] == "Yes") & (d["SurveyYr"] == "2009_10")
    share = _wmean((d.loc[m, "Gender"] == "female").astype(float), d.loc[m, "WTINT2YR"])
    assert ref_value(df, "comp_by_cycle", "estimate", "female", "hd=1&SurveyYr=2009_10") == \
        pytest.approx(share, rel=1e-12)
    assert ref_value(df, "comp_by_cycle", "n", "female", "hd=1&SurveyYr=2009_10") == m.sum()


def test_trends_nhanes_internal():
    df = load_reference("trends_nhanes")
    for v in ("mj", "hd", "regmj"):
        for dom in ("", "Gender=female", "Gender=male"):
            pre = f"{dom}&" if dom else ""
            m1 = ref_value(df, "mean_cycle", "estimate", v, pre + "SurveyYr=2009_10")
            m2 = ref_value(df, "mean_cycle", "estimate", v, pre + "SurveyYr=2011_12")
            s1 = ref_value(df, "mean_cycle", "se", v, pre + "SurveyYr=2009_10")
            s2 = ref_value(df, "mean_cycle", "se", v, pre + "SurveyYr=2011_12")
            assert ref_value(df, "diff_cycle", "estimate", v, dom) == pytest.approx(m2 - m1, rel=1e-9)
            r = m2 / m1
            assert ref_value(df, "ratio_cycle", "estimate", v, dom) == pytest.approx(r, rel=1e-12)
            # delta method, independent cycles (disjoint strata)
            assert ref_value(df, "ratio_cycle", "se", v, dom) == pytest.approx(
                r * math.hypot(s1 / m1, s2 / m2), rel=1e-8)
            # logit slope = log odds ratio between the cycle means
            lor = math.log(m2 / (1 - m2)) - math.log(m1 / (1 - m1))
            assert ref_value(df, "trend_logit", "coef", f"{v}:cycle01", dom) == pytest.approx(lor, rel=1e-6)


def test_vsrr_segmented_internal_and_by_hand():
    df = load_reference("trends_vsrr_segmented")
    v = pd.read_csv(_need("cdc_vsrr", "VSRR_Provisional_Drug_Overdose_Death_Counts.csv",
                          "cdc_vsrr/VSRR_Provisional_Drug_Overdose_Death_Counts.csv"))
    months = {m: i for i, m in enumerate(
        ["January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"])}
    for ind in ("Synthetic opioids, excl. methadone (T40.4)", "Cocaine (T40.5)",
                "Number of Drug Overdose Deaths"):
        s = v[(v["State"] == "US") & (v["Period"] == "12 month-ending") & (v["Indicator"] == ind)]
        x = (s["Year"] + s["Month"].map(months) / 12).to_numpy(dtype=float)
        y = pd.to_numeric(s["Data Value"].astype(str).str.replace(",", "")).to_numpy(dtype=float)
        order = np.argsort(x)
        x, y = x[order], y[order]
        assert ref_value(df, "vsrr_series", "n", ind) == len(x) == 45
        assert ref_value(df, "vsrr_series", "x_last", ind) == pytest.approx(x[-1])
        slope, _ = np.polyfit(x, np.log(y), 1)
        assert ref_value(df, "vsrr_lin", "slope", ind) == pytest.approx(slope, rel=1e-9)
        for an, k in (("vsrr_seg1", 1), ("vsrr_seg2", 2)):
            for j in range(1, k + 2):
                b = ref_value(df, an, "slope", ind, level=str(j))
                assert ref_value(df, an, "apc", ind, level=str(j)) == pytest.approx(100 * math.expm1(b))
            for j in range(1, k + 1):
                assert ref_value(df, an, "psi", ind, level=str(j)) == pytest.approx(
                    ref_value(df, f"vsrr_grid{k}", "psi", ind, level=str(j)), abs=1e-5)
            assert ref_value(df, an, "rss", ind) == pytest.approx(
                ref_value(df, f"vsrr_grid{k}", "rss", ind), rel=1e-7)
        # RSS of the one-breakpoint fit recomputed from the breakpoint alone
        psi = ref_value(df, "vsrr_seg1", "psi", ind, level="1")
        X = np.column_stack([np.ones_like(x), x, np.clip(x - psi, 0, None)])
        res = np.linalg.lstsq(X, np.log(y), rcond=None)
        assert float(res[1][0]) == pytest.approx(ref_value(df, "vsrr_seg1", "rss", ind), rel=1e-6)
        bics = [ref_value(df, a, "bic", ind) for a in ("vsrr_lin", "vsrr_seg1", "vsrr_seg2")]
        assert bics[0] > bics[1] > bics[2]


def _taylor_se(d, y, dom, lonely="fail", fpc=None):
    """Textbook linearised SE of a domain mean (zero-filled scores, with-replacement PSUs)."""
    w = (d["WTINT2YR"] / 2).to_numpy(dtype=float)
    inside = dom & ~np.isnan(y)
    wd = np.where(inside, w, 0.0)
    yd = np.where(inside, y, 0.0)
    mean = (wd * yd).sum() / wd.sum()
    z = wd * (yd - mean) / wd.sum()
    tot = pd.DataFrame({"h": d["SDMVSTRA"], "j": d["SDMVPSU"], "z": z}).groupby(["h", "j"])["z"].sum()
    present = set(d.loc[inside, "SDMVSTRA"])  # strata present in the (physically subset) domain
    var, n_ok = 0.0, 0
    for h, zh in tot.groupby(level="h"):
        if h not in present:
            continue
        n = len(zh)
        if n == 1:
            if lonely == "adjust":
                var += float(zh.iloc[0] ** 2)
            continue
        n_ok += 1
        f = 1.0 if fpc is None else 1 - n / fpc
        var += f * n / (n - 1) * float(((zh - zh.mean()) ** 2).sum())
    if lonely == "average":
        var *= len(present) / n_ok
    return mean, math.sqrt(var)


def test_survey_nhanes_taylor_se_by_hand():
    """Re-derive SEs with plain numpy: checks the zero-filling, lonely-PSU and fpc conventions."""
    f = _need("nhanes_2009_2012", "NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv")
    d = pd.read_csv(f, usecols=["SurveyYr", "Race1", "HardDrugs", "WTINT2YR", "SDMVSTRA", "SDMVPSU"])
    df = load_reference("survey_nhanes")
    hd = d["HardDrugs"].map({"Yes": 1.0, "No": 0.0}).to_numpy(dtype=float)
    all_rows = np.ones(len(d), dtype=bool)
    est, se = _taylor_se(d, hd, all_rows)
    assert ref_value(df, "mean_overall", "estimate", "hd") == pytest.approx(est, rel=1e-12)
    assert ref_value(df, "mean_overall", "se", "hd") == pytest.approx(se, rel=1e-10)
    for yr in ("2009_10", "2011_12"):
        est, se = _taylor_se(d, hd, (d["SurveyYr"] == yr).to_numpy())
        assert ref_value(df, "mean_by_cycle", "se", "hd", f"SurveyYr={yr}") == pytest.approx(se, rel=1e-10)
    est, se = _taylor_se(d, hd, (d["Race1"] == "Mexican").to_numpy())
    assert ref_value(df, "domain_mexican", "se", "hd") == pytest.approx(se, rel=1e-10)
    _, se = _taylor_se(d, hd, all_rows, fpc=100)
    assert ref_value(df, "fpc100_mean", "se", "hd") == pytest.approx(se, rel=1e-10)
    # lonely PSU: drop stratum 75 PSU 2, as the R script does
    keep = ~((d["SDMVSTRA"] == d["SDMVSTRA"].min()) & (d["SDMVPSU"] == 2))
    dl = d[keep].reset_index(drop=True)
    hdl = hd[keep.to_numpy()]
    assert ref_value(df, "lonely_design", "dropped_rows") == (~keep).sum()
    for opt in ("remove", "certainty", "adjust", "average"):
        est, se = _taylor_se(dl, hdl, np.ones(len(dl), dtype=bool), lonely=opt)
        assert ref_value(df, f"lonely_{opt}", "estimate", "hd") == pytest.approx(est, rel=1e-12)
        assert ref_value(df, f"lonely_{opt}", "se", "hd") == pytest.approx(se, rel=1e-10), opt
        _, se = _taylor_se(dl, hdl, (dl["SurveyYr"] == "2009_10").to_numpy(), lonely=opt)
        assert ref_value(df, f"lonely_{opt}", "se", "hd", "SurveyYr=2009_10") == pytest.approx(se, rel=1e-10), opt
