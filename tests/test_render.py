"""Tests of drugtrends.render (built-in engine) on the tiny fixture reports.

The fixture ``tests/fixtures/render/demo.qmd`` has parameters (year=2011,
group="all"), inline expressions, a matplotlib figure with caption and alt
text, a pandas table with caption, a great_tables table and a cell with
``echo: true``. Expected values are computed by hand from the fixture data
(prevalence 12.5 / 14.25 / 15.0 for 2009 / 2011 / 2013; years sum to 6033).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from drugtrends import paths as dt_paths
from drugtrends import render
from drugtrends.errors import DataNotFoundError, DrugtrendsError, NotWritableError
from drugtrends.render import RenderError
from drugtrends.render import cache as render_cache

FIXTURES = Path(__file__).parent / "fixtures" / "render"
REAL_DEPENDENCY_DIGEST = render_cache.dependency_digest  # before the module fixture freezes it
TIME_RE = re.compile(r'<time class="build-time"[^>]*>[^<]*</time>')


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Copies of the fixtures, an output dir, a marker file counting kernel executions."""
    root = tmp_path_factory.mktemp("render")
    reports = root / "reports"
    shutil.copytree(FIXTURES, reports)
    marker = root / "executions.txt"
    with pytest.MonkeyPatch.context() as mp:
        # other work in the checkout (edits under src/, fetched data) must not invalidate the
        # cache between two renders of a test: freeze each report's dependency digest for this module
        frozen: dict[str, bytes] = {}
        mp.setattr(render_cache, "dependency_digest",
                   lambda doc: frozen.setdefault(doc.text, REAL_DEPENDENCY_DIGEST(doc)))
        mp.setenv("DRUGTRENDS_TEST_MARKER", str(marker))
        mp.setenv("DRUGTRENDS_OUTPUT", str(root / "_output"))
        yield {"root": root, "reports": reports, "out": root / "_output", "marker": marker}


def executions(work) -> int:
    return work["marker"].read_text().count("executed") if work["marker"].exists() else 0


@pytest.fixture(scope="module")
def demo(work):
    """demo.qmd rendered to HTML and PDF with default parameters."""
    before = executions(work)
    files = render.render_file(work["reports"] / "demo.qmd", to="all", engine="builtin", quiet=True)
    assert executions(work) == before + 1
    return {p.suffix: p for p in files}


@pytest.fixture(scope="module")
def demo_html(demo) -> str:
    return demo[".html"].read_text(encoding="utf-8")


# --------------------------------------------------------------------------- parsing (no kernel)


def test_parse_fixture_cells_options_and_lines():
    text = (FIXTURES / "demo.qmd").read_text()
    doc = render.parse_qmd(text, FIXTURES / "demo.qmd")
    lines = text.splitlines()
    # independent count: fence lines that open executable python cells
    fence_lines = [i + 1 for i, line in enumerate(lines) if line.strip() == "```{python}"]
    assert [c.line for c in doc.cells] == fence_lines
    assert len(doc.cells) == 6
    assert doc.params == {"year": 2011, "group": "all"}
    assert doc.parameters_cell is doc.cells[0]
    fig = doc.cells[2]
    assert fig.label == "fig-trend"
    assert fig.options["fig-cap"] == "Prevalence by survey year"
    assert not any(line.startswith("#|") for line in fig.code.splitlines())
    assert doc.cells[5].options == {"echo": True}
    # the ```python block is verbatim markdown, not a cell
    verbatim = [c for c in doc.chunks if isinstance(c, render.Markdown) and c.verbatim]
    assert len(verbatim) == 1 and "not_evaluated" in verbatim[0].text
    assert doc.meta["title"] == "Demo report"


def test_parse_errors_name_the_line():
    with pytest.raises(RenderError, match=r"line 2: '\{r\}' cells need Quarto"):
        render.parse_qmd("text\n```{r}\n1\n```\n", "x.qmd")
    with pytest.raises(RenderError, match="line 1 .* never closed"):
        render.parse_qmd("```{python}\nx = 1\n", "x.qmd")
    with pytest.raises(RenderError, match="line 1 are not valid YAML"):
        render.parse_qmd("```{python}\n#| echo: [\nx = 1\n```\n", "x.qmd")


def test_parse_param_values_yaml_scalars():
    got = render.parse_param_values(["year=2013", "group=women", "flag=false", "ratio:0.5", "names=[a, b]"])
    assert got == {"year": 2013, "group": "women", "flag": False, "ratio": 0.5, "names": ["a", "b"]}
    with pytest.raises(RenderError, match="key=value"):
        render.parse_param_values(["nonsense"])


def test_output_stem_only_counts_changed_params():
    d = {"year": 2011, "group": "all"}
    assert render.output_stem("demo", d, {}) == "demo"
    assert render.output_stem("demo", d, {"year": 2011}) == "demo"
    assert render.output_stem("demo", d, {"group": "women", "year": 2013}) == "demo-2013-women"
    assert render.output_stem("demo", d, {"group": "a b/c"}) == "demo-a_b_c"
    # variant parameters are always named; lang always last
    f = {"lang": "en", "substance": "cocaine"}
    assert render.output_stem("factsheet", f, {}, ["substance"]) == "factsheet-cocaine"
    assert render.output_stem("factsheet", f, {"substance": "cocaine"}, ["substance"]) == "factsheet-cocaine"
    assert render.output_stem("factsheet", f, {"lang": "fr"}, ["substance"]) == "factsheet-cocaine-fr"
    assert render.output_stem("trends", {"lang": "en"}, {"lang": "fr"}) == "trends-fr"
    assert render.output_stem("profiles", {"lang": "en", "teds_year": 2023}, {"lang": "fr", "teds_year": 2022}) \
        == "profiles-2022-fr"


def test_variant_names_do_not_depend_on_how_the_value_was_given(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "sheet.qmd").write_text("---\ntitle: S\nparams: {substance: a, lang: en}\n"
                                 "drugtrends: {variants: {substance: [a, b]}}\n---\nText.\n", encoding="utf-8")
    kw = dict(to="html", engine="builtin", reports_dir=d, output_dir=tmp_path / "o", quiet=True)
    assert [p.name for p in render.render_reports(["sheet"], params=["substance=a"], **kw)] == ["sheet-a.html"]
    assert [p.name for p in render.render_reports(["sheet"], params=["substance=A", "lang=fr"], **kw)] \
        == ["sheet-a-fr.html"]
    assert [p.name for p in render.render_file(d / "sheet.qmd", to="html", engine="builtin",
                                               output_dir=tmp_path / "o", quiet=True)] == ["sheet-a.html"]
    with pytest.raises(RenderError, match="no variant substance='c'"):
        render.render_file(d / "sheet.qmd", params=["substance=c"], engine="builtin", quiet=True)


def test_unknown_report_lists_available(work):
    with pytest.raises(RenderError) as exc:
        render.render_reports(["nope"], reports_dir=work["reports"], quiet=True)
    msg = str(exc.value)
    assert "unknown report 'nope'" in msg and "demo, failing, features" in msg
    assert isinstance(exc.value, DrugtrendsError)
    # names with and without .qmd resolve to the same file
    assert render.resolve_report("demo", work["reports"]) == render.resolve_report("demo.qmd", work["reports"])


def test_unknown_param_lists_report_params(work):
    before = executions(work)
    with pytest.raises(RenderError) as exc:
        render.render_file(work["reports"] / "demo.qmd", to="html", params=["yaer=2012"], engine="builtin", quiet=True)
    msg = str(exc.value)
    assert "'yaer'" in msg and "year (default 2011)" in msg and "group (default 'all')" in msg
    assert executions(work) == before  # rejected before any kernel starts


def test_bad_format_and_engine(work):
    with pytest.raises(RenderError, match="html, pdf or all"):
        render.render_file(work["reports"] / "demo.qmd", to="docx", quiet=True)
    with pytest.raises(RenderError, match="auto, quarto or builtin"):
        render.render_file(work["reports"] / "demo.qmd", engine="knitr", quiet=True)


def test_cache_key_depends_on_text_and_params():
    a = render.parse_qmd("```{python}\nx = 1\n```\n")
    b = render.parse_qmd("```{python}\nx = 2\n```\n")
    assert render.cache_key(a, {}) == render.cache_key(a, {})
    assert render.cache_key(a, {}) != render.cache_key(b, {})
    assert render.cache_key(a, {"p": 1}) != render.cache_key(a, {"p": 2})


def _project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "drugtrends_reports").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "drugtrends_reports" / "__init__.py").write_text("")
    (root / "drugtrends_reports" / "steps.py").write_text("from drugtrends_reports import helpers\nA = 1\n")
    (root / "drugtrends_reports" / "helpers.py").write_text("B = 1\n")
    (root / "drugtrends_reports" / "unused.py").write_text("C = 1\n")
    data = tmp_path / "data"
    for ds in ("cdc_vsrr", "nhanes_2009_2012"):
        (data / ds).mkdir(parents=True)
    monkeypatch.setattr(dt_paths, "project_root", lambda: root)
    monkeypatch.setenv("DRUGTRENDS_DATA", str(data))
    return root, data


def test_cache_follows_what_the_report_imports(tmp_path, monkeypatch):
    root, data = _project(tmp_path, monkeypatch)
    qmd = root / "reports" / "r.qmd"
    qmd.write_text("---\ndrugtrends: {datasets: [cdc_vsrr]}\n---\n```{python}\nimport drugtrends as dt\n"
                   "dt.style.house()\n```\n")
    lib = {p.name for p in render.report_dependencies(render.parse_qmd(qmd.read_text(), qmd))}
    assert {"style.py", "__init__.py"} <= lib and "engine.py" not in lib and "cli.py" not in lib
    # the digest part imports project modules only (library files may be edited by others meanwhile)
    qmd.write_text("---\ndrugtrends: {datasets: [cdc_vsrr]}\n---\n```{python}\nfrom drugtrends_reports import steps\n```\n")
    doc = render.parse_qmd(qmd.read_text(), qmd)
    names = {str(p.relative_to(root)) for p in render.report_dependencies(doc) if root in p.parents}
    # imported directly, through another module, and the package __init__; not the unused module
    assert names == {"drugtrends_reports/__init__.py", "drugtrends_reports/steps.py", "drugtrends_reports/helpers.py"}
    d0 = REAL_DEPENDENCY_DIGEST(doc)
    assert REAL_DEPENDENCY_DIGEST(doc) == d0
    (root / "drugtrends_reports" / "unused.py").write_text("C = 2\n")
    assert REAL_DEPENDENCY_DIGEST(doc) == d0, "a module the report does not import changed the key"
    (root / "drugtrends_reports" / "helpers.py").write_text("B = 2\n")
    d1 = REAL_DEPENDENCY_DIGEST(doc)
    assert d1 != d0, "a module imported through another one did not change the key"
    # provenance: of the declared datasets only
    (data / "nhanes_2009_2012" / "NHANESraw.csv.provenance.json").write_text('{"sha256": "x"}')
    assert REAL_DEPENDENCY_DIGEST(doc) == d1
    (data / "cdc_vsrr" / "f.csv.provenance.json").write_text('{"sha256": "x"}')
    d2 = REAL_DEPENDENCY_DIGEST(doc)
    assert d2 != d1
    (data / "cdc_vsrr" / "f.csv").write_text("big data file, not hashed")
    assert REAL_DEPENDENCY_DIGEST(doc) == d2


def test_module_imports_finds_lazy_and_relative_imports():
    code = "import drugtrends as dt\ndef f():\n    from . import sibling\n    return dt.trends.joinpoint\n"
    got = render_cache.module_imports(code, package="drugtrends_reports")
    assert {"drugtrends", "drugtrends.trends", "drugtrends_reports.sibling"} <= got
    assert "drugtrends.readers.unodc" in render_cache.module_imports('X = "drugtrends.readers.unodc:read"')
    assert render_cache.module_imports("this is not python") == set()


def test_report_without_any_declared_dataset_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path / "empty-data"))
    monkeypatch.setenv("DRUGTRENDS_MIRROR", "none")
    qmd = tmp_path / "needs.qmd"
    qmd.write_text("---\ntitle: N\ndrugtrends: {datasets: [cdc_vsrr, uci_drug_consumption]}\n---\nText.\n")
    with pytest.raises(DataNotFoundError) as exc:
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)
    msg = str(exc.value)
    assert "report 'needs' has no data" in msg and "cdc_vsrr" in msg and "uci_drug_consumption" in msg
    assert "drugtrends fetch" in msg
    assert not (tmp_path / "o" / "needs.html").exists()
    qmd.write_text("---\ntitle: N\ndrugtrends: {datasets: nonsense_only}\n---\nText.\n")
    with pytest.raises(DataNotFoundError, match="unknown dataset id"):
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)
    qmd.write_text("---\ntitle: N\ndrugtrends: {datasets: {a: 1}}\n---\nText.\n")
    with pytest.raises(RenderError, match="must be a list of dataset ids"):
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)


def test_unwritable_output_folder_is_a_clear_error(tmp_path, monkeypatch):
    qmd = tmp_path / "a.qmd"
    qmd.write_text("---\ntitle: A\n---\nText.\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root writes anywhere: refuse the write as the OS would
        import errno
        import tempfile

        def refuse(*a, **k):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)  # as paths.require_writable calls it
    try:
        with pytest.raises(NotWritableError, match=r"cannot write the rendered reports to .*locked: permission denied"):
            render.render_file(qmd, to="html", engine="builtin", output_dir=locked, quiet=True)
    finally:
        locked.chmod(0o700)
    # a path under a file is refused too, with the OS reason
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotWritableError, match="cannot write the rendered reports to"):
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "file" / "sub", quiet=True)


# --------------------------------------------------------------------------- HTML


def test_html_is_self_contained(demo_html):
    # every src is a data: URI; no stylesheet, script or font comes from the network
    srcs = re.findall(r'\ssrc="([^"]*)"', demo_html)
    assert srcs and all(s.startswith("data:") for s in srcs), srcs
    assert not re.search(r"<(link|script)\b[^>]*(href|src)=\"https?://", demo_html)
    assert not re.search(r"url\(\s*['\"]?https?://", demo_html)
    assert "@import" not in demo_html
    assert "mathjax" not in demo_html.lower() and "fonts.googleapis" not in demo_html


def test_html_figure_with_caption_and_alt(demo_html):
    m = re.search(r'<figure id="fig-trend">(.*?)</figure>', demo_html, re.S)
    assert m, "the labelled figure is missing"
    fig = m.group(1)
    assert 'src="data:image/svg+xml;base64,' in fig
    assert 'alt="Line chart of prevalence rising from 12.5 to 15 per cent"' in fig
    assert re.search(r"<figcaption[^>]*>Figure(&nbsp;|\xa0)1: Prevalence by survey year</figcaption>", fig)
    # cross reference became a link with the figure's number
    assert re.search(r'<a href="#fig-trend">Figure(&nbsp;|\xa0)1</a>', demo_html)
    assert re.search(r'<a href="#tbl-prev">Table(&nbsp;|\xa0)1</a>', demo_html)


def test_html_tables(demo_html):
    # pandas table: the values of the fixture data frame, with its caption
    assert re.search(r"Table(&nbsp;|\xa0)1: Prevalence table \(pandas\)", demo_html)
    pandas_table = re.search(r'<table[^>]*class="dataframe".*?</table>', demo_html, re.S).group(0)
    cells = re.findall(r"<td>([^<]*)</td>", pandas_table)
    assert cells == ["12.50", "14.25", "15.00"]
    # great_tables table: title, subtitle, one-decimal numbers, source note
    gt = re.search(r'<table class="gt_table".*?</table>', demo_html, re.S).group(0)
    for text in ["Prevalence by year", "great_tables", "Source: fixture data"]:
        assert text in gt
    # (14.25 is exactly representable; great_tables rounds half to even -> 14.2)
    assert re.findall(r'gt_right">([\d.]+)</td>', gt) == ["2009", "12.5", "2011", "14.2", "2013", "15.0"]


def test_html_inline_values_echo_and_verbatim(demo_html):
    text = re.sub(r"\s+", " ", demo_html)
    assert "In 2011 the prevalence in group <strong>all</strong> was 14.25 per cent" in text
    assert re.search(r"<h2[^>]*>Results for 2011</h2>", text)
    # echo: true cell shows its code and output; echo: false cells show no code
    assert "sum of years: 6033" in text  # 2009 + 2011 + 2013
    assert re.search(r"<code[^>]*>.*print.*sum of years", text)
    assert "plt.subplots" not in text and "DRUGTRENDS_TEST_MARKER" not in text
    # verbatim code block untouched, inline syntax inside it not evaluated
    assert "{python} not_evaluated" in text
    # title block, table of contents, footer with build time and versions
    assert '<h1 class="title">Demo report</h1>' in text
    assert '<nav id="TOC"' in text
    assert re.search(r'<footer class="build-info">.*<time class="build-time".*pandas \d', text)


def test_outputs_are_world_readable(demo):
    for p in demo.values():
        assert stat.S_IMODE(p.stat().st_mode) & 0o044 == 0o044


# --------------------------------------------------------------------------- PDF


def test_pdf_exists_with_pages_and_text(demo):
    pdf = demo[".pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo missing: apt-get install poppler-utils")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages >= 1
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "In 2011 the prevalence in group all was 14.25 per cent" in flat
    assert "Prevalence by survey year" in flat and "Figure 1" in flat
    assert "Prevalence table (pandas)" in flat and "14.25" in flat
    assert "Source: fixture data" in flat
    assert "sum of years: 6033" in flat
    # the figure was embedded: the page with the figure has an image or vector drawing (pdfimages/pdftoppm
    # would be heavier); the SVG becomes vector paths, so check the PDF is much larger than text alone
    assert pdf.stat().st_size > 15_000


# --------------------------------------------------------------------------- params, cache, determinism


def test_params_override(work, demo):
    files = render.render_file(
        work["reports"] / "demo.qmd", to="html", params=["year=2013", "group=women"], engine="builtin", quiet=True
    )
    assert [p.name for p in files] == ["demo-2013-women.html"]
    text = re.sub(r"\s+", " ", files[0].read_text())
    assert "In 2013 the prevalence in group <strong>women</strong> was 15.00 per cent" in text
    assert "Results for 2013" in text
    # the default render is untouched
    assert "In 2011" in demo[".html"].read_text()
    # a mapping works too, and a value equal to the default keeps the plain name
    same = render.render_file(work["reports"] / "demo.qmd", to="html", params={"year": 2011}, engine="builtin", quiet=True)
    assert [p.name for p in same] == ["demo.html"]


def test_cache_hit_does_not_start_kernel(work, demo):
    before, hits = executions(work), render.stats.cache_hits
    out = render.render_file(work["reports"] / "demo.qmd", to="html", engine="builtin", quiet=True)
    assert executions(work) == before, "cached report was executed again"
    assert render.stats.cache_hits == hits + 1
    assert out[0] == demo[".html"]
    # the cache folder holds notebooks only, no leftover per-render temp folders
    leftovers = [p for p in (work["out"] / ".cache").iterdir() if p.is_dir()]
    assert leftovers == []


def test_deterministic_html_and_no_cache_forces_execution(work, demo):
    first = TIME_RE.sub("<time/>", demo[".html"].read_text())
    before = executions(work)
    out = render.render_file(work["reports"] / "demo.qmd", to="html", engine="builtin", cache=False, quiet=True)
    assert executions(work) == before + 1, "cache=False must execute again"
    second = TIME_RE.sub("<time/>", out[0].read_text())
    assert first.count("<time/>") == 1
    assert first == second


def test_changing_the_report_invalidates_the_cache(work, tmp_path):
    src = work["reports"] / "demo.qmd"
    copy = work["reports"] / "demo_copy.qmd"
    copy.write_text(src.read_text())
    try:
        before = executions(work)
        render.render_file(copy, to="html", engine="builtin", quiet=True)
        render.render_file(copy, to="html", engine="builtin", quiet=True)
        assert executions(work) == before + 1
        copy.write_text(src.read_text().replace("A verbatim block", "A literal block"))
        out = render.render_file(copy, to="html", engine="builtin", quiet=True)
        assert executions(work) == before + 2
        assert "A literal block" in out[0].read_text()
        # the stale cached execution was replaced, not kept beside the new one
        assert len(list((work["out"] / ".cache").glob("demo_copy--*.ipynb"))) == 1
    finally:
        copy.unlink()


# --------------------------------------------------------------------------- cell options, shortcodes, refs


@pytest.fixture(scope="module")
def features(work):
    """features.qmd (front-matter params, lang fr, png figures, cell options) with n=5."""
    files = render.render_file(work["reports"] / "features.qmd", to="all", params=["n=5"], engine="builtin", quiet=True)
    return {p.suffix: p for p in files}


def test_features_html(features):
    assert features[".html"].name == "features-5.html"
    text = re.sub(r"[ \t\n]+", " ", features[".html"].read_text())  # (\s would eat the no-break spaces)
    # front-matter params injected, output: asis turns stdout into markdown
    assert "<strong>n = 5</strong>, label = <em>base</em>" in text
    # warning: true shows the warning without the kernel's per-process temp file name; warning: false hides it
    assert "<cell>:2: UserWarning: visible warning" in html_unescape(text)
    assert "ipykernel_" not in text and "hidden warning" not in text
    # include: false runs the cell but shows nothing
    assert "never shown" not in text
    # eval: false + echo: true shows the code and does not run it
    assert "not evaluated" in text and "RuntimeError: not evaluated" not in text
    # two png figures from one cell, numbered in order, sized by fig-width
    assert text.count('src="data:image/png;base64,') == 2
    # no fig-alt: the caption becomes the alt text, so no figure is left without one
    assert re.search(r'<img [^>]*alt="Première figure"', html_unescape(text))
    assert re.search(r"<figcaption[^>]*>Figure(&nbsp;|\xa0)1: Première figure</figcaption>", text)
    assert re.search(r"<figcaption[^>]*>Figure(&nbsp;|\xa0)2: Seconde figure</figcaption>", text)
    widths = [float(w) for w in re.findall(r'style="width:([\d.]+)in"', text)]
    assert len(widths) == 2 and all(3.0 < w <= 4.0 for w in widths)  # fig-width 4, tight bbox trims a little
    # cross references, shortcodes, markdown output, inline expression, French labels and section numbers
    assert '<a href="#sec-intro">Introduction</a>' in text
    assert re.search(r'<a href="#fig-pair">Figure(&nbsp;|\xa0)1</a>', text)
    assert 'page-break-after: always' in text
    assert "<td>1</td> <td>2</td>" in text
    assert "Titre : Features. Valeur 10." in text
    assert '<h2 id="toc-title">Sommaire</h2>' in text and "header-section-number" in text
    assert '<footer class="build-info">Produit le <time' in text


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_features_pdf(features):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext missing: apt-get install poppler-utils")
    pdf = features[".pdf"]
    page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True).stdout
    flat1 = re.sub(r"\s+", " ", page1)
    assert "n = 5, label = base" in flat1
    assert "Fig. 1" in flat1 and "Première figure" in flat1 and "Seconde figure" in flat1
    assert "Voir Introduction et Fig. 1." in flat1
    assert "<cell>:2: UserWarning: visible warning" in flat1
    # {{< pagebreak >}}: what follows it is on page 2
    assert "Titre : Features. Valeur 10." in re.sub(r"\s+", " ", page2)
    assert "Valeur" not in page1


# --------------------------------------------------------------------------- errors


def test_failing_cell_names_report_cell_line_and_error(work):
    qmd = work["reports"] / "failing.qmd"
    lines = qmd.read_text().splitlines()
    label_line = lines.index("#| label: bad-cell") + 1
    fence_line = label_line - 1  # the fence opens the line before the first option
    with pytest.raises(RenderError) as exc:
        render.render_file(qmd, to="html", engine="builtin", quiet=True)
    msg = str(exc.value)
    assert "report 'failing'" in msg
    assert f"cell 'bad-cell' (line {fence_line})" in msg
    assert "ZeroDivisionError: division by zero" in msg
    assert "y = x / 0" in msg  # the traceback shows the offending code
    assert not (work["out"] / "failing.html").exists()


def test_failing_inline_expression_is_named(tmp_path):
    qmd = tmp_path / "inl.qmd"
    qmd.write_text("---\ntitle: x\n---\n\nFirst line.\n\nValue: `{python} undefined_name + 1`.\n")
    with pytest.raises(RenderError, match=r"inline expression `\{python\} undefined_name \+ 1` \(line 7\).*NameError"):
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)


# --------------------------------------------------------------------------- render_reports, quarto, docs


def test_render_reports_skips_underscore_files_and_needs_no_kernel(tmp_path):
    (tmp_path / "alpha.qmd").write_text("---\ntitle: Alpha\n---\n\n# Part\n\nPlain text, $x^2$ math.\n")
    (tmp_path / "_draft.qmd").write_text("---\ntitle: Draft\n---\n\nnot rendered\n")
    out = render.render_reports(None, to="all", engine="builtin", reports_dir=tmp_path, output_dir=tmp_path / "o", quiet=True)
    assert sorted(p.name for p in out) == ["alpha.html", "alpha.pdf"]
    html = (tmp_path / "o" / "alpha.html").read_text()
    assert "<math" in html  # MathML, not a MathJax CDN
    with pytest.raises(RenderError, match="no reports to render"):
        render.render_reports(None, reports_dir=tmp_path / "empty", quiet=True)


@pytest.mark.skipif(sys.platform == "win32", reason="shell script stand-in for quarto")
def test_quarto_engine_command_line(work, tmp_path, monkeypatch):
    """With engine='quarto' the CLI is called as documented and its output renamed."""
    log = tmp_path / "quarto-args.txt"
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "--output-dir" ] && out="$a"; prev="$a"; done\n'
        'to=""; prev=""; for a in "$@"; do [ "$prev" = "--to" ] && to="$a"; prev="$a"; done\n'
        'base=$(basename "$2" .qmd)\n'
        'mkdir -p "$out/reports"\n'
        'if [ "$to" = "html" ]; then echo "<html>quarto</html>" > "$out/reports/$base.html"; '
        'else printf "%%PDF-1.7 quarto" > "$out/reports/$base.pdf"; fi\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert render.quarto_available()
    outdir = tmp_path / "out"
    files = render.render_file(
        work["reports"] / "demo.qmd", to="all", params=["year=2013"], engine="auto", output_dir=outdir, quiet=True
    )
    assert [p.name for p in files] == ["demo-2013.html", "demo-2013.pdf"]
    assert files[0].read_text().strip() == "<html>quarto</html>"
    calls = log.read_text().splitlines()
    assert len(calls) == 2
    # each parameter set renders its own copy of the source (Quarto's intermediates never collide)
    assert re.search(r"render \S+/_render-demo-2013-\d+\.qmd --to html --output-dir \S+ -P year:2013 -M lang:en$", calls[0])
    assert " --to typst " in calls[1]
    assert not list(work["reports"].glob("_render-*")), "the copy of the source was left behind"


def test_quarto_engine_missing(work, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="quarto CLI is not on PATH"):
        render.render_file(work["reports"] / "demo.qmd", to="html", engine="quarto", quiet=True)


def test_alt_text_and_caption_from_display_metadata(tmp_path):
    """A cell computing its alt text at run time passes it in the display metadata; it wins over fig-alt."""
    qmd = tmp_path / "meta.qmd"
    qmd.write_text(
        "---\ntitle: M\n---\n\n```{python}\n#| fig-alt: static alt\n"
        "import matplotlib.pyplot as plt\nfrom IPython.display import display\n"
        "fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([1, 2])\n"
        "display(fig, metadata={'drugtrends': {'alt': 'Rising line from 1 to 2', 'caption': 'Run-time caption'}})\n"
        "plt.close(fig)\n```\n", encoding="utf-8")
    out = render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)
    page = out[0].read_text(encoding="utf-8")
    assert 'alt="Rising line from 1 to 2"' in page and "static alt" not in page
    assert re.search(r"<figcaption[^>]*>Figure(&nbsp;|\xa0)1: Run-time caption</figcaption>", page)


def test_page_title_in_the_page_language(tmp_path):
    """drugtrends: title_key is looked up in the catalogue for lang; a cell may set the title at run time."""
    from drugtrends import i18n

    qmd = tmp_path / "t.qmd"
    qmd.write_text("---\ntitle: Fallback\nparams: {lang: en}\ndrugtrends: {title_key: profiles.title}\n---\nText.\n",
                   encoding="utf-8")
    out = render.render_file(qmd, to="html", params=["lang=fr"], engine="builtin", output_dir=tmp_path / "o",
                             quiet=True)
    page = out[0].read_text(encoding="utf-8")
    fr = i18n.t("profiles.title", lang="fr")
    assert out[0].name == "t-fr.html" and 'lang="fr"' in page
    assert f"<title>{fr}</title>" in page and f'<h1 class="title">{fr}</h1>' in page and "Fallback" not in page
    qmd.write_text("---\ntitle: Fallback\n---\n```{python}\nfrom IPython.display import publish_display_data\n"
                   "publish_display_data({'text/plain': ''}, metadata={'drugtrends': {'title': 'Fiche : cocaïne'}})\n"
                   "```\nText.\n", encoding="utf-8")
    page = render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o",
                              quiet=True)[0].read_text(encoding="utf-8")
    assert '<h1 class="title">Fiche : cocaïne</h1>' in page and "Fallback" not in page
    assert "class=\"cell-output" not in page  # the metadata-only output shows nothing


def test_parallel_renders_of_one_report_do_not_collide(tmp_path):
    """Each parameter set has its own name and its own work folder: renders at the same time stay apart."""
    from concurrent.futures import ThreadPoolExecutor

    d = tmp_path / "reports"
    d.mkdir()
    (d / "sheet.qmd").write_text("---\ntitle: S\nparams: {substance: a, lang: en}\n"
                                 "drugtrends: {variants: {substance: [a, b, c]}}\n---\n"
                                 "Substance {{< meta params.substance >}}.\n", encoding="utf-8")
    out = tmp_path / "o"
    jobs = [["substance=a"], ["substance=b"], ["substance=c"], ["substance=a", "lang=fr"]]
    with ThreadPoolExecutor(4) as pool:
        files = list(pool.map(lambda p: render.render_file(d / "sheet.qmd", to="html", params=p, engine="builtin",
                                                           output_dir=out, quiet=True)[0], jobs))
    assert [f.name for f in files] == ["sheet-a.html", "sheet-b.html", "sheet-c.html", "sheet-a-fr.html"]
    assert sorted(p.name for p in out.glob("*.html")) == sorted(f.name for f in files)
    assert not [p for p in (out / ".cache").iterdir() if p.is_dir()], "a work folder was left behind"
    assert not list(out.glob(".*.part")), "a partial output was left behind"


def test_drugtrends_error_in_a_cell_is_a_message_without_traceback(tmp_path):
    qmd = tmp_path / "e.qmd"
    qmd.write_text("---\ntitle: E\n---\n```{python}\n#| label: load\nimport drugtrends as dt\n"
                   "dt.load('no_such_dataset')\n```\n", encoding="utf-8")
    with pytest.raises(RenderError) as exc:
        render.render_file(qmd, to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)
    msg = str(exc.value)
    assert "cell 'load' (line 4) failed with UnknownDatasetError" in msg
    assert "Traceback" not in msg and "File " not in msg and len(msg.splitlines()) == 1


def test_unknown_language_is_refused_before_running(tmp_path):
    qmd = tmp_path / "l.qmd"
    qmd.write_text("---\ntitle: L\nparams: {lang: en}\n---\nText.\n", encoding="utf-8")
    with pytest.raises(DrugtrendsError, match="lang='de' is not supported; use one of en, fr"):
        render.render_file(qmd, to="html", params=["lang=de"], engine="builtin", output_dir=tmp_path / "o", quiet=True)


def test_cache_sees_imports_static_analysis_cannot(tmp_path):
    """A module imported dynamically is recorded at run time: editing it invalidates the cached execution."""
    (tmp_path / "helper_mod.py").write_text("VALUE = 'first value'\n")
    qmd = tmp_path / "dyn.qmd"
    qmd.write_text("---\ntitle: D\n---\n```{python}\nimport importlib\n"
                   "print(importlib.import_module('helper' + '_mod').VALUE)\n```\n", encoding="utf-8")
    kw = dict(to="html", engine="builtin", output_dir=tmp_path / "o", quiet=True)
    runs = render.stats.executions
    assert "first value" in render.render_file(qmd, **kw)[0].read_text()
    render.render_file(qmd, **kw)
    assert render.stats.executions == runs + 1, "unchanged report and modules: the cache must be used"
    (tmp_path / "helper_mod.py").write_text("VALUE = 'second value'\n")
    assert "second value" in render.render_file(qmd, **kw)[0].read_text()
    assert render.stats.executions == runs + 2
    cached = next((tmp_path / "o" / ".cache").glob("dyn--*.ipynb")).read_text()
    assert "helper_mod.py" in cached  # the recorded imports


# --------------------------------------------------------------------------- batches: languages, parallel jobs (issue 27)

_SHEET = ("---\ntitle: S\nparams: {substance: a, lang: en}\ndrugtrends: {variants: {substance: [a, b]}}\n---\n\n"
          "```{python}\n#| tags: [parameters]\nsubstance = 'a'\nlang = 'en'\n```\n\n"
          "```{python}\n%s\nprint(f'sheet {substance} in {lang}')\n```\n")


def _sheets(tmp_path: Path, body: str = "") -> Path:
    d = tmp_path / "reports"
    d.mkdir()
    (d / "sheet.qmd").write_text(_SHEET % body, encoding="utf-8")
    (d / "plain.qmd").write_text("---\ntitle: P\n---\nNo language parameter.\n", encoding="utf-8")
    return d


def test_both_languages_in_parallel_jobs(tmp_path):
    """--lang en,fr: every report with a lang parameter once per language; two worker processes; same files."""
    d = _sheets(tmp_path)
    kw = dict(to="html", engine="builtin", reports_dir=d, output_dir=tmp_path / "o", quiet=True)
    runs = render.stats.executions
    out = render.render_reports(None, langs="en,fr", jobs=2, **kw)
    assert [p.name for p in out] == ["plain.html", "sheet-a.html", "sheet-b.html", "sheet-a-fr.html", "sheet-b-fr.html"]
    assert "sheet b in fr" in (tmp_path / "o" / "sheet-b-fr.html").read_text()
    assert render.stats.executions == runs + 4  # counted from the workers
    hits = render.stats.cache_hits
    assert [p.name for p in render.render_reports(["sheet"], langs=["fr"], jobs=2, **kw)] == \
        ["sheet-a-fr.html", "sheet-b-fr.html"]
    assert render.stats.cache_hits == hits + 2 and render.stats.executions == runs + 4
    with pytest.raises(RenderError, match="give the language once"):
        render.render_reports(["sheet"], params=["lang=fr"], langs="en,fr", **kw)
    with pytest.raises(DrugtrendsError, match="lang='de' is not supported"):
        render.render_reports(["sheet"], langs="en,de", **kw)


def test_parallel_keep_going_names_the_failing_render(tmp_path):
    d = _sheets(tmp_path, "assert substance != 'b', 'no b here'")
    kw = dict(to="html", engine="builtin", reports_dir=d, output_dir=tmp_path / "o", quiet=True, jobs=2)
    with pytest.raises(RenderError) as exc:
        render.render_reports(["sheet"], langs="en,fr", keep_going=True, **kw)
    msg = str(exc.value)
    assert msg.startswith("2 render(s) failed (2 file(s) written):")
    assert "\n  sheet-b: report 'sheet'" in msg and "\n  sheet-b-fr: report 'sheet'" in msg and "no b here" in msg
    assert sorted(p.name for p in (tmp_path / "o").glob("*.html")) == ["sheet-a-fr.html", "sheet-a.html"]
    with pytest.raises(RenderError, match="report 'sheet'.*no b here"):
        render.render_reports(["sheet"], langs="en,fr", **kw)


def test_the_checkout_output_cache_serves_renders_elsewhere(tmp_path):
    """A report of the checkout shares its cached executions with the checkout's _output (make test -> make report)."""
    doc = render.parse_qmd((dt_paths.project_root() / "reports" / "methods.qmd").read_text(encoding="utf-8"))
    doc.path = dt_paths.project_root() / "reports" / "methods.qmd"
    assert render_cache.cache_homes(tmp_path, doc) == [tmp_path, dt_paths.output_dir()]
    assert render_cache.cache_homes(dt_paths.output_dir(), doc) == [dt_paths.output_dir()]
    other = render.parse_qmd("Text.")
    assert render_cache.cache_homes(tmp_path, other) == [tmp_path]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_every_parallel_job(tmp_path):
    """SIGINT to `drugtrends render --jobs 2`: 'interrupted', exit 130, no traceback, no output, no kernel left."""
    import signal
    import time

    started = tmp_path / "started"
    started.mkdir()
    d = _sheets(tmp_path, f"import pathlib, time; pathlib.Path({str(started)!r}, substance + lang).touch(); "
                          "time.sleep(120)")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("drugtrends")), "render", str(d / "sheet.qmd"),
                             "--lang", "en,fr", "--jobs", "2", "--to", "html", "--no-cache",
                             "--output-dir", str(tmp_path / "o")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while len(list(started.iterdir())) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
    assert len(list(started.iterdir())) == 2, "two kernels should be running"
    proc.send_signal(signal.SIGINT)  # the main process only: it must stop its workers itself
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in out and "Traceback" not in out, out
    assert not list((tmp_path / "o").glob("*.html"))
    assert len(list(started.iterdir())) == 2, "no job may start after the Ctrl-C"
