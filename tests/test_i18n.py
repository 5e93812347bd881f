"""The message catalogue and locale formatting (drugtrends.i18n)."""

from __future__ import annotations

import datetime

import matplotlib
import pytest

matplotlib.use("Agg")

from drugtrends import i18n  # noqa: E402
from drugtrends.errors import InputError, UnknownVariableError  # noqa: E402

NNBSP = "\u202f"
NBSP = "\u00a0"


def test_every_key_in_every_language():
    assert i18n.missing_keys() == {"en": [], "fr": []}


def test_french_text_is_translated():
    assert i18n.untranslated() == []


def test_placeholders_match_between_languages():
    assert i18n.placeholder_mismatches() == {}


def test_sections_present():
    raw = set(i18n.catalogue("en"))
    for sec in ("common", "plots", "tables", "levels"):
        assert any(k.startswith(sec + ".") for k in raw), sec


def test_identical_allow_list_only_names_existing_keys():
    allow = i18n.identical_allowed()
    cat = i18n.catalogue("fr")
    for a in allow:
        if a.endswith(".*"):
            assert any(k.startswith(a[:-1]) for k in cat), a
        else:
            assert a in cat, f"_identical lists {a!r}, which is not a key"


def test_lookup_and_placeholders():
    assert i18n.t("common.key_figures", lang="fr") == "Chiffres clés"
    assert i18n.t("common.key_figures", "en") == "Key figures"
    assert i18n.t("tables.n_eq", "fr", n=f"1{NNBSP}200") == f"n{NBSP}={NBSP}1{NNBSP}200"
    with pytest.raises(UnknownVariableError, match="common.key_figures"):
        i18n.t("common.key_figure", "en")
    with pytest.raises(InputError, match="placeholder"):
        i18n.t("tables.n_eq", "en")
    with pytest.raises(InputError, match="lang"):
        i18n.t("common.year", "de")


def test_ofdt_vocabulary():
    assert i18n.t("common.periods.lifetime", "fr") == "Expérimentation"
    assert i18n.t("common.periods.past_year", "fr") == "Usage dans l'année"
    assert i18n.t("common.periods.past_month", "fr") == "Usage dans le mois"
    assert i18n.t("common.periods.regular", "fr") == "Usage régulier"
    fr = " ".join(str(v) for v in i18n.catalogue("fr").values())
    assert "au cours de la vie" not in fr


def test_plural():
    assert i18n.tn("plots.n_suppressed", 1, "fr").startswith("1 estimation non diffusée ")
    assert i18n.tn("plots.n_suppressed", 3, "en").startswith("3 estimates suppressed")
    assert i18n.tn("plots.n_suppressed", 0, "en").startswith("0 estimates")


@pytest.mark.parametrize("lang,expected", [
    ("en", ["69,894", "2.7", "2.7%", "2.4–3.0", "2.7% (95% CI 2.4–3.0)"]),
    ("fr", [f"69{NNBSP}894", "2,7", f"2,7{NNBSP}%", "2,4–3,0", f"2,7{NNBSP}% (IC à 95{NNBSP}%{NBSP}: 2,4–3,0)"]),
])
def test_number_formats(lang, expected):
    got = [i18n.fmt_number(69894, lang=lang), i18n.fmt_number(2.71, 1, lang),
           i18n.fmt_percent(2.7, lang=lang), i18n.fmt_ci(2.44, 3.01, lang=lang),
           i18n.fmt_estimate(0.027, 0.024, 0.030, lang=lang, scale=100)]
    assert got == expected


def test_rounding_and_missing():
    assert i18n.fmt_percent(0.0275, 1, "en", scale=100) in ("2.7%", "2.8%")
    assert i18n.fmt_percent(2.74, 1, "en") == "2.7%"
    assert i18n.fmt_number(float("nan"), 1, "fr") == "n.d."
    assert i18n.fmt_number(None, na="") == ""
    assert i18n.fmt_ci(None, 3) == ""
    assert i18n.fmt_ci(-1.21, 3.4, 1, "en") == "-1.2 to 3.4"
    assert i18n.fmt_signed(0.0) == "±0.0"
    assert i18n.fmt_ci(-3.5e-18, 0.0464, 1, "en", scale=100) == "0.0–4.6"  # a rounding-noise bound is not negative
    assert i18n.fmt_signed(2.04, 1, "fr") == "+2,0"


def test_dates():
    d = datetime.date(2023, 12, 31)
    assert i18n.fmt_date(d, "en") == "December 2023"
    assert i18n.fmt_date(d, "fr") == "décembre 2023"
    import pandas as pd

    assert i18n.fmt_date(pd.Timestamp("2018-04-30"), "fr", "long") == "30 avril 2018"


def test_tick_formatter_same_decimals_and_comma():
    f = i18n.tick_formatter("fr")
    assert f.format_ticks([0.0, 0.75, 1.5, 3.0]) == ["0,00", "0,75", "1,50", "3,00"]
    assert f.format_ticks([0, 1, 2]) == ["0", "1", "2"]
    assert i18n.tick_formatter("en").format_ticks([0, 25000]) == ["0", "25,000"]
    assert i18n.tick_formatter("fr").format_ticks([-1.0, 0.5]) == ["−1,0", "0,5"]


def test_tick_formatter_on_a_drawn_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.0, 3.0])
    ax.yaxis.set_major_formatter(i18n.tick_formatter("fr"))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert labels and all("." not in s for s in labels)
    assert len({len(s.split(",")[-1]) if "," in s else 0 for s in labels}) == 1


def test_levels():
    assert i18n.level("sex", "Female", "fr") == "Femmes"
    assert i18n.level("sex", "male", "en") == "Men"
    assert i18n.level("education", "9 - 11th Grade", "en") == "9th-11th grade"
    assert i18n.level_order("education", ["College Grad", "Some College", "8th Grade", "High School",
                                          "9 - 11th Grade"]) == [
        "8th Grade", "9 - 11th Grade", "High School", "Some College", "College Grad"]
    with pytest.raises(UnknownVariableError):
        i18n.level("education", "PhD", "en")
    assert i18n.level("education", "PhD", "en", default="PhD") == "PhD"


def test_bound_translator():
    T = i18n.bind("fr")
    assert T("common.year") == "Année"
    assert T.pct(0.027, scale=100) == f"2,7{NNBSP}%"
    assert T.join(["a", "b", "c"]) == "a, b et c"


def test_no_key_mangled_by_yaml():
    # YAML 1.1 reads 18_29 as the integer 1829 and yes/no as booleans: keys must survive as written
    for lang in i18n.LANGS:
        for k in i18n.keys(lang):
            last = k.split(".")[-1]
            assert last not in ("True", "False"), k
    assert i18n.level("age_band", "30-39", "en") == "30-39"
    assert i18n.level("age_band", "60-69", "fr") == "60-69"


# --------------------------------------------------------------------------- French typography (issue 23)


def test_every_french_message_has_non_breaking_spaces():
    from drugtrends.i18n.typography import bad_spaces

    bad = {k: bad_spaces(v) for k, v in i18n.catalogue("fr").items() if isinstance(v, str) and bad_spaces(v)}
    assert bad == {}


def test_french_spaces_rule():
    from drugtrends.i18n.typography import french_spaces

    assert french_spaces("Source : SSMSI ; 5 % ! « mot » n = 3 ?") == (
        f"Source{NBSP}: SSMSI{NNBSP}; 5{NNBSP}%{NNBSP}! «{NBSP}mot{NBSP}» n{NBSP}={NBSP}3{NNBSP}?")
    assert french_spaces(french_spaces("a : b")) == french_spaces("a : b")
    assert french_spaces("https://x.org/?a=1") == "https://x.org/?a=1"
    assert i18n.t("common.source_prefix", "en") == "Source: "


def test_nsduh_2022_cocaine_formatted_in_each_language():
    # weighted lifetime cocaine use, NSDUH 2022 public-use file: 15.07 % (data README)
    assert i18n.fmt_percent(15.07, 1, "en") == "15.1%"
    assert i18n.fmt_percent(0.1507, 1, "fr", scale=100) == f"15,1{NNBSP}%"
    assert i18n.fmt_estimate(0.1507, 0.1437, 0.1578, 1, "fr", scale=100) == (
        f"15,1{NNBSP}% (IC à 95{NNBSP}%{NBSP}: 14,4–15,8)")
    assert i18n.fmt_number(42.5, 1, "fr") + " " == "42,5 "


@pytest.mark.parametrize("value", ["abc", "12", b"1", object(), [1]])
def test_fmt_number_refuses_non_numbers(value):
    with pytest.raises(InputError):
        i18n.fmt_number(value)


def test_fmt_number_missing_and_huge():
    import pandas as pd

    assert i18n.fmt_number(pd.NA) == i18n.t("common.na", "en")
    assert i18n.fmt_number(pd.NaT, lang="fr") == i18n.t("common.na", "fr")
    assert i18n.fmt_number(1e300) == "1E300" and len(i18n.fmt_number(-1e300, 2, "fr")) < 12
    assert i18n.fmt_percent(pd.NA) == i18n.t("common.na", "en")


def test_fmt_date_refuses_non_dates():
    for bad in ("abc", 3, 2.5):
        with pytest.raises(InputError, match="date"):
            i18n.fmt_date(bad)
    assert i18n.fmt_date(None, "fr") == i18n.t("common.na", "fr")


def test_intervals_must_contain_their_estimate():
    with pytest.raises(InputError, match="wrong order"):
        i18n.fmt_ci(3, 2, 1)
    with pytest.raises(InputError, match="outside"):
        i18n.fmt_estimate(3, 1, 2)
    assert i18n.fmt_ci(2, 2) == "2.0–2.0"
    assert i18n.fmt_estimate(2, 2, 3) == "2.0% (95% CI 2.0–3.0)"
