"""The tutorial notebooks run, print the right numbers, end with a figure, and stay fast.

Each ``docs/*.ipynb`` is executed once with nbclient (kernel ``python3``,
installed in the venv by ``python -m ipykernel install --sys-prefix``; working
directory ``docs/``). The numbers the notebooks print are checked against
independent computations on the raw mirrored files (plain pandas / numpy, not
drugtrends):

* tutorial 1: the weighted share of ever hard-drug use (ages 18-69, NHANES
  2009-2012) and its Taylor-linearised SE, computed by hand from PSU totals of
  the linearised ratio (stratified, with replacement);
* tutorial 2: the weighted share of women, and of people aged 50+ by cycle,
  among ever-users;
* tutorial 3: the APCs of the joinpoint segments, refitted by ordinary least
  squares on log(deaths) with hinge terms at the printed joinpoints, from the
  raw VSRR CSV.

The committed notebooks (every ``docs/NN-*.ipynb``) must have no outputs; the
three data tutorials run with the library's notebook runner and together in
under 3 minutes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: the tutorials on the mirrored data, run here (others, e.g. 04-indirect-estimation, have their own tests)
DATA_TUTORIALS = ["01-survey-prevalence", "02-user-profiles", "03-joinpoint-trend"]
ALL_TUTORIALS = sorted(DOCS.glob("[0-9][0-9]-*.ipynb"))
TUTORIALS = [DOCS / f"{n}.ipynb" for n in DATA_TUTORIALS]
TIMEOUT = 300  # seconds per cell
BUDGET = 180  # seconds for all notebooks together (issue 9)

nbformat = pytest.importorskip("nbformat")
pytestmark = pytest.mark.realdata


def _run(path: Path) -> tuple[object, float]:
    """Execute with the library's one notebook runner (as the docs build and the reports do)."""
    from drugtrends.render.execute import run_notebook

    nb = nbformat.read(str(path), as_version=4)
    t0 = time.perf_counter()
    run_notebook(nb, DOCS, name=f"tutorial {path.name}", timeout=TIMEOUT)
    return nb, time.perf_counter() - t0


@pytest.fixture(scope="module")
def executed(data_dir) -> dict[str, tuple[object, float]]:
    """name -> (executed notebook, seconds); executed once for the module."""
    return {p.stem: _run(p) for p in TUTORIALS}


def _stdout(nb) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                parts.append(out["text"])
    return "".join(parts)


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


# --------------------------------------------------------------------------- all notebooks


def test_tutorials_committed_clean():
    stems = [p.stem for p in ALL_TUTORIALS]
    assert stems[:3] == DATA_TUTORIALS, stems
    for p in ALL_TUTORIALS:
        nb = nbformat.read(str(p), as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3", p.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{p.name}: commit it without outputs"
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        if p.stem in DATA_TUTORIALS:
            assert "datasets." in "\n".join(c.source for c in code), f"{p.name} must use the mirrored data"
        assert "common mistake" in text.lower(), f"{p.name} must show a common mistake"


def test_every_tutorial_runs_and_ends_with_a_figure(executed):
    for name, (nb, _) in executed.items():
        last = [c for c in nb.cells if c.cell_type == "code"][-1]
        assert any("image/png" in o.get("data", {}) for o in last.outputs), f"{name}: last cell draws no figure"
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"


def test_tutorials_run_within_budget(executed):
    total = sum(sec for _, sec in executed.values())
    detail = ", ".join(f"{n} {s:.1f} s" for n, (_, s) in executed.items())
    assert total < BUDGET, f"tutorials took {total:.0f} s together (budget {BUDGET} s): {detail}"


# --------------------------------------------------------------------------- tutorial 1


def _nhanes(nhanes_raw: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame({
        "w": nhanes_raw["WTINT2YR"].astype(float) / 2,
        "h": nhanes_raw["SDMVSTRA"].astype(int),
        "psu": nhanes_raw["SDMVPSU"].astype(int),
        "cycle": nhanes_raw["SurveyYr"].astype(str),
        "age": nhanes_raw["Age"].astype(float),
        "female": (nhanes_raw["Gender"].astype(str) == "female").astype(float),
        "hd": nhanes_raw["HardDrugs"].map({"Yes": 1.0, "No": 0.0}),
    })
    return d


def _taylor_se_of_mean(d: pd.DataFrame, y: str, domain: np.ndarray) -> tuple[float, float]:
    """Weighted mean of ``y`` over ``domain`` and its linearised SE (PSUs with replacement in strata)."""
    ok = domain & d[y].notna().to_numpy()
    w = np.where(ok, d["w"], 0.0)
    yv = np.where(ok, d[y].fillna(0.0), 0.0)
    p = (w * yv).sum() / w.sum()
    z = w * (yv - p) / w.sum()
    tot = pd.DataFrame({"h": d["h"], "psu": d["psu"], "z": z}).groupby(["h", "psu"])["z"].sum().reset_index()
    var = 0.0
    for _, g in tot.groupby("h"):
        n_h = len(g)
        var += n_h / (n_h - 1) * ((g["z"] - g["z"].mean()) ** 2).sum()
    return p, float(np.sqrt(var))


def test_tutorial1_numbers(executed, nhanes_raw):
    out = _stdout(executed["01-survey-prevalence"][0])
    d = _nhanes(nhanes_raw)
    asked = d[d.hd.notna()]
    assert f"{len(d):,} respondents, {len(asked):,} answered" in out
    assert f"Unweighted share: {_pct(asked.hd.mean())}" in out
    assert f"Weighted share:   {_pct(np.average(asked.hd, weights=asked.w))}" in out
    adults = d.age.between(18, 69).to_numpy()
    p, se = _taylor_se_of_mean(d, "hd", adults)
    assert (round(p, 4), round(se, 5)) == (0.1835, 0.00781)  # hand computation, as in R svymean
    m = re.search(r"ages 18-69, 2009-2012: ([\d.]+)% \(95% CI ([\d.]+)% to ([\d.]+)%\), SE ([\d.]+)%", out)
    assert m, out
    assert float(m.group(1)) == round(100 * p, 1) and float(m.group(4)) == round(100 * se, 2)
    # t interval with the design df (62 PSUs - 29 strata = 33)
    from scipy import stats

    q = stats.t.ppf(0.975, 33)
    assert (float(m.group(2)), float(m.group(3))) == (round(100 * (p - q * se), 1), round(100 * (p + q * se), 1))
    # the change between cycles: the cycles use disjoint strata, so the covariance is 0
    p1, se1 = _taylor_se_of_mean(d, "hd", adults & (d.cycle == "2009_10").to_numpy())
    p2, se2 = _taylor_se_of_mean(d, "hd", adults & (d.cycle == "2011_12").to_numpy())
    diff, se_diff = p2 - p1, np.hypot(se1, se2)
    pval = 2 * stats.t.sf(abs(diff / se_diff), 33)
    assert (f"Change 2009_10 -> 2011_12: {100 * diff:+.1f} points (95% CI {100 * (diff - q * se_diff):+.1f} "
            f"to {100 * (diff + q * se_diff):+.1f}), p = {pval:.2f}") in out
    # the common mistake: what drugtrends says, and how much too small the SE would be
    assert "DesignError: stratum" in out and "has only one PSU" in out and "lonely_psu=" in out
    m = re.search(r"The wrong SE is (\d+)% too small", out)
    assert m and int(m.group(1)) >= 20, out


# --------------------------------------------------------------------------- tutorial 2


def test_tutorial2_numbers(executed, nhanes_raw):
    out = _stdout(executed["02-user-profiles"][0])
    d = _nhanes(nhanes_raw)
    users = d[(d.hd == 1) & d.age.between(18, 69)]
    women = np.average(users.female, weights=users.w)
    assert f"Women are {100 * women:.1f}% of users" in out
    shares = {c: np.average(g.age >= 50, weights=g.w) for c, g in users.groupby("cycle")}
    m = re.search(r"age50\s+([\d.]+)% ->\s+([\d.]+)%\s+change\s+([+-][\d.]+) points .*p = ([\d.]+)", out)
    assert m, out
    assert float(m.group(1)) == round(100 * shares["2009_10"], 1)
    assert float(m.group(2)) == round(100 * shares["2011_12"], 1)
    assert float(m.group(4)) < 0.05  # the shift the tutorial reports as significant
    assert "DesignError: profile_shift needs a SurveyDesign" in out
    assert re.search(r"sex\s+Rao-Scott F", out)


# --------------------------------------------------------------------------- tutorial 3


def test_tutorial3_numbers(executed, data_dir):
    out = _stdout(executed["03-joinpoint-trend"][0])
    # the US rows of the 2025 edition, read as published (January 2015 - April 2025)
    raw = pd.read_csv(data_dir / "cdc_vsrr_2025" / "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv",
                      thousands=",")
    us = raw[(raw.State == "US") & raw.Indicator.str.startswith("Synthetic opioids, excl. methadone")].copy()
    months = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"])}
    us["x"] = us.Year + us.Month.map(months) / 12
    us["deaths"] = pd.to_numeric(us["Predicted Value"].astype(str).str.replace(",", ""), errors="coerce").fillna(
        pd.to_numeric(us["Data Value"].astype(str).str.replace(",", ""), errors="coerce"))
    us = us.sort_values("x")
    assert len(us) == 124
    assert f"12-month deaths: {us.deaths.iloc[0]:,.0f} (first month) -> {us.deaths.iloc[-1]:,.0f}" in out
    assert "Joinpoints selected: 2" in out
    segs = re.findall(r"Segment \d: (\w+ \d{4}) to (\w+ \d{4}): APC ([+-][\d.]+)%", out)
    assert len(segs) == 3, out
    taus = [pd.Timestamp(segs[0][1]), pd.Timestamp(segs[1][1])]
    taus = [t.year + (t.month - 1) / 12 for t in taus]
    x, y = us.x.to_numpy(), np.log(us.deaths.to_numpy())
    X = np.column_stack([np.ones_like(x), x] + [np.clip(x - t, 0, None) for t in taus])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    slopes = np.cumsum(beta[1:])
    apcs = 100 * (np.exp(slopes) - 1)
    assert [float(s[2]) for s in segs] == [round(a, 1) for a in apcs]
    assert "ValueError: joinpoint(): duplicated x values" in out
