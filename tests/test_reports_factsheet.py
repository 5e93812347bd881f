"""Fact sheets (issue 14): one per substance with data, crack and ketamine included, at most two A4 pages.

References read by hand from the files: UNODC 1.2 NPS sheet, France, "Ketamine: Ketamine", 2023,
past year 0.6 (ages 18-64); UCI drug consumption, crack used in the last year (CL3+) by 79 of the
1,885 respondents. The rendering tests (marked slow) render every fact sheet in English, and in
French crack and those that once took three pages (opioids, opiates, amphetamines), with the
built-in renderer, and count the PDF pages with pdfinfo.
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


def test_crack_page_headline_is_not_the_online_sample(data):
    """Issue 23: the crack headline is wastewater (benzoylecgonine, caveat said) and French trafficking cases,
    not the UK/US online convenience sample; UCI stays in "who uses it", said to be a convenience sample."""
    items = F.page("crack", "en", data=data)
    txt = _text(items)
    users = int(data["uci_drug_consumption"]["crack_year"].sum())
    assert users == 79 and "79 of the 1,885 respondents (4.2%)" in txt
    assert "UNODC publishes no crack-specific general-population estimate" in txt
    assert "does not tell crack from cocaine powder" in txt
    box = [i for i in items if hasattr(i, "items")][0]
    labels = [k.label for k in box.items]
    assert "UCI" not in labels[0] and not any("UCI" in lab for lab in labels)
    assert box.items[0].value == pytest.approx(427.42) and box.items[0].year == 2021
    assert any(k.value == 56918 for k in box.items)
    src = items[-1]
    assert "table 1.2" not in src and "table 7.1" not in src and "Fehrman" in src and "SCORE" in src
    figs = [i for i in items if isinstance(i, common.Fig)]
    # the wastewater chart (cocaine in all forms) and the UCI "who uses it" chart, no trend chart of prevalence
    assert len(figs) == 2 and "wastewater" in figs[0].alt and "18-24: 6.5%" in figs[1].alt


def test_cocaine_sheet_new_sources_in_french(data):
    items = F.page("cocaine", "fr", data=data)
    box = [i for i in items if hasattr(i, "items")][0]
    texts = [k.value_text("fr") for k in box.items]
    assert "427,42" in texts and any(t.replace("\u202f", " ").replace("\u00a0", " ") == "56 918" and " " not in t
                                     for t in texts)
    assert "rang 19 sur 78" in _text(items)


def test_ketamine_sheet_wastewater_top_city_when_no_french_site(data):
    items = F.page("ketamine", "en", data=data)
    box = [i for i in items if hasattr(i, "items")][0]
    ww = [k for k in box.items if "wastewater" in k.label]
    assert len(ww) == 1 and ww[0].year == 2022 and "no French site" in ww[0].note


def test_every_factsheet_builds_and_has_key_figures(data):
    for s in F.FACTSHEETS:
        items = F.page(s, "en", data=data)
        assert isinstance(items[0], common.Title) and items[1] == "## Key figures", s
        assert any(hasattr(i, "items") and i.items for i in items), s
        plt.close("all")


def test_french_factsheet_has_no_english(data):
    items = F.page("cocaine", "fr", data=data)
    txt = _text(items)
    alts = " ".join(i.alt for i in items if isinstance(i, common.Fig))
    box = [i for i in items if hasattr(i, "items")][0].as_html()
    tables = " ".join(" ".join(map(str, it.data.columns)) + str(it.title) for it in items if hasattr(it, "data"))
    page = " ".join([txt, alts, box, tables])
    for w in (r"Past-year", r"\bKey figures\b", r"Government source", r"\bseized\b", r"\bYear\b", r"\bMen\b",
              r"\bsignificance\b", r"\bdeaths\b"):
        assert not re.search(w, page), w
    assert "Chiffres clés" in txt and "Cocaïne\u00a0: fiche produit" == items[0].text


def _trend(data, substance, lang):
    sel = F.select_prevalence(data["unodc_prevalence"], substances=(substance,))
    keep = sel[sel["country"].isin(F.trend_countries(sel, substance))]
    return keep, F.trend_figure(keep, substance, lang)


def test_trend_chart_names_breaks_by_kind_when_the_reasons_are_long(data):
    from drugtrends import style

    # opioids: Germany's definition change, then the United States' NSDUH 2015, 2020 and 2021 breaks (the last
    # also a definition and a method change); the detailed reasons run over 400 characters, so kinds only
    keep, fig = _trend(data, "opioids", "en")
    notes = F.trend_break_notes(keep, "en").dropna()
    assert sorted(notes) == ["NSDUH 2015 questionnaire redesign", "NSDUH 2020 data-collection mode change",
                             "NSDUH multimode methodology from 2021, substance definition changed, estimation method "
                             "changed", "substance definition changed"]
    assert dict(keep.loc[notes.index, "country"].value_counts()) == {"United States": 3, "Germany": 1}
    breaks = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == "break"]
    assert len(breaks) == 4  # every break still drawn
    note = style.get_source_note(fig)
    assert "4 = NSDUH multimode methodology from 2021, substance definition changed" in note.replace("\n", " ")
    assert note.count("\n") + 1 <= 5 and "(was:" not in note
    # short reasons stay detailed (opiates in English: 96 characters); the French ones are longer, so kinds
    keep, _ = _trend(data, "opiates", "en")
    assert sorted(F.trend_break_notes(keep, "en").dropna()) == [
        "NSDUH 2020 mode change (2020 is comparable with no other year)", "age range changed (15-64 to 18-64)"]
    assert sorted(F.trend_break_notes(keep, "fr").dropna()) == [
        "changement de mode de collecte de la NSDUH en 2020", "tranche d'âge modifiée"]
    # the fact sheet's panels are lower than the trends report's, the figure still one row of three
    assert [a.get_title(loc="left") for a in fig.axes if a.get_visible()] == ["Germany", "Belgium", "United States"]
    assert fig.get_figheight() < 4.7


def test_sources_of_one_annex_share_a_bullet():
    txt = F.sources_list(["unodc12", "unodc71", "nchs", "unodc21", "uci"], "en")
    bullets = [line for line in txt.splitlines() if line.startswith("- ")]
    assert bullets[0] == "- UNODC, World Drug Report 2025, statistical annex, tables 1.2, 7.1 and 2.1"
    assert len(bullets) == 3 and "Fehrman" in bullets[2]
    fr = F.sources_list(["unodc71", "unodc12"], "fr").splitlines()[0]
    assert fr == "- ONUDC, Rapport mondial sur les drogues 2025, annexe statistique, tableaux 7.1 et 1.2"


def test_uci_key_figure_only_without_unodc_prevalence(data):
    def box(s):
        items = F.page(s, "en", data=data)
        plt.close("all")
        return [k.label for k in [i for i in items if hasattr(i, "items")][0].items]

    uci = "among UCI respondents"
    # opioids: no French estimate but a US one; the UCI share is in "who uses it", not repeated in the box
    assert not any(uci in k for k in box("opioids")) and "Past-year opioids use, United States" in box("opioids")
    assert not any(uci in k for k in box("crack")) and any(uci in k for k in box("nps"))  # crack: wastewater


def test_sheet_without_uci_item_says_so_without_a_section(data):
    txt = _text(F.page("prescription_stimulants", "en", data=data))
    assert "## Who uses it" not in txt
    assert "Non-medical use of prescription stimulants. The UCI drug consumption survey, the only source here that " \
           "describes users, has no item for this substance." in txt


# ------------------------------------------------------------------ rendered pages (slow)


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


#: Sheets rendered in French too: crack (issue 14) and those that once took three pages.
FRENCH = tuple(F.FACTSHEETS)  # issue 23: every sheet in both languages
#: Sheets also rendered to HTML (the alt-text check): issue 14's, in English; crack in French too.
HTML = (("cocaine", "en"), ("crack", "en"), ("ketamine", "en"), ("crack", "fr"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, data_dir) -> dict:
    """Every English fact sheet and the :data:`FRENCH` ones, rendered once (PDF; HTML for :data:`HTML`).

    One render per sheet (about 8 s each, 16 sheets): the tests below share them.
    """
    if shutil.which("pdfinfo") is None or shutil.which("pdftoppm") is None:
        pytest.skip("pdfinfo/pdftoppm (poppler-utils) not installed")
    from drugtrends import render

    out = tmp_path_factory.mktemp("factsheets")
    for lang, subs in (("en", list(F.FACTSHEETS)), ("fr", FRENCH)):
        for s in subs:
            render.render_file(QMD, to="all" if (s, lang) in HTML else "pdf", params={"substance": s, "lang": lang},
                               engine="builtin", cache=False, output_dir=out, quiet=True)
    return {(s, lang): out / (f"factsheet-{s}" + ("-fr" if lang == "fr" else ""))
            for lang, subs in (("en", list(F.FACTSHEETS)), ("fr", FRENCH)) for s in subs}


@pytest.mark.slow
def test_every_factsheet_pdf_at_most_two_pages(rendered, tmp_path):
    """The issue's bar: at most two A4 pages, and no near-empty last page (content spilling over)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_render_browser import check_pdf_pages

    assert len(rendered) == len(F.FACTSHEETS) + len(FRENCH) == 24
    too_long, near_empty = {}, {}
    for stem in rendered.values():
        pdf = stem.with_suffix(".pdf")
        assert pdf.is_file(), pdf.name
        pages = _pages(pdf)
        if pages > 2:
            too_long[pdf.name] = pages
        ink = check_pdf_pages(pdf, outdir=tmp_path / pdf.stem)["ink"]
        if len(ink) > 1 and ink[-1] < 0.12 * max(ink):
            near_empty[pdf.name] = [round(i, 3) for i in ink]
    assert not too_long, f"fact sheets over two A4 pages: {too_long}"
    assert not near_empty, f"near-empty last page: {near_empty}"


@pytest.mark.slow
@pytest.mark.parametrize(("substance", "lang"), HTML)
def test_factsheet_html_has_title_and_alt_text(rendered, substance, lang):
    html = rendered[(substance, lang)].with_suffix(".html").read_text(encoding="utf-8")
    assert ("Chiffres clés" if lang == "fr" else "Key figures") in html
    imgs = re.findall(r"<img[^>]*>", html)
    assert imgs
    for img in imgs:
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and len(alt.group(1)) > 40, img[:200]


def test_factsheet_without_data_has_no_developer_text():
    items = F.page("cocaine", "en", data={k: None for k in F.DATASETS})
    txt = _text(items)
    for bad in ("drugtrends fetch", "Traceback", "Error", "/work", "/tmp", ".xlsx", "http"):
        assert bad not in txt
    assert not [i for i in items if isinstance(i, common.Fig)]
