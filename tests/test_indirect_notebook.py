"""Tutorial 4 (docs/04-indirect-estimation.ipynb) runs, prints the right numbers, ends with a figure, is fast.

The numbers it prints are checked against Rcapture's published output for the same
data (Rome HIV data of Abeni et al. 1994, ``closedpCI.t(HIV, mX = ~ . + c1:c2)``:
12,318.5, 95% CI 10,266 to 14,992.3; Seber's example: 2,389.9 / 130.4 and 2,382.8 / 129.1)
and against known truth (a noise-free table of 10,000 people; 12,000 / 0.25 = 48,000).
The notebook needs no data file. It must be committed without outputs and its
cells must run in under 15 s together (kernel start-up excluded).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
NB = Path(__file__).resolve().parents[1] / "docs" / "04-indirect-estimation.ipynb"
BUDGET = 15.0


@pytest.fixture(scope="module")
def executed():
    from nbclient import NotebookClient

    nb = nbformat.read(str(NB), as_version=4)
    NotebookClient(nb, timeout=120, startup_timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NB.parent)}}, record_timing=True).execute()
    return nb


def _stdout(nb) -> str:
    return "".join(o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_committed_clean():
    nb = nbformat.read(str(NB), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    assert "common mistake" in text and "illustrative" in text


def test_runs_without_error_and_ends_with_a_figure(executed):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""
    last = [c for c in executed.cells if c.cell_type == "code"][-1]
    assert any("image/png" in o.get("data", {}) for o in last.outputs)


def test_cells_run_within_budget(executed):
    total = 0.0
    for c in executed.cells:
        t = c.metadata.get("execution", {})
        if c.cell_type == "code" and "shell.execute_reply" in t:
            start = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
            total += (end - start).total_seconds()
    assert 0 < total < BUDGET, f"tutorial 4 cells took {total:.1f} s (budget {BUDGET} s)"


def test_printed_numbers(executed):
    out = _stdout(executed)
    assert re.search(r"lincoln_petersen 2389\.9 130\.4", out) and re.search(r"chapman 2382\.8 129\.1", out)
    assert "1,896 people seen; on each list: [466, 630, 693, 236]" in out
    m = re.search(r"Best model (\S+): N = ([\d,]+) \(95% CI ([\d,]+) to ([\d,]+)\)", out)
    assert m, out
    n, lo, hi = (float(g.replace(",", "")) for g in m.groups()[1:])
    assert m.group(1) == "c1:c2" and n == 12318 and abs(lo - 10266) <= 1 and abs(hi - 14992.3) <= 1
    assert re.search(r"^\s*A:B 10000\.0", out, re.M)  # the dependent-lists model recovers the truth
    indep = float(re.search(r"independence model finds ([\d,]+) people", out).group(1).replace(",", ""))
    assert indep < 9_000
    assert re.search(r"48000\.0 40000\.0\s+60000\.0 endpoints", out)
    assert re.search(r"48000\.0\s+1\.2\s+1\.0\s+1\.5", out)


def test_heterogeneity_and_single_source_sections(executed):
    """Issue 26: the Mth range beside the log-linear estimate; Chao's bound as Rcapture prints it."""
    out = _stdout(executed)
    m = re.search(r"Heterogeneity range: ([\d,]+) to ([\d,]+) \(log-linear c1:c2 alone: ([\d,]+)\)", out)
    assert m, out
    low, high, loglin = (float(g.replace(",", "")) for g in m.groups())
    assert loglin == 12318 and low < high and high > 2 * loglin
    assert re.search(r"^\s*chao 9273\.5 662\.6", out, re.M)  # Rcapture closedpCI.0(ill, ..., h = "LB")
