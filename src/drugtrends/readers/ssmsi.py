"""French police- and gendarmerie-recorded drug offences by département (SSMSI base, 2016-2025).

Source: Ministère de l'Intérieur, SSMSI, "Bases statistiques communale,
départementale et régionale de la délinquance enregistrée par la police et la
gendarmerie nationales" (data.gouv.fr, Licence Ouverte 2.0), départemental
base, as re-encoded in JSON (``delinquance.json``: ``{"meta", "records":
[{codeDepartement, codeRegion, annee, indicateur, uniteDeCompte, nombre,
tauxPourMille, inseePop}]}``). Only the four drug indicators are exposed.

Conventions of :func:`read_drug_offences`
-----------------------------------------
* ``departement`` is the INSEE code as a string (``"01"``, ``"2A"``,
  ``"971"``), ``departement_name``, ``region`` (region code) and
  ``region_name`` come from ``data/codebooks/fr_departements.csv``;
* ``offence`` is ``use`` ("Usage de stupéfiants": all recorded drug use),
  ``use_fixed_fine`` ("Usage de stupéfiants (AFD)": use dealt with by the
  fixed criminal fine, *amende forfaitaire délictuelle*), ``use_excl_fixed_fine``
  ("... (hors AFD)") or ``trafficking`` ("Trafic de stupéfiants");
  ``indicator_published`` keeps the French label; ``use = use_fixed_fine +
  use_excl_fixed_fine`` holds in every département and year (checked);
* ``n_implicated`` (nullable integer) is the number of persons implicated
  (``unit = "persons implicated"``, the published *mis en cause*), not of
  offences or of people who use drugs; ``rate_per_1000`` is per 1,000
  inhabitants (``population``: INSEE population of the département that
  year); ``indicator = "police_recorded_offences"``: police activity, not a
  measure of drug use;
* **the fixed fine began on 1 September 2020** (generalised after trials in
  Rennes, Reims and Créteil from June 2020). Before, the fixed-fine indicator
  is *not applicable*: the source leaves it blank and this copy turned the
  blanks into 0, so ``n_implicated`` and ``rate_per_1000`` of ``use_fixed_fine``
  2016-2019 are set to missing (flag ``not_applicable``). 2020 fixed-fine
  counts cover about four months (flag ``partial_year``);
* comparability: ``trafficking`` is one continuous series per département.
  ``use`` and ``use_excl_fixed_fine`` break in 2020 (``break_code =
  "fixed_fine_2020"`` on the first row after the break, ``break_reason`` says
  what changed): from September 2020 a fixed fine can close a use case on the
  spot, which changed how many use cases police record and how
  (``comparability_group`` ``fr_ssmsi:<offence>:before_fixed_fine`` for
  2016-2019, ``...:with_fixed_fine`` from 2020; the same split in
  ``recording_regime``, the column :mod:`drugtrends.series` keys on, which is
  ``continuous`` for trafficking). ``use_fixed_fine`` is its own series from
  2020, 2020 a partial year;
* zeros: the copy turned every blank into 0, so a 0 cannot be told apart from
  a blank. In the départemental base the drug counts of every département
  are above 0 in every year except the fixed-fine years 2016-2019 (handled
  above), so no other 0 is present today; any 0 in a future copy, above all
  for small départements (Lozère, Creuse, overseas), must be read as "0 or
  not published" and is flagged ``zero_may_be_blank``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import check_codes, require_file, validate

__all__ = ["read_drug_offences", "departements_codebook", "COLUMNS", "OFFENCES", "BREAK_REASON", "UNIT"]

DATASET = "fr_ssmsi_delinquance"

#: Published indicator -> offence id.
OFFENCES = {
    "Usage de stupéfiants": "use",
    "Usage de stupéfiants (AFD)": "use_fixed_fine",
    "Usage de stupéfiants (hors AFD)": "use_excl_fixed_fine",
    "Trafic de stupéfiants": "trafficking",
}
#: What the published unit ``Mis en cause`` counts.
UNIT = "persons implicated"
#: First year of the fixed fine for drug use (1 September 2020).
FIXED_FINE_YEAR = 2020
#: Why the use series break in 2020.
BREAK_REASON = ("fixed criminal fine for drug use (AFD) from 1 September 2020: use cases can be closed on the "
                "spot, which changed how many use cases are recorded and how")
#: Columns of the tidy table, in order.
COLUMNS = ["departement", "departement_name", "region", "region_name", "year", "offence", "indicator_published",
           "n_implicated", "rate_per_1000", "population", "unit", "indicator", "recording_regime", "comparability_group",
           "break_code", "break_reason", "flag"]
_FIELDS = ["codeDepartement", "codeRegion", "annee", "indicateur", "uniteDeCompte", "nombre", "tauxPourMille",
           "inseePop"]
_REFETCH = f"Re-fetch it with `drugtrends fetch {DATASET} --force`."


def departements_codebook() -> pd.DataFrame:
    """The départements codebook: ``code``, ``name``, ``region_code``, ``region_name``, ``overseas``.

    Returns
    -------
    pandas.DataFrame
        101 rows (96 metropolitan, 5 overseas), codes as strings.

    Examples
    --------
    >>> cb = departements_codebook()
    >>> cb.set_index("code").loc[["2A", "75", "971"], "name"].tolist()
    ['Corse-du-Sud', 'Paris', 'Guadeloupe']
    """
    here = Path(__file__).resolve()
    for folder in (here.parents[3] / "data" / "codebooks", here.parents[1] / "codebooks"):
        p = folder / "fr_departements.csv"
        if p.is_file():
            cb = pd.read_csv(p, dtype=str, keep_default_na=False)
            cb["overseas"] = cb["overseas"].eq("1")
            return cb
    raise SchemaError("fr_departements.csv codebook not found (data/codebooks): reinstall drugtrends.")


def _records(p: Path) -> pd.DataFrame:
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        recs = doc["records"]
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{p}: not UTF-8 text (byte {exc.start}). {_REFETCH}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SchemaError(f"{p}: not the SSMSI JSON ({{'meta', 'records': [...]}}): {exc}. {_REFETCH}") from None
    if not isinstance(recs, list) or not recs:
        raise SchemaError(f"{p}: 'records' is empty or not a list. {_REFETCH}")
    raw = pd.DataFrame.from_records(recs)
    missing = [c for c in _FIELDS if c not in raw.columns]
    if missing:
        raise SchemaError(f"{p}: records lack the field(s) {missing}; found {list(raw.columns)}. {_REFETCH}")
    return raw


def _numbers(p: Path, raw: pd.DataFrame) -> None:
    for col in ("annee", "nombre", "tauxPourMille", "inseePop"):
        num = pd.to_numeric(raw[col], errors="coerce")
        bad = num.isna() & raw[col].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(f"{p}: record {i} ({raw.at[raw.index[i], 'codeDepartement']}, "
                              f"{raw.at[raw.index[i], 'indicateur']!r}): field {col!r} = "
                              f"{raw.at[raw.index[i], col]!r} is not a number. {_REFETCH}")
        raw[col] = num


def _comparability(df: pd.DataFrame) -> None:
    """comparability_group, break_code, break_reason and flag (in place)."""
    after = df["year"] >= FIXED_FINE_YEAR
    era = np.where(after, "with_fixed_fine", "before_fixed_fine")
    regime = pd.Series(era, index=df.index).mask(df["offence"].eq("trafficking"), "continuous")
    df["recording_regime"] = regime.mask(df["offence"].eq("use_fixed_fine"), "with_fixed_fine")
    group = "fr_ssmsi:" + df["offence"] + ":" + era
    group = group.mask(df["offence"].eq("trafficking"), "fr_ssmsi:trafficking")
    group = group.mask(df["offence"].eq("use_fixed_fine"), "fr_ssmsi:use_fixed_fine")
    df["comparability_group"] = group
    first = df["offence"].isin(["use", "use_excl_fixed_fine"]) & df["year"].eq(FIXED_FINE_YEAR)
    none = np.array(None, dtype=object)  # what np.where makes of None (numpy's stubs take no bare None)
    df["break_code"] = pd.array(np.where(first, "fixed_fine_2020", none), dtype="string")
    df["break_reason"] = pd.array(np.where(first, BREAK_REASON, none), dtype="string")
    afd = df["offence"].eq("use_fixed_fine")
    flags = np.select(
        [afd & (df["year"] < FIXED_FINE_YEAR), afd & df["year"].eq(FIXED_FINE_YEAR),
         df["offence"].isin(["use", "use_excl_fixed_fine"]) & df["year"].eq(FIXED_FINE_YEAR)],
        ["not_applicable", "partial_year",
         "fixed_fine_from_september"], "")
    zero = df["n_implicated"].eq(0).fillna(False).to_numpy()
    flags = np.where(zero, np.char.add(flags.astype(str), np.where(flags == "", "zero_may_be_blank",
                                                                    ";zero_may_be_blank")), flags)
    df["flag"] = flags


def read_drug_offences(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the SSMSI départemental base and return its four drug indicators, tidy.

    Parameters
    ----------
    path : str or path-like
        ``delinquance.json`` (see the module docstring for the layout).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per département x year x offence,
        sorted by département, offence and year. See the module docstring
        for the conventions (fixed fines before 2020 missing, the 2020 break
        of the use series, zeros).

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    SchemaError
        Not the SSMSI JSON, a field missing, a non-numeric count, an unknown
        département code or unit, duplicated rows, a drug indicator missing,
        or ``use`` differing from fixed-fine + other use.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> rec = lambda ind, n: {"codeDepartement": "75", "codeRegion": "11", "annee": 2019, "indicateur": ind,
    ...                       "uniteDeCompte": "Mis en cause", "nombre": n, "tauxPourMille": n / 2150.0,
    ...                       "inseePop": 2150000}
    >>> doc = {"meta": {}, "records": [rec("Usage de stupéfiants", 12), rec("Usage de stupéfiants (AFD)", 0),
    ...        rec("Usage de stupéfiants (hors AFD)", 12), rec("Trafic de stupéfiants", 5)]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.json"
    >>> _ = p.write_text(json.dumps(doc))
    >>> read_drug_offences(p)[["departement_name", "offence", "n_implicated", "flag"]]
      departement_name              offence  n_implicated            flag
    0            Paris          trafficking             5
    1            Paris                  use            12
    2            Paris  use_excl_fixed_fine            12
    3            Paris       use_fixed_fine          <NA>  not_applicable
    """
    p = require_file(path, dataset=DATASET)
    raw = _records(p)
    raw = raw[raw["indicateur"].isin(OFFENCES)].copy()
    found = set(raw["indicateur"])
    if found != set(OFFENCES):
        raise SchemaError(f"{p}: drug indicator(s) {sorted(set(OFFENCES) - found)} missing; found "
                          f"{sorted(found)}. {_REFETCH}")
    _numbers(p, raw)
    cb = departements_codebook().set_index("code")
    check_codes(raw["codeDepartement"].astype(str), cb.index, p, "codeDepartement", row_offset=0)
    check_codes(raw["uniteDeCompte"], ["Mis en cause"], p, "uniteDeCompte", row_offset=0)
    code = raw["codeDepartement"].astype(str)
    df = pd.DataFrame({
        "departement": code, "departement_name": code.map(cb["name"]),
        "region": raw["codeRegion"].astype(str), "region_name": raw["codeRegion"].astype(str).map(
            cb.drop_duplicates("region_code").set_index("region_code")["region_name"]),
        "year": raw["annee"].astype("int64"), "offence": raw["indicateur"].map(OFFENCES),
        "indicator_published": raw["indicateur"],
        "n_implicated": pd.array(raw["nombre"].round().astype("int64"), dtype="Int64"),
        "rate_per_1000": raw["tauxPourMille"].astype("float64"),
        "population": pd.array(raw["inseePop"].round().astype("int64"), dtype="Int64"),
        "unit": UNIT, "indicator": "police_recorded_offences",
    }).reset_index(drop=True)
    dup = df.duplicated(["departement", "year", "offence"], keep=False)
    if dup.any():
        r = df[dup].iloc[0]
        raise SchemaError(f"{p}: {int(dup.sum())} records repeat (département, year, indicator), e.g. "
                          f"({r['departement']}, {r['year']}, {r['indicator_published']!r}). {_REFETCH}")
    na = df["offence"].eq("use_fixed_fine") & (df["year"] < FIXED_FINE_YEAR)
    df.loc[na, "n_implicated"] = pd.NA
    df.loc[na, "rate_per_1000"] = np.nan
    _check_sum(p, df)
    _comparability(df)
    df = df.sort_values(["departement", "offence", "year"], kind="stable").reset_index(drop=True)[COLUMNS]
    for col in ("departement_name", "region", "region_name", "offence", "indicator_published", "unit", "indicator",
                "recording_regime", "comparability_group"):
        df[col] = df[col].astype("category")
    return validate(df, _schema(), p)


def _check_sum(p: Path, df: pd.DataFrame) -> None:
    """use = use_fixed_fine (0 where not applicable) + use_excl_fixed_fine, in every département and year."""
    w = df.pivot(index=["departement", "year"], columns="offence", values="n_implicated").astype("float64")
    diff = w["use"] - w["use_fixed_fine"].fillna(0) - w["use_excl_fixed_fine"]
    if (diff.abs() > 0).any():
        k = diff[diff.abs() > 0].index[0]
        raise SchemaError(f"{p}: département {k[0]}, {k[1]}: 'Usage de stupéfiants' is not the sum of its (AFD) "
                          f"and (hors AFD) parts. {_REFETCH}")


def _schema():
    from drugtrends.readers._checks import import_pandera

    pa = import_pandera()
    return pa.DataFrameSchema(
        {
            "departement": pa.Column(str, pa.Check.str_matches(r"^(\d{2}|2A|2B|97\d)$")),
            "departement_name": pa.Column("category", nullable=False),
            "year": pa.Column("int64", pa.Check.in_range(2016, 2100)),
            "offence": pa.Column("category", pa.Check.isin(list(OFFENCES.values()))),
            "n_implicated": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "rate_per_1000": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "population": pa.Column("Int64", pa.Check.gt(0)),
        },
        unique=["departement", "year", "offence"],
        strict=False,
    )


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
