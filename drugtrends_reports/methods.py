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
from dataclasses import dataclass
from typing import Any

import pandas as pd

from drugtrends import i18n

__all__ = [
    "sources", "sources_table", "citations_markdown", "files_status", "files_table",
    "software_versions", "software_table", "estimators_markdown", "known_breaks_table",
    "summary_sentence", "key_figures", "availability_sentence", "Context", "build", "sections", "PACKAGES",
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
    """The data sources as a table: id, title, licence, latest period and the command that fetches it.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable

    Examples
    --------
    >>> t = sources_table("fr").data
    >>> t.columns.tolist()[-2:], t.iloc[0, -1]
    (['Dernière période', "Pour l'obtenir"], 'drugtrends fetch unodc_wdr2025')
    """
    from drugtrends import tables

    s = sources()
    t = i18n.bind(lang)
    out = pd.DataFrame({
        t("methods.col_dataset"): s["id"],
        t("methods.col_title"): [i18n.t_or(f"methods.ds.{d}.title", x, lang) for d, x in zip(s["id"], s["title"])],
        t("methods.col_licence"): [i18n.t_or(f"methods.ds.{d}.licence", x, lang)
                                   for d, x in zip(s["id"], s["licence"])],
        t("methods.col_period"): [i18n.t_or(f"methods.period.{d}", "—", lang) for d in s["id"]],
        t("methods.col_fetch"): [t("methods.fetch_cmd", id=d) for d in s["id"]],
    })
    notes = [n for n in (t("methods.titles_note"), t("methods.sources_note")) if n]
    return tables.simple_table(out, source=t("common.sources.manifest"), title=t("methods.sources_title"),
                               lang=lang, notes=notes)


def availability_sentence(lang: str = "en") -> str:
    """Which datasets are not on this machine, each with its fetch command (the one place reports point to).

    Examples
    --------
    >>> "drugtrends fetch" in availability_sentence() or "Every dataset" in availability_sentence()
    True
    """
    f = files_status()
    present = f.groupby("id")["present"].apply(lambda v: bool(v.fillna(False).astype(bool).any()))
    missing = [d for d in sources()["id"] if not present.get(d, False)]
    if not missing:
        return i18n.t("methods.all_here", lang)
    items = i18n.join_words([f"{d} (`drugtrends fetch {d}`)" for d in missing], lang)
    return i18n.t("methods.missing_here", lang, items=items)


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
    >>> citations_markdown().splitlines()[0].startswith("- **")
    True
    """
    s = sources()
    lines = []
    for r in s.itertuples():
        cit = " ".join(str(r.citation).split())
        cit = cit.replace("[", "\\[").replace("]", "\\]")
        # a template citation (fetch-only yearly files) names its year '<year>': shown as text, not read as HTML
        cit = cit.replace("<year>", "YYYY")
        colon = "\u00a0:" if lang == "fr" else ":"  # French: a no-break space before the colon
        # cited as published (in English): marked as such for screen readers and checks
        lines.append(f'- **{r.id}**{colon} [{cit}]{{lang="en"}}')
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
    v[t("methods.col_software")] = v[t("methods.col_software")].replace("Platform", t("methods.platform"))
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
             t("methods.est_profiles"), t("methods.est_km"), t("methods.est_trends"), t("methods.est_capture"),
             t("methods.est_single"), t("methods.est_published")]
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


@dataclass(frozen=True)
class Context:
    """The appendix's language (everything else is read from the manifest and the environment)."""

    lang: str


def build(params: Any = None, data: dict | None = None) -> Context:
    """The page protocol's first step: the checked language (nothing to load beforehand).

    Examples
    --------
    >>> build({"lang": "fr"}).lang
    'fr'
    """
    from drugtrends_reports import common

    return Context(lang=common.lang_of(params))


def sections(ctx: Context) -> list:
    """The appendix's items in order: key figures, sources (with fetch commands), files, estimators, software."""
    from drugtrends.keyfigures import KeyFigures
    from drugtrends_reports import common

    lang = ctx.lang
    return [common.Title(i18n.t("methods.title", lang)), common.heading(2, "common.key_figures", lang),
            KeyFigures(key_figures(lang), lang=lang, title=""),
            common.heading(2, "methods.h_sources", lang), summary_sentence(lang), sources_table(lang),
            availability_sentence(lang),
            common.heading(3, "methods.h_citations", lang), citations_markdown(lang),
            common.heading(2, "methods.h_files", lang), i18n.t("methods.fetch_text", lang), files_table(lang),
            common.heading(2, "methods.h_estimators", lang), estimators_markdown(lang), known_breaks_table(lang),
            common.heading(2, "methods.h_software", lang), software_table(lang)]
