# Reference numbers: who the users are (composition of user groups) in NHANES 2009-2012.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/profiles_nhanes.R tests/reference/profiles_nhanes.Rout
#
# Groups: hd == 1 (ever hard drugs), regmj == 1 (regular marijuana), mj == 1 (ever marijuana).
# Composition variables: female, age50 (Age >= 50), college (Education == "College Grad",
# NA where Education is NA). Domain strings: "<group>=1&SurveyYr=<cycle>".
# CIs: confint(svyby, df = degf(des)) with des the FULL design (df = 33), statistic "df";
# "df_subset" = degf() of the subset design (group & cycle & non-missing variable).

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

d <- nhanes_frame()
des <- nhanes_design(d)
DF <- degf(des)
emit("design", "df", DF)

groups <- c("hd", "regmj", "mj")
vars <- c("female", "age50", "college")

for (g in groups) {
  dg <- subset(des, des$variables[[g]] == 1)
  for (v in vars) {
    res <- svyby(as.formula(paste0("~", v)), ~SurveyYr, dg, svymean, na.rm = TRUE, deff = TRUE)
    print(res)
    ci <- confint(res, df = DF)
    for (i in seq_len(nrow(res))) {
      yr <- as.character(res$SurveyYr[i])
      dom <- paste0(g, "=1&SurveyYr=", yr)
      emit("comp_by_cycle", "estimate", coef(res)[i], v, dom)
      emit("comp_by_cycle", "se", SE(res)[i], v, dom)
      emit("comp_by_cycle", "deff", deff(res)[i], v, dom)
      emit("comp_by_cycle", "ci_low", ci[i, 1], v, dom)
      emit("comp_by_cycle", "ci_high", ci[i, 2], v, dom)
      emit("comp_by_cycle", "df", DF, v, dom)
      keep <- d[[g]] %in% 1 & d$SurveyYr == yr & !is.na(d[[v]])
      emit("comp_by_cycle", "n", sum(keep), v, dom)
      emit("comp_by_cycle", "df_subset",
           degf(subset(des, des$variables[[g]] %in% 1 & SurveyYr == yr & !is.na(des$variables[[v]]))), v, dom)
    }
    # change between cycles: 2011_12 - 2009_10 (covmat needs an NA-free design, see survey_nhanes.R)
    dgv <- subset(des, des$variables[[g]] %in% 1 & !is.na(des$variables[[v]]))
    b <- svyby(as.formula(paste0("~", v)), ~SurveyYr, dgv, svymean, covmat = TRUE)
    ct <- svycontrast(b, c(-1, 1))
    print(ct)
    z <- coef(ct) / SE(ct)
    dom <- paste0(g, "=1")
    emit("comp_change", "estimate", coef(ct), v, dom)
    emit("comp_change", "se", SE(ct), v, dom)
    emit("comp_change", "cov_between", vcov(b)[1, 2], v, dom)
    emit("comp_change", "p_normal", 2 * pnorm(-abs(z)), v, dom)
    emit("comp_change", "p_t", 2 * pt(-abs(z), df = DF), v, dom)
    emit("comp_change", "df", DF, v, dom)
  }
  # composition by Race1 (categorical): shares sum to 1 within each cycle
  rr <- svyby(~Race1, ~SurveyYr, dg, svymean, deff = TRUE)
  print(rr)
  rdf <- as.data.frame(rr)
  for (i in seq_len(nrow(rdf))) {
    yr <- as.character(rdf$SurveyYr[i])
    dom <- paste0(g, "=1&SurveyYr=", yr)
    for (lv in levels(d$Race1)) {
      col <- paste0("Race1", lv)
      emit("comp_race1_by_cycle", "estimate", rdf[i, col], "Race1", dom, lv)
      emit("comp_race1_by_cycle", "se", rdf[i, paste0("se.", col)], "Race1", dom, lv)
      emit("comp_race1_by_cycle", "deff", rdf[i, paste0("DEff.", col)], "Race1", dom, lv)
    }
  }
}

# ---- Rao-Scott tests ----------------------------------------------------------------
chisq_emit <- function(an, x, variable, domain = "") {
  print(x)
  emit(an, "F", x$statistic, variable, domain)
  emit(an, "ndf", x$parameter[["ndf"]], variable, domain)
  emit(an, "ddf", x$parameter[["ddf"]], variable, domain)
  emit(an, "p", x$p.value, variable, domain)
}
chisq_emit("chisq_F", svychisq(~hd + Gender, des), "hd+Gender")
for (yr in levels(d$SurveyYr)) {
  dy <- subset(des, SurveyYr == yr)
  chisq_emit("chisq_F", svychisq(~hd + Gender, dy), "hd+Gender", paste0("SurveyYr=", yr))
  emit("chisq_F", "df_subset", degf(dy), "hd+Gender", paste0("SurveyYr=", yr))
}
chisq_emit("chisq_F", svychisq(~hd + age_band, des), "hd+age_band")
chisq_emit("chisq_F", svychisq(~hd + Education, des), "hd+Education")
# statistic = "Chisq": Pearson X^2 divided by the mean generalised design effect (first-order
# Rao-Scott), referred to chi-square with (r-1)(c-1) df; for the 4- and 5-level tables
for (f in c("age_band", "Education")) {
  x <- svychisq(as.formula(paste0("~hd+", f)), des, statistic = "Chisq")
  print(x)
  emit("chisq_chisq", "chisq", x$statistic, paste0("hd+", f))
  emit("chisq_chisq", "df", x$parameter[[1]], paste0("hd+", f))
  emit("chisq_chisq", "p", x$p.value, paste0("hd+", f))
}

write_reference("profiles_nhanes")
