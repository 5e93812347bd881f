"""The four Quarto reports, rendered once per session to HTML and PDF and read back.

* every HTML page opened in headless Chromium: no console error, every image
  loaded, nothing fetched from outside the file (``check_html_in_browser``);
* every PDF page rasterised and inked; page count stable across a cached and
  a ``cache=False`` re-render;
* numbers in the prose equal the analysis functions' values (France cocaine
  2.7% in 2023, read by hand from UNODC annex 1.2);
* ``lang=fr`` gives French labels; rendering twice gives identical HTML apart
  from the build time;
* issue 14: every page has its key figures, every ``<img>`` a meaningful alt
  text, no page a traceback or a machine path; French pages have a French
  title and no English label; tables are numbered; the profiles cover 60-69;
* a missing dataset gives no traceback and no developer instruction on the page;
* the fact sheet's declared variants equal the substances with data, and an
  unknown substance fails on the command line with the valid list.

Browser and PDF checks skip locally without chromium/poppler and fail under
``CI=true`` (same rule as ``test_render_browser.py``).
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_render_browser import check_html_in_browser, check_pdf_pages, require_tools  # noqa: E402

from drugtrends import render  # noqa: E402

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
NAMES = ["trends", "profiles", "factsheet", "methods"]
#: French renders checked (issues 14, 23): the reports, the methods appendix and the cocaine fact sheet.
FRENCH = ["trends-fr", "profiles-fr", "factsheet-cocaine-fr", "methods-fr"]
ALL = NAMES + FRENCH
#: English words or labels that must not appear on a French page (issue 14 list + house labels).
ENGLISH_ON_FRENCH_PAGE = [r"Government source", r"College Grad", r"High School", r"\bfemale\b", r"\bmale\b",
                          r"Past-year", r"\bKey figures\b", r"\bSource: ", r"95% CI", r"Estimate \(%\)",
                          r"\bSuppressed\b", r"\bYear\b", r"\bWomen\b", r"\bMen\b", r"lifetime use",
                          r"Consumer profiles", r"Figure \d+: ", r"\bTable \d+\."]
#: Signs of a leak of the machine into a page.
LEAKS = [r"Traceback", r"/work/", r"/tmp/", r"/root/", r"/home/", r"site-packages", r'File "', r"Error:"]
_BUILD = re.compile(r'<time class="build-time"[^>]*>.*?</time>', re.S)


def _render(name: str, out: Path, params=None, to: str = "all", cache: bool = True) -> dict[str, Path]:
    files = render.render_file(REPORTS / f"{name}.qmd", to=to, params=params, engine="builtin", cache=cache,
                               output_dir=out, quiet=True)
    return {p.suffix: p for p in files}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, data_dir):
    """Every report with its default parameters (HTML + PDF) and trends with lang=fr, rendered once."""
    out = tmp_path_factory.mktemp("reports")
    res = {name: _render(name, out) for name in NAMES}
    for name in FRENCH:
        base, _, sub = name.removesuffix("-fr").partition("-")
        params = {"lang": "fr"} | ({"substance": sub} if sub else {})
        res[name] = _render(base, out, params)
    res["_out"] = out
    return res


def _text(html: Path) -> str:
    t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html.read_text(encoding="utf-8"), flags=re.S)
    t = re.sub(r"<[^>]+>", " ", t)
    import html as _h

    t = _h.unescape(t).replace("\u2019", "'")  # pandoc's smart apostrophes
    return re.sub(r"[ \t\r\n]+", " ", t)  # keep no-break spaces (French "2,7\u00a0%")


# ------------------------------------------------------------------ what a reader sees


@pytest.mark.parametrize("name", ALL)
def test_html_in_browser(rendered, name):
    require_tools("chromium", "chromedriver")
    res = check_html_in_browser(rendered[name][".html"])
    assert res["console_errors"] == [], res["console_errors"]
    assert res["broken_images"] == []
    assert res["external"] == [], res["external"]
    assert "Traceback" not in res["text"]
    if name not in ("methods", "methods-fr"):
        assert len(res["images"]) >= 1  # every report but the appendix has figures
    for img in res["images"]:  # meaningful alt text: what the figure shows, not only a title
        assert img["alt"] and len(img["alt"].split()) >= 8, img
    key = "Chiffres clés" if name.endswith("-fr") else "Key figures"
    assert key in res["text"], name


@pytest.mark.parametrize("name", ALL)
def test_pdf_pages_inked(rendered, name, tmp_path):
    require_tools("pdftoppm", "pdfinfo")
    r = check_pdf_pages(rendered[name][".pdf"], outdir=tmp_path)
    assert r["pages"] >= 1 and r["blank"] == [], r
    if r["pages"] > 1:  # no near-empty last page (a stray bullet or the build line alone)
        assert r["ink"][-1] >= 0.12 * max(r["ink"]), r["ink"]


def test_pages_have_no_traceback_or_machine_path(rendered):
    for name in ALL:
        t = _text(rendered[name][".html"])
        for pat in LEAKS:
            assert not re.search(pat, t), (name, pat, re.search(f".{{0,80}}{pat}.{{0,80}}", t).group(0))


def test_french_pages_have_french_titles_and_no_english_labels(rendered):
    for name in FRENCH:
        raw = rendered[name][".html"].read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", raw, re.S).group(1)
        assert "/" not in title and not re.search(r"\b(Trends|profiles|fact sheet|Methods)\b", title, re.I), title
        t = _text(rendered[name][".html"])
        assert "Chiffres clés" in t
        for pat in ENGLISH_ON_FRENCH_PAGE:
            m = re.search(pat, t)
            assert m is None, (name, pat, t[max(0, m.start() - 80):m.end() + 80])
        for texts in _figure_texts(raw):  # figure texts (titles, axes, notes) are French too
            joined = " ".join(texts)
            for pat in (r"\bYear\b", r"\bSource: ", r"95% CI", r"Prevalence", r"\bbreaks? in series"):
                assert not re.search(pat, joined), (name, pat, joined[:200])


@pytest.mark.parametrize("name", FRENCH)
def test_french_typography_on_every_french_page(rendered, name):
    """No ordinary space before % ; : ! ? nor inside « » on a rendered French page (issue 23)."""
    from test_french_pages import visible_text

    from drugtrends.i18n.typography import bad_spaces

    text = visible_text(rendered[name][".html"].read_text(encoding="utf-8"))
    assert bad_spaces(text) == []


@pytest.mark.parametrize("name", ["profiles-fr", "methods-fr"])
def test_no_english_label_on_french_profiles_and_methods(rendered, name):
    from test_french_pages import english_words, visible_text

    text = visible_text(rendered[name][".html"].read_text(encoding="utf-8"))
    text = text.split("drugtrends built-in renderer")[0]  # the footer names software, in English by nature
    assert english_words(text) == []


def test_profiles_cover_every_age_asked_and_state_the_model_population(rendered):
    # issue 23: the NSDUH 2022 profile (12-17, 18-25, 26+ and 50+); NHANES/UCI in a teaching annex with limits
    t = _text(rendered["profiles"][".html"])
    assert "Key issues" in t and "Data years" in t and "15.1%" in t and "42.5" in t
    assert all(g in t for g in ("12-17", "18-25", "26 or older", "50 or older"))
    assert "ages 18-59 only" in t  # marijuana asked 18-59 (annex): the restriction is said where the numbers are
    assert "convenience sample" in t and "crack" in t and "ketamine" in t and "drugtrends fetch" not in t
    fr = _text(rendered["profiles-fr"][".html"])
    assert "Points clés" in fr and "Expérimentation" in fr and "échantillon de convenance" in fr
    assert "15,1\u202f%" in fr and "50 ou plus" in fr


def test_pdf_page_count_stable_without_cache(rendered, tmp_path):
    """A cached re-render and a full re-execution give the same number of pages."""
    require_tools("pdftoppm", "pdfinfo")
    first = check_pdf_pages(rendered["factsheet"][".pdf"], outdir=tmp_path / "a")
    again = _render("factsheet", tmp_path / "o1", to="pdf")  # from the cache
    fresh = _render("factsheet", tmp_path / "o2", to="pdf", cache=False)
    assert check_pdf_pages(again[".pdf"], outdir=tmp_path / "b")["pages"] == first["pages"]
    assert check_pdf_pages(fresh[".pdf"], outdir=tmp_path / "c")["pages"] == first["pages"]


# ------------------------------------------------------------------ content


def test_numbers_in_prose_equal_analysis(rendered):
    from drugtrends_reports import common
    from drugtrends_reports import trends as T

    prev, msg = common.try_load("unodc_prevalence")
    assert prev is not None, msg
    kf = T.key_figure(T.select_prevalence(prev), "France", "cocaine")
    assert (kf.year, kf.best) == (2023, 2.7)  # read by hand from annex 1.2
    sentence = T.key_sentence(kf)
    assert "2.7% in 2023" in sentence
    assert sentence in _text(rendered["trends"][".html"])
    sheet = _text(rendered["factsheet"][".html"])  # the fact sheet's key-figures box
    assert re.search(r"Key figures 2\.7% Past-year cocaine use, France 2023", sheet), sheet[:300]
    fr = T.key_sentence(kf, "fr")
    assert fr in _text(rendered["trends-fr"][".html"])


def test_french_labels(rendered):
    t = _text(rendered["trends-fr"][".html"])
    assert "cocaïne" in t and "Prévalence" in t
    assert "Tendances" in t and "Chiffres clés" in t
    # the page chrome follows -P lang=fr too: html lang, TOC title, footer
    raw = rendered["trends-fr"][".html"].read_text(encoding="utf-8")
    assert 'lang="fr"' in raw and "Sommaire" in raw and "Produit le" in raw
    assert 'lang="fr"' not in rendered["trends"][".html"].read_text(encoding="utf-8")


def _figure_texts(html: str) -> list[list[str]]:
    """The text strings of each embedded matplotlib SVG (drawn as paths, named in SVG comments)."""
    import base64

    out = []
    for b in re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,([^"]+)"', html):
        svg = base64.b64decode(b).decode("utf-8")
        out.append([t.strip() for t in re.findall(r"<!-- (.*?) -->", svg) if t.strip()])
    return out


def _tables(html: str) -> list[str]:
    import html as _h

    return [re.sub(r"\s+", " ", _h.unescape(re.sub(r"<[^>]+>", " ", t)))
            for t in re.findall(r"<table.*?</table>", html, re.S)]


def test_figures_have_title_axis_labels_and_source(rendered):
    for name in ALL:
        figs = _figure_texts(rendered[name][".html"].read_text(encoding="utf-8"))
        if name not in ("methods", "methods-fr"):
            assert figs, name
        for texts in figs:
            words = [t for t in texts if re.search(r"[A-Za-zÀ-ÿ]{3}", t)]
            assert any(t.startswith("Source") for t in words), (name, words[:5])
            # a title and at least one axis label besides the source line
            assert len([t for t in words if not t.startswith("Source")]) >= 2, (name, words)


def test_estimate_tables_have_n_estimate_ci_and_explain_suppression(rendered):
    tabs = _tables(rendered["profiles"][".html"].read_text(encoding="utf-8"))
    assert all(re.match(r"\s*Table \d+\. ", t) for t in tabs), [t[:60] for t in tabs]  # numbered, captioned
    # issue 23: NSDUH 2022 lifetime use by group, % with CI beside millions of people, unweighted n
    groups = [t for t in tabs if re.search(r"Table \d+\. Lifetime use of \w+ by population group", t)]
    assert len(groups) == 6, [t[:80] for t in tabs]
    for t in groups:
        assert "% (95% CI)" in t and "People, millions (95% CI)" in t and "Respondents" in t, t[:200]
        assert all(g in t for g in ("Men", "Women", "12-17", "18-25", "50 or older")), t[:400]
    cocaine = next(t for t in groups if "Lifetime use of cocaine" in t)
    assert "15.1 (14.4–15.8) 42.5 (39.9–45.2) 59,069" in cocaine  # 15.07 % of 282.0 million (data README)
    for t in groups:
        if re.search(r"(^|\s)\*(\s|$)", t):  # a suppressed cell is explained in the notes
            assert "suppression rule" in t and "NSDUH" in t, t[-400:]
    assert any(re.search(r"(^|\s)\*(\s|$)", t) for t in groups)  # rare drugs x small groups are suppressed
    annex = [t for t in tabs if "by cycle and sex" in t]  # NHANES kept as a teaching annex, same contract
    assert len(annex) == 2 and all("n (unweighted)" in t and "Estimate (%)" in t and "95% CI" in t for t in annex)


def test_render_twice_identical_but_build_time(rendered, tmp_path):
    again = _render("factsheet", tmp_path, to="html")
    a = _BUILD.sub("", rendered["factsheet"][".html"].read_text(encoding="utf-8"))
    b = _BUILD.sub("", again[".html"].read_text(encoding="utf-8"))
    assert a == b


# ------------------------------------------------------------------ missing data


def test_missing_dataset_gives_notes_not_tracebacks(tmp_path, monkeypatch, data_dir):
    empty = tmp_path / "empty-data"
    mirror = tmp_path / "empty-mirror"
    empty.mkdir()
    mirror.mkdir()
    monkeypatch.setenv("DRUGTRENDS_DATA", str(empty))
    monkeypatch.setenv("DRUGTRENDS_MIRROR", str(mirror))
    from drugtrends.errors import DataNotFoundError

    # no dataset at all: the render stops with one clear message (and the CLI exits non-zero)
    with pytest.raises(DataNotFoundError, match="drugtrends fetch unodc_wdr2025") as e:
        _render("factsheet", tmp_path / "out", to="html", cache=False)
    assert "Traceback" not in str(e.value)
    # some datasets missing: each section says so in one sentence, with the fetch command
    only = tmp_path / "only-uci"
    only.mkdir()
    (only / "uci_drug_consumption").symlink_to(data_dir / "uci_drug_consumption", target_is_directory=True)
    monkeypatch.setenv("DRUGTRENDS_DATA", str(only))
    out = _render("profiles", tmp_path / "out2", to="html", cache=False)
    t = _text(out[".html"])
    for pat in LEAKS:
        assert not re.search(pat, t), pat
    # issue 23: no developer instruction on a page (the fetch command belongs to the methods appendix)
    assert "drugtrends fetch" not in t and "fetch it with" not in t


def test_trends_pages_show_held_out_numbers_summary_data_years_and_map(rendered):
    """Issue 23's bar on the rendered trends report, both languages: Key issues first, the data-years table,
    the French map, held-out numbers of each new source correctly formatted, no placeholder text."""
    en, fr = _text(rendered["trends"][".html"]), _text(rendered["trends-fr"][".html"])
    assert en.index("Key issues") < en.index("Data years") < en.index("US overdose deaths to April 2025")
    for n in ("73,690", "76,516", "71,130 / 72,086", "56,918", "40,953", "5,469", "427.42", "206.30"):
        assert n in en, n
    for n in ("73\u202f690", "56\u202f918", "5\u202f469", "427,42"):
        assert n in fr or n.replace("\u202f", "\u00a0") in fr, n
    assert "Points clés" in fr and "Années des données" in fr and "par département" in fr
    for t in (en, fr):
        for bad in ("drugtrends fetch", "Numbering(", "e^b", "TODO"):
            assert bad not in t, bad
    html = rendered["trends-fr"][".html"].read_text(encoding="utf-8")
    assert re.search(r'<img[^>]*alt="[^"]*départements français[^"]*outre-mer', html)
    for punct in (" %", " ;", " :"):
        assert punct not in fr, punct


# ------------------------------------------------------------------ TEDS-A (generated data)


def _teds_data_dir(tmp_path: Path, year: int = 2023) -> Path:
    """A data dir holding a GENERATED TEDS-A file in the official zip layout (test data only)."""
    from _generate import make_teds

    d = tmp_path / "data"
    (d / "teds_a").mkdir(parents=True)
    csv = make_teds(tmp_path / f"tedsa_puf_{year}.csv", 3000, year=year, seed=3)
    with zipfile.ZipFile(d / "teds_a" / f"tedsa_puf_{year}_csv.zip", "w") as z:
        z.write(csv, csv.name)
    return d


def test_teds_profile_on_generated_data(tmp_path, monkeypatch):
    """Generated-data test only: the profile equals shares counted by hand with pandas."""
    import warnings

    import pandas as pd

    from drugtrends import datasets
    from drugtrends_reports import profiles as P

    monkeypatch.setenv("DRUGTRENDS_DATA", str(_teds_data_dir(tmp_path)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # generated file: no checksum in the manifest
        t = datasets.load("teds_a", year=2023, columns=P.TEDS_COLUMNS, labels=False)
    prof = P.teds_admissions_profile(t)
    heroin = t[(t["SUB1"] == 5) & t["EMPLOY"].notna()]
    ref = heroin["EMPLOY"].astype(int).value_counts(normalize=True).sort_index()
    got = prof[(prof["substance_group"] == "Heroin") & (prof["characteristic"] == "EMPLOY")]
    assert got.set_index("code")["estimate"].to_dict() == pytest.approx(ref.to_dict())
    crack = t[(t["SUB1"] == 3) & (t["ROUTE1"] == 2)]
    got_n = prof[(prof["substance_group"] == "Crack (cocaine, smoked)") & (prof["characteristic"] == "EDUC")]
    assert int(got_n["n_total"].iloc[0]) == len(crack)
    wide = P.teds_profile_table(prof)
    from drugtrends import i18n

    assert {i18n.t(f"profiles.teds.{c}") for c in P.TEDS_CHARACTERISTICS} == set(wide["characteristic"])
    assert isinstance(wide, pd.DataFrame)
    fr = P.teds_profile_table(prof, "fr")
    assert "Emploi" in set(fr["characteristic"]) and not any(v.isdigit() for v in fr["level"])


def test_profiles_report_renders_teds_section_with_generated_data(tmp_path, monkeypatch, data_dir):
    """GENERATED-DATA TEST ONLY: the TEDS-A section shows a table and a figure when the file is there."""
    d = _teds_data_dir(tmp_path)
    for sub in data_dir.iterdir():  # the real mirrored datasets, linked read-only
        if sub.is_dir() and not (d / sub.name).exists():
            (d / sub.name).symlink_to(sub, target_is_directory=True)
    monkeypatch.setenv("DRUGTRENDS_DATA", str(d))
    out = _render("profiles", tmp_path / "out", to="html")
    t = _text(out[".html"])
    assert "Profile of admissions by primary substance" in t
    assert "Admissions: " in t and "Heroin " in t and "Methamphetamine " in t and "Crack (smoked cocaine) " in t
    assert "Full-time" in t and "too large for the project mirror" not in t


# ------------------------------------------------------------------ fact sheet variants


def test_factsheet_variants_equal_substances_with_data(data_dir):
    from drugtrends_reports import common, factsheet

    doc = render.parse_qmd((REPORTS / "factsheet.qmd").read_text(encoding="utf-8"), REPORTS / "factsheet.qmd")
    declared = [v["substance"] for v in render.report_variants(doc)]
    prev, msg = common.try_load("unodc_prevalence")
    assert prev is not None, msg
    assert declared == list(factsheet.FACTSHEETS) == factsheet.substances_with_data(prev)
    assert render.report_variants(doc, {"substance": "cannabis"}) == [{}]


def test_render_reports_writes_one_factsheet_per_variant(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "sheet.qmd").write_text(
        "---\ntitle: S\nparams: {substance: a, lang: en}\n"
        "drugtrends: {variants: {substance: [a, b]}}\n---\nText.\n", encoding="utf-8")
    out = render.render_reports(None, to="html", engine="builtin", reports_dir=d, output_dir=tmp_path / "o",
                                quiet=True)
    assert sorted(p.name for p in out) == ["sheet-a.html", "sheet-b.html"]
    out = render.render_reports(["sheet"], to="html", params=["lang=fr"], engine="builtin", reports_dir=d,
                                output_dir=tmp_path / "o", quiet=True)
    assert sorted(p.name for p in out) == ["sheet-a-fr.html", "sheet-b-fr.html"]
    out = render.render_reports(["sheet"], to="html", params=["substance=b"], engine="builtin", reports_dir=d,
                                output_dir=tmp_path / "o", quiet=True)
    assert [p.name for p in out] == ["sheet-b.html"]


def test_unknown_substance_on_the_command_line():
    from typer.testing import CliRunner

    from drugtrends.cli import app

    r = CliRunner().invoke(app, ["render", "factsheet", "-P", "substance=tea", "--to", "html"])
    assert r.exit_code == 2  # every DrugtrendsError on the CLI exits 2 (platform)
    out = re.sub(r"\s+", " ", r.output)
    assert "substance='tea'" in out and "cocaine, crack, cannabis" in out and "nps" in out
    assert "Traceback" not in r.output


def test_methods_citations_show_template_years_and_french_colons(rendered):
    """A fetch-only yearly file is cited with its year as text ('<year>' was read as an HTML tag and vanished)."""
    en = _text(rendered["methods"][".html"])
    assert "NSDUH-YYYY-DS0001" in en and "- -DS0001" not in en
    fr = rendered["methods-fr"][".html"].read_text(encoding="utf-8")
    assert "<strong>nsduh</strong>\u00a0:" in fr  # French: a no-break space before the colon
