# Reference numbers: Taylor-linearised survey estimators on NHANES 2009-2012 (pooled).
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/survey_nhanes.R tests/reference/survey_nhanes.Rout
# Writes tests/reference/survey_nhanes.csv (format: tests/reference/README.md).

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

d <- nhanes_frame()
des <- nhanes_design(d)
DF <- degf(des)
cat("rows:", nrow(d), " degf(des):", DF, "\n")
emit("design", "df", DF)
emit("design", "n", nrow(d))
emit("design", "n_strata", length(unique(d$SDMVSTRA)))
emit("design", "n_psu", nrow(unique(d[, c("SDMVSTRA", "SDMVPSU")])))
emit("design", "sum_weights", sum(d$wt))

outcomes <- c("mj", "hd", "regmj")

# ---- 1. overall mean (deff = TRUE: vs SRS without replacement) --------------
for (v in outcomes) {
  f <- as.formula(paste0("~", v))
  m <- svymean(f, des, na.rm = TRUE, deff = TRUE)
  print(m)
  emit_svystat("mean_overall", m, stats = c("estimate", "se", "deff"), df = DF)
  emit("mean_overall", "df", DF, v)
  emit("mean_overall", "n", sum(!is.na(d[[v]])), v)
  mr <- svymean(f, des, na.rm = TRUE, deff = "replace")
  emit("mean_overall", "deff_replace", deff(mr), v)
}

# ---- 2. svyby means (deff = TRUE) --------------------------------------------
by_specs <- list(mean_by_cycle_sex = c("SurveyYr", "Gender"),
                 mean_by_age_band = "age_band",
                 mean_by_cycle = "SurveyYr")
for (an in names(by_specs)) {
  bv <- by_specs[[an]]
  for (v in outcomes) {
    res <- svyby(as.formula(paste0("~", v)), as.formula(paste0("~", paste(bv, collapse = "+"))),
                 des, svymean, na.rm = TRUE, deff = TRUE)
    print(res)
    emit_svyby(an, res, v, bv, deff = TRUE, df = DF, n = n_by(d, v, bv))
  }
}

# ---- 3. totals ------------------------------------------------------------------
for (v in outcomes) {
  t <- svytotal(as.formula(paste0("~", v)), des, na.rm = TRUE)
  print(t)
  emit_svystat("total_overall", t)
}

# ---- 4. ratio hd / mj on complete cases -------------------------------------------
dcc <- subset(des, !is.na(hd) & !is.na(mj))
r <- svyratio(~hd, ~mj, dcc)
print(r)
emit("ratio_hd_mj", "estimate", coef(r), "hd/mj")
emit("ratio_hd_mj", "se", SE(r), "hd/mj")
emit("ratio_hd_mj", "n", sum(!is.na(d$hd) & !is.na(d$mj)), "hd/mj")
emit("ratio_hd_mj", "df", degf(dcc), "hd/mj")

# ---- 5. categorical mean: Race1 (whole sample, no missing) -------------------------
rm1 <- svymean(~Race1, des, deff = TRUE)
print(rm1)
lv <- levels(d$Race1)
emit_svystat("mean_race1", rm1, level_map = lv, variable_map = rep("Race1", length(lv)),
             stats = c("estimate", "se", "deff"))

# ---- 6. svyciprop -----------------------------------------------------------------
ci_designs <- list(
  list(dom = "", des = subset(des, !is.na(hd))),
  list(dom = "SurveyYr=2009_10", des = subset(des, !is.na(hd) & SurveyYr == "2009_10")),
  list(dom = "SurveyYr=2011_12", des = subset(des, !is.na(hd) & SurveyYr == "2011_12")))
for (cd in ci_designs) {
  for (meth in c("logit", "beta", "mean", "xlogit")) {
    p <- svyciprop(~hd, cd$des, method = meth)
    ci <- confint(p)
    cat(meth, cd$dom, coef(p), ci, degf(cd$des), "\n")
    an <- paste0("ciprop_", meth)
    emit(an, "estimate", coef(p), "hd", cd$dom)
    emit(an, "se", SE(p), "hd", cd$dom)
    emit(an, "ci_low", ci[1], "hd", cd$dom)
    emit(an, "ci_high", ci[2], "hd", cd$dom)
    emit(an, "df", degf(cd$des), "hd", cd$dom)
  }
}

# ---- 7. contrasts between cycles and between sexes ---------------------------------
# NOTE survey 4.1.1: svyby(..., na.rm = TRUE, covmat = TRUE) fails ("number of items to
# replace is not a multiple of replacement length") when the outcome has NAs, so the
# design is first subset to non-missing outcome (identical domain estimates and SEs).
for (v in c("hd", "mj")) {
  desv <- subset(des, !is.na(des$variables[[v]]))
  b <- svyby(as.formula(paste0("~", v)), ~SurveyYr, desv, svymean, covmat = TRUE)
  ct <- svycontrast(b, c(-1, 1))
  print(ct)
  emit("contrast_cycle", "estimate", coef(ct), v)
  emit("contrast_cycle", "se", SE(ct), v)
  emit("contrast_cycle", "cov_between", vcov(b)[1, 2], v)
  z <- coef(ct) / SE(ct)
  emit("contrast_cycle", "p_normal", 2 * pnorm(-abs(z)), v)
  emit("contrast_cycle", "p_t", 2 * pt(-abs(z), df = DF), v)
  emit("contrast_cycle", "df", DF, v)

  b2 <- svyby(as.formula(paste0("~", v)), ~Gender, desv, svymean, covmat = TRUE)
  ct2 <- svycontrast(b2, c(1, -1))  # female - male
  print(ct2)
  emit("contrast_female_male", "estimate", coef(ct2), v)
  emit("contrast_female_male", "se", SE(ct2), v)
  emit("contrast_female_male", "cov_between", vcov(b2)[1, 2], v)
  z <- coef(ct2) / SE(ct2)
  emit("contrast_female_male", "p_normal", 2 * pnorm(-abs(z)), v)
  emit("contrast_female_male", "p_t", 2 * pt(-abs(z), df = DF), v)
}

# ---- 8. svyglm quasibinomial -------------------------------------------------------
m <- svyglm(hd ~ Gender + age_band + SurveyYr, design = des, family = quasibinomial())
sm <- summary(m)
print(sm)
cf <- coef(sm)
ci <- confint(m)             # Wald, t quantile with ddf = m$df.residual
orci <- exp(ci)
for (term in rownames(cf)) {
  emit("glm_hd", "coef", cf[term, 1], term)
  emit("glm_hd", "se", cf[term, 2], term)
  emit("glm_hd", "t", cf[term, 3], term)
  emit("glm_hd", "p", cf[term, 4], term)
  emit("glm_hd", "or", exp(cf[term, 1]), term)
  emit("glm_hd", "or_ci_low", orci[term, 1], term)
  emit("glm_hd", "or_ci_high", orci[term, 2], term)
  emit("glm_hd", "ci_low", ci[term, 1], term)
  emit("glm_hd", "ci_high", ci[term, 2], term)
}
emit("glm_hd", "df_residual", m$df.residual)
emit("glm_hd", "n", nobs(m))
emit("glm_hd", "dispersion", sm$dispersion[1])
emit("glm_hd", "degf_design", degf(m$survey.design))
cat("glm df.residual:", m$df.residual, " degf(model design):", degf(m$survey.design),
    " n coef:", length(coef(m)), "\n")

rt <- regTermTest(m, ~age_band)
print(rt)
emit("regterm_age_band", "F", rt$Ftest, "age_band")
emit("regterm_age_band", "ndf", rt$df, "age_band")
emit("regterm_age_band", "ddf", rt$ddf, "age_band")
emit("regterm_age_band", "p", rt$p, "age_band")

# ---- 9. svychisq -------------------------------------------------------------------
x1 <- svychisq(~hd + Gender, des)
print(x1)
emit("chisq_hd_gender_F", "F", x1$statistic, "hd+Gender")
emit("chisq_hd_gender_F", "ndf", x1$parameter[["ndf"]], "hd+Gender")
emit("chisq_hd_gender_F", "ddf", x1$parameter[["ddf"]], "hd+Gender")
emit("chisq_hd_gender_F", "p", x1$p.value, "hd+Gender")
x2 <- svychisq(~hd + Gender, des, statistic = "Chisq")
print(x2)
emit("chisq_hd_gender_chisq", "chisq", x2$statistic, "hd+Gender")
emit("chisq_hd_gender_chisq", "df", x2$parameter[[1]], "hd+Gender")
emit("chisq_hd_gender_chisq", "p", x2$p.value, "hd+Gender")

# ---- 10. svyquantile (survey >= 4.0 defaults: qrule = "math", interval.type = "mean") --
q <- svyquantile(~Age, des, c(0.25, 0.5, 0.75), ci = TRUE)
print(q)
qq <- q$Age
for (i in seq_len(nrow(qq))) {
  lvl <- formatC(c(0.25, 0.5, 0.75)[i], format = "g")
  emit("quantile_age", "estimate", qq[i, "quantile"], "Age", level = lvl)
  emit("quantile_age", "ci_low", qq[i, "ci.2.5"], "Age", level = lvl)
  emit("quantile_age", "ci_high", qq[i, "ci.97.5"], "Age", level = lvl)
  emit("quantile_age", "se", qq[i, "se"], "Age", level = lvl)
}

# ---- 11. lonely PSU ----------------------------------------------------------------
# Data modification: drop every row with SDMVSTRA == min(SDMVSTRA) (= 75) and SDMVPSU == 2.
# Stratum 75 then has the single PSU 1. The design is rebuilt on the reduced data.
s0 <- min(d$SDMVSTRA)
dl <- d[!(d$SDMVSTRA == s0 & d$SDMVPSU == 2), ]
cat("lonely: dropped", nrow(d) - nrow(dl), "rows of stratum", s0, "PSU 2\n")
emit("lonely_design", "dropped_rows", nrow(d) - nrow(dl))
emit("lonely_design", "stratum", s0)
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  desl <- nhanes_design(dl)
  m <- svymean(~hd, desl, na.rm = TRUE)
  an <- paste0("lonely_", opt)
  emit(an, "estimate", coef(m), "hd")
  emit(an, "se", SE(m), "hd")
  emit(an, "df", degf(desl), "hd")
  b <- svyby(~hd, ~SurveyYr, desl, svymean, na.rm = TRUE)
  cat(opt, coef(m), SE(m), "\n"); print(b)
  emit_svyby(an, b, "hd", "SurveyYr", deff = FALSE)
}
options(survey.lonely.psu = "fail")

# ---- 12. finite population correction ------------------------------------------------
# fpc_psu = 100 for every row: 100 PSUs in the population of every stratum,
# so stratum h's variance is multiplied by (1 - n_h / 100).
d$fpc_psu <- 100
desf <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~wt, nest = TRUE,
                  fpc = ~fpc_psu, data = d)
mf <- svymean(~hd, desf, na.rm = TRUE)
print(mf)
emit("fpc100_mean", "estimate", coef(mf), "hd")
emit("fpc100_mean", "se", SE(mf), "hd")

# ---- 13. small domain where whole PSUs have no members -------------------------------
# Domain Race1 == "Mexican": stratum 96 PSU 1 has no Mexican respondent with non-missing hd.
dm <- subset(des, Race1 == "Mexican")
tab <- with(d[d$Race1 == "Mexican" & !is.na(d$hd), ], table(factor(paste(SDMVSTRA, SDMVPSU),
                                                                    levels = unique(paste(d$SDMVSTRA, d$SDMVPSU)))))
empty <- names(tab)[tab == 0]
cat("PSUs (stratum psu) with no Mexican hd respondents:", empty, "\n")
emit("domain_mexican", "n_psu_empty", length(empty), "hd")
emit("domain_mexican", "df_subset", degf(dm), "hd")
emit("domain_mexican", "df_subset_hd", degf(subset(des, Race1 == "Mexican" & !is.na(hd))), "hd")
mm <- svymean(~hd, dm, na.rm = TRUE, deff = TRUE)
print(mm)
emit_svystat("domain_mexican", mm, stats = c("estimate", "se", "deff"))
emit("domain_mexican", "n", sum(d$Race1 == "Mexican" & !is.na(d$hd)), "hd")
# the same through svyby on the full design (must agree with the subset)
bm <- svyby(~hd, ~Race1, des, svymean, na.rm = TRUE)
emit("domain_race1", "estimate", coef(bm)["Mexican"], "hd", "Race1=Mexican")
emit("domain_race1", "se", SE(bm)[levels(d$Race1) == "Mexican"], "hd", "Race1=Mexican")
ba <- svyby(~hd, ~age_band, dm, svymean, na.rm = TRUE, deff = TRUE)
print(ba)
for (i in seq_len(nrow(ba))) {
  dom <- paste0("Race1=Mexican&age_band=", as.character(ba$age_band[i]))
  emit("domain_mexican_age_band", "estimate", coef(ba)[i], "hd", dom)
  emit("domain_mexican_age_band", "se", SE(ba)[i], "hd", dom)
  emit("domain_mexican_age_band", "deff", deff(ba)[i], "hd", dom)
  emit("domain_mexican_age_band", "n",
       sum(d$Race1 == "Mexican" & !is.na(d$hd) & d$age_band %in% as.character(ba$age_band[i])), "hd", dom)
  emit("domain_mexican_age_band", "df_subset",
       degf(subset(des, Race1 == "Mexican" & !is.na(hd) & age_band == as.character(ba$age_band[i]))), "hd", dom)
}

write_reference("survey_nhanes")
