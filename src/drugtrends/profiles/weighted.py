"""Design-based blocks of a profile: estimates of one group column and the group x characteristic test."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugtrends.errors import DesignError
from drugtrends.profiles.common import fmt
from drugtrends.survey import SurveyDesign

__all__: list[str] = []  # internal to drugtrends.profiles (import from there)


def weighted_block(sub: SurveyDesign, char: str, kind: str, by: list[str], levels: list,
                    ci: str, df, reliability) -> pd.DataFrame:
    """Estimates for one group value: by columns, level, estimate, se, ci, n_total, deff, flag."""
    if kind == "categorical":
        t = sub.proportion(char, by=by or None, ci=ci, df=df, reliability=reliability)
        if "level" not in t.columns:      # no level present in this group at all
            t = t.iloc[0:0].assign(level=pd.Series(dtype=object))
        t = t.rename(columns={"n": "n_total"})
        t["level"] = t["level"].map(fmt)
        return t
    parts = []
    m = sub.mean(char, by=by or None, ci="t", df=df, reliability=None).rename(columns={"n": "n_total"})
    m["level"] = "mean"
    m["flag"] = ""          # reliability rules are for proportions; nothing to flag
    parts.append(m)
    q = sub.quantile(char, q=[0.5], by=by or None, df=df)
    q = q.rename(columns={"n": "n_total"}).drop(columns="prob")
    q["level"] = "median"
    q["deff"] = np.nan
    q["suppressed"] = q["n_total"] == 0
    q["flag"] = np.where(q["n_total"] == 0, "empty domain", "")
    parts.append(q)
    return pd.concat(parts, ignore_index=True)


def weighted_test(design: SurveyDesign, dmask: np.ndarray, group: str, char: str, kind: str,
                   test_stat: str) -> dict:
    """Rao-Scott (categorical) or design-based Wald F (continuous) within a by-domain."""
    sub = design.subset(dmask)
    try:
        if kind == "categorical":
            r = sub.chisq(group, char, statistic=test_stat)
            if test_stat == "F":
                return {"test": "Rao-Scott F", "statistic": r["value"], "ndf": r["ndf"],
                        "ddf": r["ddf"], "p_value": r["p"]}
            # statistic: Pearson X^2 as R prints it; p from X^2 / mean generalised deff
            return {"test": "Rao-Scott chi-square", "statistic": r["pearson"],
                    "ndf": float(r["df"]), "ddf": np.inf, "p_value": r["p"]}
        fit = sub.glm(f"{char} ~ C({group})", family="gaussian")
        w = fit.wald_test(group)
        return {"test": "design-based Wald F", "statistic": w["F"], "ndf": float(w["ndf"]),
                "ddf": float(w["ddf"]), "p_value": w["p"]}
    except (DesignError, np.linalg.LinAlgError, ValueError, KeyError) as exc:
        return {"test": f"not computed: {exc}", "statistic": np.nan, "ndf": np.nan, "ddf": np.nan,
                "p_value": np.nan}


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
