"""Tutorial 5 (docs/05-age-at-first-use.ipynb, issue 26) runs, prints the right numbers, ends with a figure.

The numbers it prints are checked against plain pandas on the same NSDUH 2022 file: where nobody
is censored before an age (adults are censored at 18 or later), the survey Kaplan-Meier
(product-limit) share who started before 18 equals the weighted share of respondents whose age at
first use is 17 or less, exactly. Committed without outputs; cells within 60 s.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
NB = Path(__file__).resolve().parents[1] / "docs" / "05-age-at-first-use.ipynb"
pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def executed(data_dir):
    from drugtrends.render.execute import run_notebook

    nb = nbformat.read(str(NB), as_version=4)
    t0 = time.perf_counter()
    run_notebook(nb, NB.parent, name="tutorial 05-age-at-first-use", timeout=300)
    return nb, time.perf_counter() - t0


@pytest.fixture(scope="module")
def nsduh(data_dir):
    import drugtrends as dt

    return dt.load("nsduh", year=2022)


def _stdout(nb) -> str:
    return "".join(o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_committed_clean():
    nb = nbformat.read(str(NB), as_version=4)
    nbformat.validate(nb)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    assert "common mistake" in text and "censored" in text


def test_runs_ends_with_a_figure_and_is_fast(executed):
    nb, secs = executed
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any("image/png" in o.get("data", {}) for o in last.outputs)
    assert secs < 90, secs


def test_printed_shares_equal_plain_weighted_shares(executed, nsduh):
    out = _stdout(executed[0])
    d = nsduh
    young = d["age_first_cannabis"].le(17) & d["ever_cannabis"].eq(1)
    for sex in ("male", "female"):
        m = re.search(rf"{sex}: ([\d.]+)% started before 18", out)
        assert m, out
        adults = d["sex"].astype(str).eq(sex) & ~d["age_group"].astype(str).isin(["12-13", "14-15", "16-17"])
        share = (d.loc[adults & young, "weight"].sum() / d.loc[adults, "weight"].sum()) * 100
        assert float(m.group(1)) == pytest.approx(round(share, 1), abs=0.051), (sex, share)
    row = re.search(r"^35-49\s+([\d.]+) \(", out, re.M)
    c = d["age_group"].astype(str).eq("35-49")
    share = d.loc[c & young, "weight"].sum() / d.loc[c, "weight"].sum() * 100
    assert row and float(row.group(1)) == pytest.approx(round(share, 1), abs=0.051)
