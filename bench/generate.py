"""Seeded generators of benchmark data shaped like NSDUH and TEDS-A.

``nsduh_like``: respondents with a stratified two-PSU-per-stratum design (strata
and PSUs nested in survey year, as NSDUH's VESTR/VEREP within a year), five
demographic domains and 15 substances x 3 recencies (lifetime, past year,
past month, nested) of 0/1 outcomes whose prevalence varies by PSU (so design
effects are above 1) and by age group and sex.

``teds_like_parquet``: TEDS-A-shaped admissions (year, primary substance, route,
employment, living arrangement, education, referral source, prior treatments,
with the ``-9`` missing code) written in chunks to a directory of Parquet files,
never held in memory at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SUBSTANCES = ("mrj", "coc", "crk", "her", "hal", "lsd", "ecs", "inh", "mth", "pnr",
              "trq", "stm", "sed", "opi", "cig")
RECENCIES = ("life", "year", "month")
OUTCOMES = tuple(f"{s}_{r}" for s in SUBSTANCES for r in RECENCIES)
#: lifetime prevalence of each substance (roughly NSDUH 12+ orders of magnitude)
_LIFE = (0.45, 0.15, 0.04, 0.02, 0.16, 0.10, 0.07, 0.09, 0.06, 0.12, 0.08, 0.07, 0.03, 0.14, 0.60)
DOMAINS = {"sex": 2, "age": 5, "race": 7, "educ": 4}
#: domain sets of the full prevalence grid (each crossed with year)
GRID_SETS = (("year",), ("year", "sex"), ("year", "age"), ("year", "race"), ("year", "educ"))


def nsduh_like(n_years: int = 10, n_per_year: int = 60_000, n_strata: int = 50, seed: int = 0,
               first_year: int = 2010) -> pd.DataFrame:
    """NSDUH-shaped respondents, ``n_years * n_per_year`` rows.

    Columns: ``year``, ``stratum`` (unique across years), ``psu`` (1/2),
    ``weight``, ``sex`` (1-2), ``age`` (1-5), ``race`` (1-7), ``educ`` (1-4),
    and the 45 0/1 outcomes of :data:`OUTCOMES` (int8, no missing values:
    NSDUH recency recodes are imputed).

    Examples
    --------
    >>> df = nsduh_like(n_years=2, n_per_year=1000, n_strata=5)
    >>> df.shape, df.groupby("year").stratum.nunique().tolist()
    ((2000, 53), [5, 5])
    >>> bool((df.mrj_life >= df.mrj_year).all() and (df.mrj_year >= df.mrj_month).all())
    True
    """
    rng = np.random.default_rng(seed)
    n = n_years * n_per_year
    year = np.repeat(np.arange(first_year, first_year + n_years, dtype=np.int16), n_per_year)
    stratum = rng.integers(1, n_strata + 1, n).astype(np.int32) + (year.astype(np.int32) - first_year) * 1000
    psu = rng.integers(1, 3, n).astype(np.int8)
    cols: dict[str, np.ndarray] = {"year": year, "stratum": stratum, "psu": psu}
    cols["weight"] = np.round(rng.lognormal(8.0, 0.9, n), 4)
    for d, k in DOMAINS.items():
        cols[d] = rng.integers(1, k + 1, n).astype(np.int8)
    # cluster effect shared by every outcome of a PSU, plus a substance-specific part
    cluster = stratum.astype(np.int64) * 2 + psu
    _, cl = np.unique(cluster, return_inverse=True)
    n_cl = cl.max() + 1
    common = rng.normal(0, 0.35, n_cl)
    age_eff = np.array([-1.2, 0.4, 0.5, 0.1, -0.6])[cols["age"] - 1]
    sex_eff = np.where(cols["sex"] == 1, 0.2, -0.2)
    trend = (year - first_year) * 0.01
    for s, p_life in zip(SUBSTANCES, _LIFE):
        eff = common[cl] + rng.normal(0, 0.2, n_cl)[cl] + age_eff + sex_eff + trend
        logit = np.log(p_life / (1 - p_life)) + eff
        p = 1 / (1 + np.exp(-logit))
        u = rng.random(n)
        life = u < p
        yr = u < p * 0.35
        mo = u < p * 0.15
        cols[f"{s}_life"] = life.astype(np.int8)
        cols[f"{s}_year"] = yr.astype(np.int8)
        cols[f"{s}_month"] = mo.astype(np.int8)
    return pd.DataFrame(cols)


#: TEDS-A code sets used by the generator (public-use codebook values; -9 = missing)
TEDS_CODES = {
    "SUB1": (list(range(1, 20)), [0.01, 0.30, 0.07, 0.25, 0.15, 0.01, 0.02, 0.01, 0.0, 0.11, 0.01,
                                  0.01, 0.01, 0.0, 0.0, 0.0, 0.0, 0.01, 0.02]),
    "ROUTE1": ([1, 2, 3, 4, 5], [0.55, 0.15, 0.12, 0.16, 0.02]),
    "EMPLOY": ([1, 2, 3, 4], [0.2, 0.1, 0.35, 0.35]),
    "LIVARAG": ([1, 2, 3], [0.15, 0.2, 0.65]),
    "EDUC": ([1, 2, 3, 4, 5], [0.05, 0.25, 0.45, 0.2, 0.05]),
    "PSOURCE": ([1, 2, 3, 4, 5, 6, 7], [0.35, 0.07, 0.05, 0.05, 0.1, 0.08, 0.3]),
    "NOPRIOR": ([0, 1, 2, 3, 4, 5], [0.35, 0.2, 0.12, 0.08, 0.05, 0.2]),
    "GENDER": ([1, 2], [0.65, 0.35]),
    "AGE": (list(range(1, 13)), [1 / 12] * 12),
    "RACE": (list(range(1, 10)), [1 / 9] * 9),
    "STFIPS": (list(range(1, 57)), [1 / 56] * 56),
}


def teds_like_parquet(directory, n: int = 40_000_000, first_year: int = 2010, n_years: int = 13,
                      chunk: int = 2_000_000, seed: int = 0, missing_share: float = 0.05,
                      quiet: bool = True) -> Path:
    """Write ``n`` TEDS-A-shaped admissions as Parquet files ``part-NNN.parquet``.

    Reuses the directory when it already holds a complete set for the same
    arguments (a ``_SUCCESS`` file records them).

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> d = teds_like_parquet(tempfile.mkdtemp(), n=5000, chunk=2000)
    >>> sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(d.glob("*.parquet")))
    5000
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    stamp = d / "_SUCCESS"
    sig = f"n={n} first_year={first_year} n_years={n_years} chunk={chunk} seed={seed} missing={missing_share}"
    if stamp.is_file() and stamp.read_text().strip() == sig:
        return d
    for p in d.glob("part-*.parquet"):
        p.unlink()
    if stamp.exists():
        stamp.unlink()
    done = 0
    i = 0
    while done < n:
        m = min(chunk, n - done)
        rng = np.random.default_rng([seed, i])
        cols = {"CASEID": pa.array(np.arange(done, done + m, dtype=np.int64) + 1),
                "ADMYR": pa.array(rng.integers(first_year, first_year + n_years, m).astype(np.int16))}
        for v, (codes, p) in TEDS_CODES.items():
            p = np.asarray(p, dtype=float)
            x = rng.choice(np.asarray(codes, dtype=np.int8), size=m, p=p / p.sum())
            if v not in ("SUB1", "GENDER", "STFIPS") and missing_share > 0:
                x[rng.random(m) < missing_share] = -9
            cols[v] = pa.array(x)
        pq.write_table(pa.table(cols), d / f"part-{i:03d}.parquet", row_group_size=500_000)
        done += m
        i += 1
        if not quiet:
            print(f"  wrote {done:,} / {n:,} admissions", flush=True)
    stamp.write_text(sig + "\n")
    return d


def replicate_factors(df: pd.DataFrame, n_rep: int = 80) -> pd.DataFrame:
    """Half-sample (BRR-style) replicate factors per PSU, one column per replicate.

    For the stratum of rank ``h`` (0-based, in sorted order) and replicate ``r``,
    PSU 1 gets factor 2 and PSU 2 factor 0 when ``h & (r + 1)`` has an even
    number of set bits (Walsh-Hadamard sign), the opposite otherwise; the
    replicate weight is ``weight * factor``. The same table is read by R and by
    drugtrends so both compute on identical replicate weights.

    Examples
    --------
    >>> f = replicate_factors(nsduh_like(n_years=1, n_per_year=500, n_strata=3), n_rep=4)
    >>> f.shape, sorted(set(f["r1"]))
    ((6, 6), [0, 2])
    """
    keys = df[["stratum", "psu"]].drop_duplicates().sort_values(["stratum", "psu"]).reset_index(drop=True)
    h = pd.factorize(keys["stratum"], sort=True)[0].astype(np.int64)
    out = {"stratum": keys["stratum"].to_numpy(), "psu": keys["psu"].to_numpy()}
    for r in range(n_rep):
        parity = np.array([bin(int(x) & (r + 1)).count("1") % 2 for x in h])
        first = keys["psu"].to_numpy() == keys.groupby("stratum")["psu"].transform("min").to_numpy()
        out[f"r{r + 1}"] = np.where(first == (parity == 0), 2, 0).astype(np.int8)
    return pd.DataFrame(out)
