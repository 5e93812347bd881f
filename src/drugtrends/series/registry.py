"""The one break registry: :class:`Break`, reason codes, documented breaks (see :mod:`drugtrends.series`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Break", "ERA_CODES", "KINDS", "NSDUH_2015_SUBSTANCES", "REASONS", "REGISTRY", "fmt_x", "known_breaks"]

#: Kinds of break.
KINDS = ("design", "redesign", "mode", "definition", "scope", "status", "recording", "source_note", "other")


def fmt_x(v: object) -> str:
    """An x value without a trailing ``.0`` (dates as ISO).

    Parameters
    ----------
    v : object
        An x value (number, date or text).

    Examples
    --------
    >>> fmt_x(2015.0), fmt_x(2015.5), fmt_x(pd.Timestamp("2020-09-01"))
    ('2015', '2015.5', '2020-09-01')
    """
    if isinstance(v, pd.Timestamp):
        return str(v.date().isoformat())
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return str(int(f)) if f.is_integer() else f"{f:g}"


@dataclass(frozen=True)
class Break:
    """A break in the comparability of a series (registry entry or found in the data).

    Parameters
    ----------
    source : str
        Dataset or survey id (``"nsduh"``, ``"fr_drug_offences"``,
        ``"cdc_vsrr"``...), or a label built from the data.
    at : int, float or None
        First ``x`` (year) of the new regime: ``x >= at`` is not comparable
        with ``x < at``. ``None`` when the break is not a point in time
        (provisional versus final counts).
    reason : str
        English text for messages and footnotes (reports translate ``code``).
    kind : str
        One of :data:`KINDS`.
    domain : tuple of (column, value) pairs
        For a break found in grouped data: the group it belongs to. Empty for
        a break of the whole source.
    code : str
        Reason code, a key of :data:`REASONS` ("" for user-declared breaks).
    affects : tuple of (column, frozenset) pairs
        Registry breaks that hit only some values: ``(("substance",
        frozenset({...})),)``. Empty: every value.
    date : str or None
        ISO date of the break when it falls within the year ``at``
        (``"2020-09-01"`` for the fixed fine).

    Examples
    --------
    >>> b = Break("nsduh", 2015, "2015 questionnaire redesign", "redesign")
    >>> b.label(), b.series
    ('nsduh 2015: 2015 questionnaire redesign', 'nsduh')
    >>> ff = known_breaks("fr_drug_offences")[0]
    >>> ff.code, ff.date, ff.applies_to({"offence": "use"}), ff.applies_to({"offence": "trafficking"})
    ('fixed_fine_2020', '2020-09-01', True, False)
    """

    source: str
    at: float | None
    reason: str
    kind: str = "other"
    domain: tuple[tuple[str, Any], ...] = field(default=())
    code: str = ""
    affects: tuple[tuple[str, frozenset[Any]], ...] = field(default=())
    date: str | None = None

    @property
    def series(self) -> str:
        """The source id (name kept from ``trends.breaks.Break``)."""
        return self.source

    @property
    def substances(self) -> frozenset[Any] | None:
        """Substances the break concerns (``None``: all), from :attr:`affects`."""
        return dict(self.affects).get("substance")

    def label(self) -> str:
        """Short English text naming the break: ``"<source>[ [col=value]][ <at>]: <reason>"``.

        Returns
        -------
        str
            The label (English; reports translate the code instead).

        Examples
        --------
        >>> Break("cdc_vsrr", None, "provisional counts", "status").label()
        'cdc_vsrr: provisional counts'
        >>> Break("unodc", 2016.0, "new definition", "definition", (("country", "France"),)).label()
        'unodc [country=France] 2016: new definition'
        """
        where = "" if self.at is None else f" {fmt_x(self.at)}"
        dom = " [" + ", ".join(f"{k}={v}" for k, v in self.domain) + "]" if self.domain else ""
        return f"{self.source}{dom}{where}: {self.reason}"

    def concerns(self, substance: str) -> bool:
        """True when the break applies to ``substance`` (always when it names no substance).

        Parameters
        ----------
        substance : str
            A taxonomy id (``"cannabis"``, ``"cocaine"``...).

        Returns
        -------
        bool
            Whether a series of that substance breaks here.

        Examples
        --------
        >>> [b.concerns("cannabis") for b in known_breaks("nsduh")]
        [True, False, True, True]
        """
        subs = self.substances
        return subs is None or substance in subs

    def applies_to(self, domain: Mapping[str, Any] | None = None) -> bool:
        """True if the break applies to ``domain`` (a ``{column: value}`` dict).

        A data-found break (with :attr:`domain`) applies only to its own group;
        a registry break (with :attr:`affects`) applies unless the domain gives
        a value it does not affect (a column the domain does not name counts
        as affected: refusing a comparison is the safe side).

        Parameters
        ----------
        domain : mapping, optional
            ``{column: value}`` naming a series (``None``: no series named).

        Returns
        -------
        bool
            Whether the break cuts that series.

        Examples
        --------
        >>> b = Break("unodc", 2016, "new definition", "definition", (("country", "France"),))
        >>> b.applies_to({"country": "France", "substance": "cocaine"}), b.applies_to({"country": "Spain"})
        (True, False)
        >>> b.applies_to(None)
        False
        """
        dom = dict(domain or {})
        if self.domain and not all(k in dom and dom[k] == v for k, v in self.domain):
            return False
        return all(k not in dom or dom[k] in vals for k, vals in self.affects)

    def position(self) -> float | pd.Timestamp | None:
        """Where the break sits on a numeric axis (``at``) -- see :meth:`start` for dates.

        Returns
        -------
        float or None
            ``at`` as a float, ``None`` for a break with no position (a status break).

        Examples
        --------
        >>> Break("unodc", 2016, "new definition", "definition").position()
        2016.0
        """
        return None if self.at is None else float(self.at)

    def start(self) -> pd.Timestamp | None:
        """The first date of the new regime (``date``, else 1 January of ``at``).

        Returns
        -------
        pandas.Timestamp or None
            The date, ``None`` for a break with no position.

        Examples
        --------
        >>> Break("unodc", 2016, "new definition", "definition").start()
        Timestamp('2016-01-01 00:00:00')
        """
        if self.date is not None:
            return pd.Timestamp(self.date)
        return None if self.at is None else pd.Timestamp(year=int(float(self.at)), month=1, day=1)


#: Reason codes -> English text. Reports translate the code (``common.break_code.<code>``).
REASONS: dict[str, str] = {
    "age_range": "age range changed",
    "definition": "substance definition changed",
    "method": "estimation method changed",
    "nsduh_2002_redesign": "NSDUH 2002 redesign",
    "nsduh_2015_redesign": "NSDUH 2015 questionnaire redesign",
    "nsduh_2020_mode": "NSDUH 2020 mode change (2020 comparable with no other year)",
    "nsduh_2021_method": "NSDUH 2021 multimode methodology",
    "source_note": "the source says the data are not comparable",
    "survey": "the estimates come from another survey",
    "scope": "what the published figure covers changed",
    "fixed_fine_2020": "drug-use fixed fine (amende forfaitaire délictuelle) from September 2020",
    "vsrr_status": "provisional counts are not comparable with final counts",
    "unknown": "survey or definition change",
}

#: Substances (taxonomy ids, UNODC aggregates included) whose NSDUH measures changed in 2015.
NSDUH_2015_SUBSTANCES = frozenset({
    "prescription_opioids", "prescription_stimulants", "tranquillizers_sedatives", "tranquillizers",
    "sedatives", "benzodiazepines", "barbiturates", "fentanyl",
    "methamphetamine", "amphetamines", "psychostimulants",
    "hallucinogens", "lsd", "pcp", "ecstasy", "ketamine", "mushrooms", "salvia",
    "inhalants", "poppers", "opioids", "illicit_drugs",
})

#: Every documented break (data producers' methodological notes).
REGISTRY: tuple[Break, ...] = (
    Break("nsduh", 2002, "NHSDA renamed NSDUH in 2002 with incentives and new methods: 2002 onward is "
          "not comparable with 2001 and earlier", "redesign", code="nsduh_2002_redesign"),
    Break("nsduh", 2015, "2015 NSDUH questionnaire redesign: prescription drug misuse, methamphetamine, "
          "hallucinogens and inhalants are not comparable with 2014 and earlier", "redesign",
          code="nsduh_2015_redesign", affects=(("substance", NSDUH_2015_SUBSTANCES),)),
    Break("nsduh", 2020, "2020 NSDUH mode change (web and in-person from Q4 2020): 2020 is comparable "
          "with no other year", "mode", code="nsduh_2020_mode"),
    Break("nsduh", 2021, "2021 NSDUH multimode methodology: 2021 onward is not comparable with 2020 "
          "and earlier", "mode", code="nsduh_2021_method"),
    Break("cdc_vsrr", None, "VSRR provisional 12-month-ending counts are not comparable with "
          "final counts", "status", code="vsrr_status"),
    Break("fr_drug_offences", 2020, "the drug-use fixed fine (amende forfaitaire délictuelle) started in "
          "September 2020: drug-use offences recorded from then on are not comparable with earlier years "
          "(trafficking is unaffected)", "recording", code="fixed_fine_2020",
          affects=(("offence", frozenset({"use", "use_excl_fixed_fine"})),), date="2020-09-01"),
)

#: Design era (as written by the readers' ``design_era``) -> code of the break that opened it.
ERA_CODES: dict[str, str] = {
    "nsduh_2002_2014": "nsduh_2002_redesign", "nsduh_2002_2019": "nsduh_2002_redesign",
    "nsduh_2015_2019": "nsduh_2015_redesign", "nsduh_2020": "nsduh_2020_mode",
    "nsduh_2021_on": "nsduh_2021_method",
}


def known_breaks(source: str | None = None, **where: Any) -> list[Break]:
    """Registry breaks of ``source`` (all sources when None) that apply to the domain ``where``.

    Parameters
    ----------
    source : str, optional
        Dataset or survey id, compared exactly (``"nsduh"``, ``"fr_drug_offences"``).
    **where
        ``column=value`` of the series (``substance="cannabis"``,
        ``offence="trafficking"``): breaks that do not affect that value are
        left out (:meth:`Break.applies_to`).

    Returns
    -------
    list of Break
        In registry order.

    Examples
    --------
    >>> [b.at for b in known_breaks("nsduh")]
    [2002, 2015, 2020, 2021]
    >>> [b.at for b in known_breaks("nsduh", substance="cannabis")]
    [2002, 2020, 2021]
    >>> known_breaks("fr_drug_offences", offence="trafficking")
    []
    """
    return [b for b in REGISTRY if (source is None or b.source == source) and b.applies_to(where)]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
