"""The survey estimator on Apache Spark: same SQL, same numpy step.

An observatory that keeps its survey or treatment files on a cluster runs the
identical estimator: :func:`from_spark` builds a
:class:`~drugtrends.survey.relation.RelationDesign` whose grouped
sufficient-statistics query (:func:`drugtrends.survey.sql.aggregate_sql`,
``GROUP BY GROUPING SETS``) is executed by Spark SQL; only one row per
domain x PSU comes back, and the linearisation runs in numpy exactly as for
pandas, Arrow, Parquet and DuckDB. Results equal the in-memory ones to
floating-point rounding (Spark adds in a different order).

Needs the optional extra: ``pip install "drugtrends[spark]"`` (pyspark) and a
Java runtime (17 or later for pyspark 4).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pandas as pd

from ..errors import DesignError
from .relation import RelationDesign
from .sql import quote

__all__ = ["from_spark", "local_session", "SparkEngine", "spark_available"]

_INSTALL_HINT = ('Spark support needs pyspark and Java: pip install "drugtrends[spark]" '
                 "(or pip install pyspark) and a Java 17+ runtime on PATH or in JAVA_HOME.")


def spark_available() -> tuple[bool, str]:
    """Whether pyspark and a Java runtime are available, and why not.

    Returns
    -------
    (bool, str)
        ``(True, "")`` or ``(False, reason with the install hint)``.

    Examples
    --------
    >>> ok, why = spark_available()
    >>> isinstance(ok, bool) and (ok or "pip install" in why)
    True
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False, "pyspark is not installed. " + _INSTALL_HINT
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return False, "no Java runtime found. " + _INSTALL_HINT
    return True, ""


def local_session(cores: int = 2, app: str = "drugtrends", memory: str = "2g") -> Any:
    """A local-mode SparkSession tuned for small clusters of rows (tests, one machine).

    Parameters
    ----------
    cores : int
        Local cores (``local[cores]``).
    app : str
        Application name.
    memory : str
        Driver memory (``"2g"``).

    Examples
    --------
    >>> spark = local_session()          # doctest: +SKIP
    """
    ok, why = spark_available()
    if not ok:
        raise DesignError(why)
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(f"local[{int(cores)}]").appName(app)
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(max(2, 2 * int(cores))))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate())


class SparkEngine:
    """Runs the estimator's SQL on a Spark session over a temporary view.

    The engine :func:`from_spark` gives a :class:`~drugtrends.survey.relation.RelationDesign`:
    it only needs a session with ``table(name).columns`` and
    ``sql(text).toPandas()``; the view is registered by :func:`from_spark`.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        The session the SQL runs on.
    view : str
        Name of the temporary view over the data (quoted with backticks in the SQL).
    describe : str
        What the data are, for the design's description ("Parquet ... on Spark").

    Attributes
    ----------
    dialect : str
        ``"spark"``: the SQL dialect the estimator writes.
    source : str
        The quoted view name, as the SQL's ``FROM``.

    Examples
    --------
    No Spark is started here: a stand-in session answers as a
    :class:`pyspark.sql.SparkSession` would, with pandas frames.

    >>> import pandas as pd
    >>> class Session:
    ...     def table(self, name):
    ...         return pd.DataFrame(columns=["psu", "w", "y"])
    ...     def sql(self, text):
    ...         return type("Result", (), {"toPandas": lambda self: pd.DataFrame({"n": [4]})})()
    >>> eng = SparkEngine(Session(), "survey data", "pandas DataFrame (4 rows) on Spark")
    >>> eng.dialect, eng.source
    ('spark', '`survey data`')
    >>> eng.columns()
    ['psu', 'w', 'y']
    >>> eng.query(f"SELECT COUNT(*) AS n FROM {eng.source}")["n"].tolist()
    [4]
    """
    dialect = "spark"

    def __init__(self, spark: Any, view: str, describe: str) -> None:
        self.spark, self.view, self.describe = spark, view, describe
        self.source = quote(view, "spark")

    def columns(self) -> list[str]:
        """The view's column names."""
        return list(self.spark.table(self.source).columns)

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` on the session and collect the result as a pandas DataFrame."""
        return self.spark.sql(sql).toPandas()


def from_spark(data: Any, weight: str, strata: str | None = None, psu: str | None = None, *,
               spark: Any = None, fpc: str | None = None, lonely_psu: str = "fail",
               reliability: str | None = None, level: float = 0.95) -> RelationDesign:
    """A survey design over a Spark DataFrame (or Parquet path, or pandas DataFrame).

    Parameters
    ----------
    data : pyspark.sql.DataFrame, str/Path (Parquet file or directory), or pandas DataFrame
    weight, strata, psu, fpc, lonely_psu, reliability, level :
        As :class:`~drugtrends.survey.SurveyDesign` (``psu`` required).
    spark : SparkSession, optional
        Default: the active session, else :func:`local_session`.

    Returns
    -------
    RelationDesign
        ``mean``, ``total``, ``prop_ci`` and ``grid`` run on Spark.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
    >>> des = from_spark(df, weight="w", psu="psu")          # doctest: +SKIP
    >>> float(des.mean("y").estimate[0])                      # doctest: +SKIP
    0.5
    """
    ok, why = spark_available()
    if not ok:
        raise DesignError(why)
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

    if spark is None:
        spark = SparkSession.getActiveSession() or local_session()
    if isinstance(data, SparkDataFrame):
        sdf, describe = data, "Spark DataFrame"
    elif isinstance(data, pd.DataFrame):
        sdf, describe = spark.createDataFrame(data), f"pandas DataFrame ({len(data)} rows) on Spark"
    elif isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            from ..errors import DataNotFoundError
            raise DataNotFoundError(f"Parquet source {path} does not exist; check the path.")
        sdf, describe = spark.read.parquet(path), f"Parquet {path} on Spark"
    else:
        raise DesignError(f"data of type {type(data).__name__} is not supported: give a Spark "
                          "DataFrame, a Parquet path or a pandas DataFrame.")
    view = f"drugtrends_src_{id(sdf):x}"
    sdf.createOrReplaceTempView(view)
    return RelationDesign(SparkEngine(spark, view, describe), weight, strata, psu, fpc=fpc,
                          lonely_psu=lonely_psu, reliability=reliability, level=level)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
