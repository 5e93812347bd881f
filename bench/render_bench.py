"""Benchmark (not a test): time ``make report``'s render step against the 3-minute budget.

From a clean output folder, renders every report and every declared variant
(the fact sheets) to HTML and PDF without the cache, as ``drugtrends render
--to all --no-cache`` does, and prints the seconds taken and the ratio to the
budget. The data must already be fetched (``make fetch``).

Run: ``.venv/bin/python -m bench.render_bench`` (about a minute or two).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

#: seconds ``make report`` may take to render everything (issue 7)
BUDGET_S = 180.0


def main() -> float:
    """Render all reports into a fresh temporary folder; print and return the seconds taken."""
    from drugtrends import render

    out = Path(tempfile.mkdtemp(prefix="dt-render-bench-"))
    old = os.environ.get("DRUGTRENDS_OUTPUT")
    os.environ["DRUGTRENDS_OUTPUT"] = str(out)
    try:
        t0 = time.perf_counter()
        files = render.render_reports(None, to="all", cache=False, output_dir=out, quiet=True)
        secs = time.perf_counter() - t0
    finally:
        if old is None:
            os.environ.pop("DRUGTRENDS_OUTPUT", None)
        else:
            os.environ["DRUGTRENDS_OUTPUT"] = old
        shutil.rmtree(out, ignore_errors=True)
    n_html = sum(p.suffix == ".html" for p in files)
    n_pdf = sum(p.suffix == ".pdf" for p in files)
    status = "within" if secs <= BUDGET_S else "OVER"
    print(f"render all reports (no cache): {secs:.1f} s for {n_html} HTML + {n_pdf} PDF; "
          f"budget {BUDGET_S:.0f} s, ratio {secs / BUDGET_S:.2f} ({status} budget)")
    return secs


if __name__ == "__main__":
    main()
