"""Analysis steps of the *Methods and data* appendix.

Everything here is read from the project itself: the data manifest
(:func:`drugtrends.manifest.load_manifest`), the provenance files beside each
fetched file (:func:`drugtrends.fetch.status`), the library's own constants
(reliability rules, known comparability breaks) and the installed package
versions. No text restates a number that the code does not hold.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys

import pandas as pd

from drugtrends import i18n

__all__ = [
    "sources", "sources_table", "citations_markdown", "files_status", "files_table",
    "software_versions", "software_table", "estimators_markdown", "known_breaks_table",
    "summary_sentence", "key_figures", "PACKAGES",
]

#: Packages whose versions the appendix lists (distribution names).
PACKAGES = ("drugtrends", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "great_tables",
            "pandera", "openpyxl", "pyarrow", "pooch", "nbclient", "ipykernel", "pypandoc_binary", "typst")


def sources() -> pd.DataFrame:
    """One row per manifest dataset: id, title, publisher, licence, citation, landing page.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``title``, ``publisher``, ``licence``, ``citation``,
        ``landing_page``, ``mirrored``, ``n_files``.

    Examples
    --------
    >>> s = sources()
    >>> "unodc_wdr2025" in set(s["id"])
    True
    """
    from drugtrends.manifest import load_manifest

    rows = [{"id": d.id, "title": d.title, "publisher": d.publisher, "licence": d.licence,
             "citation": d.citation, "landing_page": d.landing_page, "mirrored": d.mirrored,
             "n_files": len(d.files)} for d in load_manifest()]
    return pd.DataFrame(rows)


def sources_table(lang: str = "en"):
    """The data sources as a table (id, title, publisher, licence, availability).

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    s = sources()
    t = i18n.bind(lang)
    avail = [t("methods.mirror") if m else t("methods.fetch_only") for m in s["mirrored"]]
    out = pd.DataFrame({
        t("methods.col_dataset"): s["id"],
        t("methods.col_title"): s["title"],
        t("methods.col_publisher"): s["publisher"],
        t("methods.col_licence"): s["licence"],
        t("methods.col_availability"): avail,
    })
    return tables.simple_table(out, source=t("common.sources.manifest"), title=t("methods.sources_title"),
                               lang=lang, notes=[t("methods.titles_note")])


def citations_markdown(lang: str = "en") -> str:
    """A Markdown bullet list of the manifest citations (with landing pages).

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> citations_markdown().startswith("- **")
    True
    """
    s = sources()
    lines = []
    for r in s.itertuples():
        cit = " ".join(str(r.citation).split())
        lines.append(f"- **{r.id}**: {cit}")
    return "\n".join(lines) + "\n"


def files_status() -> pd.DataFrame:
    """Every manifest file with its expected checksum and its local status.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``file``, ``sha256`` (expected), ``size`` (expected bytes),
        ``present``, ``verified``, ``method``, ``fetched_at``, ``source``.

    Examples
    --------
    >>> f = files_status()
    >>> {"id", "file", "sha256", "present", "verified"} <= set(f.columns)
    True
    """
    from drugtrends.manifest import load_manifest

    rows = [{"id": d.id, "file": f.name, "sha256": f.sha256, "size": f.size} for d in load_manifest()
            for f in d.files]
    exp = pd.DataFrame(rows)
    try:
        from drugtrends import fetch

        st = fetch.status()[["id", "file", "present", "verified", "method", "fetched_at", "source"]]
        return exp.merge(st, on=["id", "file"], how="left")
    except ImportError:
        for c in ("present", "verified"):
            exp[c] = False
        for c in ("method", "fetched_at", "source"):
            exp[c] = ""
        return exp


def files_table(lang: str = "en", mirrored_only: bool = False):
    """Files, sizes, SHA-256 checksums and local verification status.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.
    mirrored_only
        Leave out files that are not present locally and not mirrored (the
        long lists of NSDUH / TEDS years).

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    f = files_status()
    if mirrored_only:
        f = f[f["present"].fillna(False).astype(bool) | f["id"].isin(sources().query("mirrored")["id"])]
    t = i18n.bind(lang)
    status = []
    for r in f.itertuples():
        if not bool(r.present):
            status.append(t("methods.not_fetched"))
        elif bool(r.verified):
            status.append(t("methods.verified") + (f" ({str(r.fetched_at)[:10]})" if r.fetched_at else ""))
        else:
            status.append(t("methods.present_unverified"))
    out = pd.DataFrame({
        t("methods.col_dataset"): f["id"],
        t("methods.col_file"): f["file"],
        t("methods.col_size"): [tables.fmt_num(v / 1e6, 2, lang) if pd.notna(v) else "" for v in f["size"]],
        "SHA-256": [(str(v)[:16] + "…") if isinstance(v, str) and v else t("methods.unknown") for v in f["sha256"]],
        t("methods.col_local"): status,
    })
    return tables.simple_table(out, source=t("common.sources.manifest"), title=t("methods.files_title"),
                               notes=[t("methods.sha_note")], lang=lang, group=t("methods.col_dataset"))


def software_versions() -> pd.DataFrame:
    """Python, platform and package versions of the running environment.

    Returns
    -------
    pandas.DataFrame
        ``package``, ``version`` (``"not installed"`` when missing).

    Examples
    --------
    >>> v = software_versions()
    >>> v.iloc[0]["package"]
    'Python'
    """
    rows = [{"package": "Python", "version": sys.version.split()[0]},
            {"package": "Platform", "version": platform.platform(terse=True)}]
    for p in PACKAGES:
        try:
            ver = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            ver = "not installed"
        rows.append({"package": p, "version": ver})
    try:
        import pypandoc

        rows.append({"package": "pandoc", "version": pypandoc.get_pandoc_version()})
    except Exception:  # pandoc binary missing or unreadable: just leave it out
        pass
    return pd.DataFrame(rows)


def software_table(lang: str = "en"):
    """Software versions as a table.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    t = i18n.bind(lang)
    v = software_versions().rename(columns={"package": t("methods.col_software"), "version": t("methods.col_version")})
    v[t("methods.col_version")] = v[t("methods.col_version")].replace("not installed", t("methods.not_installed"))
    return tables.simple_table(v, title=t("methods.software_title"), lang=lang)


def estimators_markdown(lang: str = "en") -> str:
    """Describe the estimators, intervals, suppression rules and trend methods the library uses.

    The suppression texts are the footnotes :mod:`drugtrends.tables` prints
    under tables, so the appendix and the tables say the same thing.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> "Taylor" in estimators_markdown()
    True
    """
    from drugtrends.tables import SUPPRESSION_RULES

    t = i18n.bind(lang)
    nchs = SUPPRESSION_RULES["nchs"][lang].lstrip("* ")
    nsduh = SUPPRESSION_RULES["nsduh"][lang].lstrip("* ")
    parts = [t("methods.est_survey"), t("methods.est_ci"), t("methods.est_rules", nchs=nchs, nsduh=nsduh),
             t("methods.est_trends"), t("methods.est_published")]
    return "\n\n".join(parts) + "\n"


def known_breaks_table(lang: str = "en"):
    """The survey-design breaks the library applies to NSDUH-based series (:data:`drugtrends.comparability.NSDUH_BREAKS`).

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable

    Examples
    --------
    >>> known_breaks_table("fr").data.columns.tolist()
    ['Série', 'À partir de', 'Motif', 'Produits concernés']
    """
    from drugtrends import comparability, style, tables
    from drugtrends.plots.base import reason_text

    t = i18n.bind(lang)
    rows = comparability.NSDUH_BREAKS
    out = pd.DataFrame({
        t("methods.col_series"): [str(b.series).upper() for b in rows],
        t("methods.col_from"): [str(b.at) for b in rows],
        t("common.reason"): [reason_text(pd.Series({"break_code": b.code, "break_reason": b.reason}), lang)
                             for b in rows],
        t("methods.col_substances"): [t("methods.all_substances") if not b.substances else
                                      ", ".join(style.substance_label(x, lang) for x in sorted(b.substances))
                                      for b in rows],
    })
    return tables.simple_table(out, source="drugtrends.comparability.NSDUH_BREAKS",
                               title=t("methods.breaks_title"), lang=lang)


def summary_sentence(lang: str = "en") -> str:
    """How many datasets and files the manifest lists, and how many are present and verified here.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> "manifest" in summary_sentence()
    True
    """
    files = files_status()
    return i18n.t("methods.summary", lang, n_sets=len(sources()), n_files=len(files),
                  n_present=int(files["present"].fillna(False).astype(bool).sum()),
                  n_verified=int(files["verified"].fillna(False).astype(bool).sum()))


def key_figures(lang: str = "en") -> list:
    """The appendix's key figures: datasets in the manifest, files present and verified here.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    list of drugtrends.keyfigures.KeyFigure

    Examples
    --------
    >>> [k.unit for k in key_figures()]
    ['number', 'number']
    """
    from drugtrends.keyfigures import KeyFigure

    files = files_status()
    n_ver = int(files["verified"].fillna(False).astype(bool).sum())
    return [
        KeyFigure(i18n.t("methods.kf_datasets", lang), len(sources()), unit="number", digits=0, compare=False,
                  population=i18n.t("methods.kf_manifest", lang)),
        KeyFigure(i18n.t("methods.kf_verified", lang), n_ver, unit="number", digits=0, compare=False,
                  population=i18n.t("methods.kf_of_files", lang, n=i18n.fmt_number(len(files), lang=lang))),
    ]
