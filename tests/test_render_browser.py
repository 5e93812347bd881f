"""Rendered reports seen the way a reader sees them: headless Chromium and PDF pages.

Needs Debian ``chromium`` + ``chromium-driver`` (driven by selenium) and
``poppler-utils`` (``pdfinfo``, ``pdftoppm``). Without them the tests are
skipped locally and fail under CI (``CI=true``).

The helpers :func:`check_html_in_browser` and :func:`check_pdf_pages` are
meant for the report tests too::

    from test_render_browser import check_html_in_browser, check_pdf_pages
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from drugtrends import render

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures" / "render"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
INSTALL_HINT = "apt-get install chromium chromium-driver poppler-utils"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def require_tools(*tools: str) -> None:
    """Skip (fail under CI) when a browser/poppler tool or selenium is missing."""
    missing = [t for t in tools if shutil.which(t) is None and not Path(f"/usr/bin/{t}").exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    if missing:
        msg = f"missing {', '.join(missing)}: {INSTALL_HINT}"
        if IN_CI:
            pytest.fail(msg + " (CI must run the browser tests)")
        pytest.skip(msg)


def check_html_in_browser(path: str | os.PathLike[str], screenshot: str | os.PathLike[str] | None = None) -> dict:
    """Open a rendered HTML file in headless Chromium and report what a reader would see.

    Parameters
    ----------
    path
        The HTML file.
    screenshot
        If given, save a full-page PNG screenshot there.

    Returns
    -------
    dict
        ``console_errors``: browser log entries of level SEVERE;
        ``images``: one dict per ``<img>`` (``src`` prefix, ``natural_width``, ``complete``, ``alt``);
        ``broken_images``: those not loaded (``naturalWidth == 0``);
        ``resources``: every resource URL the page loaded (performance entries);
        ``external``: resource or element URLs that are not ``data:``/``about:``/in-page;
        ``title``: the document title; ``text``: the visible text.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="dt-chromium-")
    for arg in [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--window-size=1200,900",
    ]:
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.set_page_load_timeout(60)
        driver.get(Path(path).resolve().as_uri())
        driver.execute_script("return document.readyState")
        images = driver.execute_script(
            "return Array.from(document.images).map(i => ({src: i.currentSrc.slice(0, 40),"
            " natural_width: i.naturalWidth, complete: i.complete, alt: i.getAttribute('alt')}));"
        )
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);"
        )
        # every URL an element points to that the browser would fetch (not plain text links)
        element_urls = driver.execute_script(
            "const out = [];"
            "document.querySelectorAll('[src]').forEach(e => out.push(e.getAttribute('src')));"
            "document.querySelectorAll('link[href]').forEach(e => out.push(e.getAttribute('href')));"
            "document.querySelectorAll('image[href], use[href]').forEach(e => out.push(e.getAttribute('href')));"
            "return out;"
        )
        title = driver.title
        text = driver.execute_script("return document.body.innerText;")
        if screenshot is not None:
            height = driver.execute_script("return document.documentElement.scrollHeight;")
            driver.set_window_size(1200, min(int(height) + 100, 12000))
            driver.save_screenshot(str(screenshot))
        log = driver.get_log("browser")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    page = Path(path).resolve().as_uri()
    external = [
        u for u in [*resources, *element_urls]
        if u and not u.startswith(("data:", "about:", "#")) and not u.startswith(page + "#") and u != page
    ]
    return {
        "console_errors": [e for e in log if e.get("level") == "SEVERE"],
        "images": images,
        "broken_images": [i for i in images if not i["natural_width"]],
        "resources": resources,
        "external": external,
        "title": title,
        "text": text,
    }


def check_pdf_pages(pdf: str | os.PathLike[str], dpi: int = 40, outdir: str | os.PathLike[str] | None = None) -> dict:
    """Rasterise every page of a PDF with ``pdftoppm`` and measure how much ink it has.

    Parameters
    ----------
    pdf
        The PDF file.
    dpi
        Resolution of the page images.
    outdir
        Where to write the page PNGs (default: a new temporary folder; pass
        pytest's ``tmp_path`` to have them cleaned up).

    Returns
    -------
    dict
        ``pages`` (from ``pdfinfo``), ``png`` (one file per page, in a temp
        folder), ``ink`` (fraction of non-white pixels per page) and ``blank``
        (1-based numbers of pages without any ink).
    """
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    out = Path(outdir) if outdir is not None else Path(tempfile.mkdtemp(prefix="dt-pdf-"))
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / "page")], capture_output=True, check=True)
    pngs = sorted(out.glob("page-*.png"), key=lambda p: int(re.search(r"(\d+)\.png$", p.name).group(1)))
    from PIL import Image

    ink = []
    for p in pngs:
        arr = np.asarray(Image.open(p).convert("L"))
        ink.append(float((arr < 250).mean()))
    return {"pages": pages, "png": pngs, "ink": ink, "blank": [i + 1 for i, v in enumerate(ink) if v == 0.0]}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("render-browser")
    shutil.copytree(FIXTURES, root / "reports")
    files = render.render_file(root / "reports" / "demo.qmd", to="all", engine="builtin", output_dir=root / "out", quiet=True)
    return {p.suffix: p for p in files} | {"root": root}


def test_html_in_headless_chromium(rendered):
    require_tools("chromium", "chromedriver")
    shot = rendered["root"] / "demo.png"
    res = check_html_in_browser(rendered[".html"], screenshot=shot)
    assert res["console_errors"] == []
    assert len(res["images"]) == 1  # the one matplotlib figure
    assert res["broken_images"] == []
    assert all(i["natural_width"] > 100 for i in res["images"])
    assert res["external"] == [], res["external"]
    assert res["title"] == "Demo report"
    assert all(i["alt"] for i in res["images"])  # every image has an alt text
    assert "In 2011 the prevalence in group all was 14.25 per cent" in res["text"]
    # the screenshot is not blank: some dark pixels (text) and some blue pixels (the line of the figure)
    from PIL import Image

    arr = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert (arr.sum(axis=2) < 200).mean() > 0.001
    blue = (arr[..., 2] > 180) & (arr[..., 0] < 90) & (arr[..., 1] > 90) & (arr[..., 1] < 160)
    assert blue.sum() > 50


def test_browser_check_detects_external_resources(tmp_path):
    """The checker itself: a page that loads a remote image is flagged."""
    require_tools("chromium", "chromedriver")
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html><head><title>bad</title></head><body>'
        '<img src="http://127.0.0.1:9/x.png" alt="x"><p>hi</p>'
        '<script>console.error("boom")</script></body></html>'
    )
    res = check_html_in_browser(page)
    assert "http://127.0.0.1:9/x.png" in res["external"]
    assert res["broken_images"]
    assert any("boom" in e["message"] for e in res["console_errors"])


def test_pdf_pages_not_blank_and_stable(rendered, tmp_path):
    require_tools("pdftoppm", "pdfinfo")
    first = check_pdf_pages(rendered[".pdf"], outdir=tmp_path / "first")
    assert first["pages"] >= 1
    assert len(first["png"]) == first["pages"]
    assert first["blank"] == []
    assert min(first["ink"]) > 0.001
    again = render.render_file(
        rendered["root"] / "reports" / "demo.qmd", to="pdf", engine="builtin", output_dir=rendered["root"] / "out2",
        cache=False, quiet=True,
    )
    second = check_pdf_pages(again[0], outdir=tmp_path / "second")
    assert second["pages"] == first["pages"]
    assert np.allclose(second["ink"], first["ink"], atol=0.002)
