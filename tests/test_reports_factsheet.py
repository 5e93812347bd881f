"""Fact sheets (issue 14): one per substance with data, crack and ketamine included, at most two A4 pages.

References read by hand from the files: UNODC 1.2 NPS sheet, France, "Ketamine: Ketamine", 2023,
past year 0.6 (ages 18-64); UCI drug consumption, crack used in the last year (CL3+) by 79 of the
1,885 respondents. The rendering tests (marked slow) render the cocaine, crack and ketamine fact
sheets in English and French with the built-in renderer and count the PDF pages with pdfinfo.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from drugtrends_reports import common  # noqa: E402
from drugtrends_reports import factsheet as F  # noqa: E402
from drugtrends_reports import trends_report as R  # noqa: E402

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[1]
QMD = ROOT / "reports" / "factsheet.qmd"


@pytest.fixture(scope="module")
def data(data_dir):
    out = {}
    for name in F.DATASETS:
        df, msg = common.try_load(name)
        assert df is not None, msg
        out[name] = df
    return out


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _text(items) -> str:
    return "\n".join(i for i in items if isinstance(i, str))


def test_variants_cover_crack_and_ketamine(data):
    from drugtrends import render

    doc = render.parse_qmd(QMD.read_text(encoding="utf-8"), QMD)
    declared = [v["substance"] for v in render.report_variants(doc)]
    assert declared == list(F.FACTSHEETS) == F.substances_with_data(data["unodc_prevalence"])
    assert {"crack", "ketamine", "cocaine"} <= set(declared)


def test_ketamine_key_figure_is_france_2023(data):
    sel = F.select_prevalence(data["unodc_prevalence"], substances=("ketamine",))
    k = F.prevalence_key(sel, "ketamine", "France", "en")
    assert (k.value, k.year, k.population) == (0.6, 2023, "population aged 18-64")
    assert k.value_text("fr") == "0,6\u202f%"


def test_crack_page_uses_uci_and_says_what_is_missing(data):
    items = F.page("crack", "en", data=data)
    txt = _text(items)
    users = int(data["uci_drug_consumption"]["crack_year"].sum())
    assert users == 79 and "79 of the 1,885 respondents (4.2%)" in txt
    assert "UNODC publishes no crack-specific general-population estimate" in txt
    # sources list only what the page used: no UNODC 1.2, no seizures (France has none for crack)
    src = items[-1]
    assert "table 1.2" not in src and "table 7.1" not in src and "Fehrman" in src
    box = [i for i in items if hasattr(i, "items")][0]
    kf = box.items[0]
    assert kf.value == pytest.approx(100 * users / len(data["uci_drug_consumption"]))
    assert kf.low < kf.value < kf.high and kf.interval == "ci"
    figs = [i for i in items if isinstance(i, R.Fig)]
    assert len(figs) == 1 and "18-24: 6.5%" in figs[0].alt


def test_every_factsheet_builds_and_has_key_figures(data):
    for s in F.FACTSHEETS:
        items = F.page(s, "en", data=data)
        assert isinstance(items[0], R.Title) and items[1] == "## Key figures", s
        assert any(hasattr(i, "items") and i.items for i in items), s
        plt.close("all")


def test_french_factsheet_has_no_english(data):
    items = F.page("cocaine", "fr", data=data)
    txt = _text(items)
    alts = " ".join(i.alt for i in items if isinstance(i, R.Fig))
    box = [i for i in items if hasattr(i, "items")][0].as_html()
    tables = " ".join(" ".join(map(str, it.data.columns)) + str(it.title) for it in items if hasattr(it, "data"))
    page = " ".join([txt, alts, box, tables])
    for w in (r"Past-year", r"\bKey figures\b", r"Government source", r"\bseized\b", r"\bYear\b", r"\bMen\b",
              r"\bsignificance\b", r"\bdeaths\b"):
        assert not re.search(w, page), w
    assert "Chiffres clés" in txt and "Cocaïne : fiche produit" == items[0].text


# ------------------------------------------------------------------ rendered pages (slow)


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


@pytest.mark.slow
@pytest.mark.parametrize("substance", ["cocaine", "crack", "ketamine"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_factsheet_pdf_at_most_two_pages(tmp_path, data_dir, substance, lang):
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    from drugtrends import render

    files = render.render_file(QMD, to="all", params={"substance": substance, "lang": lang}, engine="builtin",
                               cache=False, output_dir=tmp_path, quiet=True)
    names = {p.name for p in files}
    stem = f"factsheet-{substance}" + ("-fr" if lang == "fr" else "")
    assert {f"{stem}.html", f"{stem}.pdf"} <= names
    assert _pages(tmp_path / f"{stem}.pdf") <= 2
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_render_browser import check_pdf_pages

    ink = check_pdf_pages(tmp_path / f"{stem}.pdf", outdir=tmp_path / "png")["ink"]
    assert len(ink) == 1 or ink[-1] >= 0.12 * max(ink), ink  # no near-empty last page
    html = (tmp_path / f"{stem}.html").read_text(encoding="utf-8")
    assert ("Chiffres clés" if lang == "fr" else "Key figures") in html
    for img in re.findall(r"<img[^>]*>", html):
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and len(alt.group(1)) > 40, img[:200]


def test_factsheet_without_data_says_which_dataset_to_fetch():
    items = F.page("cocaine", "en", data={k: None for k in F.DATASETS})
    txt = _text(items)
    assert "drugtrends fetch unodc_wdr2025" in txt and "drugtrends fetch uci_drug_consumption" in txt
    for bad in ("Traceback", "Error", "/work", "/tmp", ".xlsx", "http"):
        assert bad not in txt
    assert not [i for i in items if isinstance(i, R.Fig)]
