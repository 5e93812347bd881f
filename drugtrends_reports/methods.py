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

from drugtrends_reports.common import say
from drugtrends import style

__all__ = [
    "sources", "sources_table", "citations_markdown", "files_status", "files_table",
    "software_versions", "software_table", "estimators_markdown", "breaks_table",
    "PACKAGES",
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
    avail = [say("project mirror", "miroir du projet", lang) if m else say("fetch only", "à télécharger", lang)
             for m in s["mirrored"]]
    out = pd.DataFrame({
        say("Dataset", "Jeu de données", lang): s["id"],
        say("Title", "Titre", lang): s["title"],
        say("Publisher", "Producteur", lang): s["publisher"],
        say("Licence", "Licence", lang): s["licence"],
        say("Availability", "Disponibilité", lang): avail,
    })
    return tables.simple_table(out, source="data/manifest.yaml",
                               title=say("Data sources", "Sources des données", lang), lang=lang)


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
    yes, no = say("yes", "oui", lang), say("no", "non", lang)
    status = []
    for r in f.itertuples():
        if not bool(r.present):
            status.append(say("not fetched", "non récupéré", lang))
        elif bool(r.verified):
            status.append(say("verified", "vérifié", lang) + (f" ({str(r.fetched_at)[:10]})" if r.fetched_at else ""))
        else:
            status.append(say("present, not verified", "présent, non vérifié", lang))
    out = pd.DataFrame({
        say("Dataset", "Jeu de données", lang): f["id"],
        say("File", "Fichier", lang): f["file"],
        say("Size (MB)", "Taille (Mo)", lang): [tables.fmt_num(v / 1e6, 2, lang) if pd.notna(v) else ""
                                                for v in f["size"]],
        "SHA-256": [(str(v)[:16] + "…") if isinstance(v, str) and v else say("unknown", "inconnu", lang)
                    for v in f["sha256"]],
        say("Local copy", "Copie locale", lang): status,
    })
    del yes, no
    note = say("SHA-256: first 16 hexadecimal digits; the full checksums are in data/manifest.yaml and "
               "in the .provenance.json file beside each fetched file.",
               "SHA-256 : 16 premiers chiffres hexadécimaux ; les sommes complètes sont dans "
               "data/manifest.yaml et dans le fichier .provenance.json à côté de chaque fichier.", lang)
    return tables.simple_table(out, source="data/manifest.yaml; drugtrends.fetch.status()",
                               title=say("Files and checksums", "Fichiers et sommes de contrôle", lang),
                               notes=[note], lang=lang, group=say("Dataset", "Jeu de données", lang))


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

    v = software_versions().rename(columns={"package": say("Software", "Logiciel", lang),
                                            "version": "Version"})
    return tables.simple_table(v, title=say("Software versions", "Versions des logiciels", lang), lang=lang)


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

    style.check_lang(lang)
    nchs = SUPPRESSION_RULES["nchs"][lang].lstrip("* ")
    nsduh = SUPPRESSION_RULES["nsduh"][lang].lstrip("* ")
    if lang == "fr":
        parts = [
            "**Estimations d'enquête.** `drugtrends.survey.SurveyDesign` décrit le plan de sondage "
            "(poids, strates, unités primaires emboîtées dans les strates, tirage avec remise). Les "
            "moyennes, proportions, totaux et ratios sont estimés par linéarisation de Taylor ; les "
            "plans à poids répliqués (BRR, jackknife, bootstrap) recalculent l'estimateur avec chaque "
            "jeu de poids. Les domaines (sous-populations) sont estimés en annulant les contributions "
            "hors domaine, sans supprimer de lignes. Degrés de liberté : nombre d'UPE moins nombre de "
            "strates. Les résultats sont vérifiés contre le paquet R `survey`.",
            "**Intervalles de confiance.** Pour une proportion : intervalle logit, ou Korn-Graubard "
            "(version NCHS) ; pour une moyenne ou un total : intervalle de Student avec les degrés de "
            "liberté du plan.",
            f"**Règles de diffusion.** NCHS (défaut) : {nchs} NSDUH : {nsduh} Une estimation non "
            "diffusée apparaît comme « * » dans les tableaux et n'est pas tracée dans les graphiques.",
            "**Tendances.** Régression joinpoint (modèle log-linéaire, points de rupture par recherche "
            "sur grille ; nombre choisi par tests de permutation séquentiels ou BIC) ; VAP = "
            "100 (e^b - 1), VAMP pondérée par la longueur des segments. Les changements de définition "
            "(tranche d'âge, refonte d'enquête) sont des ruptures de série : `drugtrends.trends` refuse "
            "de calculer une tendance qui les traverse, sauf demande explicite.",
            "**Chiffres publiés.** Les prévalences de l'ONUDC et les décès du CDC sont présentés tels "
            "que publiés ; la fourchette basse-haute de l'ONUDC n'est pas un intervalle de confiance.",
        ]
    else:
        parts = [
            "**Survey estimates.** `drugtrends.survey.SurveyDesign` holds the design (weights, strata, "
            "primary sampling units nested in strata, sampling with replacement). Means, proportions, "
            "totals and ratios are estimated with Taylor linearisation; replicate-weight designs (BRR, "
            "jackknife, bootstrap) recompute the estimator with each set of weights. Domains "
            "(subpopulations) are estimated by zeroing contributions outside the domain, never by "
            "dropping rows. Degrees of freedom: number of PSUs minus number of strata. Results are "
            "checked against the R package `survey`.",
            "**Confidence intervals.** Proportions: logit interval, or Korn-Graubard (NCHS version); "
            "means and totals: Student t interval with the design degrees of freedom.",
            f"**Suppression rules.** NCHS (default): {nchs} NSDUH: {nsduh} A suppressed estimate "
            "shows as \"\\*\" in tables and is not plotted in figures.",
            "**Trends.** Joinpoint regression (log-linear model, joinpoints by grid search; their number "
            "by sequential permutation tests or BIC); APC = 100 (e^b - 1), AAPC weighted by segment "
            "length. Changes of definition (age range, survey redesign) are breaks in series: "
            "`drugtrends.trends` refuses to fit a trend across one unless asked to.",
            "**Published figures.** UNODC prevalences and CDC death counts are shown as published; the "
            "UNODC low-high range is not a confidence interval.",
        ]
    return "\n\n".join(parts) + "\n"


def breaks_table(lang: str = "en"):
    """The comparability breaks the library knows from the data producers (``KNOWN_BREAKS``).

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables
    from drugtrends.trends import KNOWN_BREAKS

    out = pd.DataFrame({
        say("Series", "Série", lang): [b.series for b in KNOWN_BREAKS],
        say("From", "À partir de", lang): ["" if b.at is None else str(b.at) for b in KNOWN_BREAKS],
        say("Kind", "Type", lang): [b.kind for b in KNOWN_BREAKS],
        say("Reason", "Motif", lang): [b.reason for b in KNOWN_BREAKS],
    })
    return tables.simple_table(out, source="drugtrends.trends.KNOWN_BREAKS",
                               title=say("Known breaks in series", "Ruptures de série connues", lang),
                               lang=lang)
