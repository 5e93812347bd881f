"""Key figures ("chiffres clés") of the trends report and the fact sheets.

A key figure is a dict with ``label``, ``value`` (formatted, with its unit),
``interval`` (formatted CI or range, or ``""``), ``year``, ``population``,
``change`` (direction and significance against the last comparable estimate)
and ``source``; the functions that compute them live next to their data
(:func:`drugtrends_reports.factsheet.prevalence_key`,
:func:`drugtrends_reports.supply.seizure_key`,
:func:`drugtrends_reports.overdose.nchs_key`). :func:`box` lays them out.
"""

from __future__ import annotations

from drugtrends import i18n

__all__ = ["box"]


def _common_box():
    try:
        from drugtrends_reports.common import key_figures_box
    except ImportError:
        return None
    return key_figures_box


def box(rows: list[dict], lang: str = "en") -> str:
    """Markdown of the key-figure box: one line per figure, value first, then year, population and change.

    Parameters
    ----------
    rows
        Key-figure dicts (see the module docstring); ``None`` entries are skipped.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        A Markdown callout (``""`` when there is no row).

    Examples
    --------
    >>> r = {"label": "Cocaine seized, France", "value": "23.2 t", "interval": "", "year": "2023",
    ...      "population": "quantities seized in France", "change": "down from 27.7 t in 2022", "source": "UNODC"}
    >>> print(box([r]))
    ::: {.callout-note appearance="simple"}
    - **Cocaine seized, France: 23.2 t** (2023; quantities seized in France). Down from 27.7 t in 2022.
    :::
    <BLANKLINE>
    """
    rows = [r for r in rows if r]
    if not rows:
        return ""
    lines = []
    for r in rows:
        value = r["value"] + (f" {r['unit']}" if r.get("unit") else "")
        head = f"**{i18n.t('trends.kf.head', lang, label=r['label'], value=value)}**"
        ctx = "(" + i18n.t("trends.sep", lang).join(x for x in (r.get("interval"), r["year"], r["population"]) if x) + ")"
        change = r.get("change", "")
        change = (change[:1].upper() + change[1:] + ".") if change else ""
        lines.append(f"- {head} {ctx}. {change}".rstrip())
    return '::: {.callout-note appearance="simple"}\n' + "\n".join(lines) + "\n:::\n"
