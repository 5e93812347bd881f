# Reference numbers: change between the two NHANES cycles (2009-10 -> 2011-12).
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/trends_nhanes.R tests/reference/trends_nhanes.Rout
#
# For each outcome (mj, hd, regmj), overall and within Gender (domain "Gender=female"/"Gender=male"):
#  * trend_logit: svyglm(y ~ cycle01, quasibinomial) (cycle01 = 0 for 2009_10, 1 for 2011_12),
#    fitted on the full design (overall) or on subset(des, Gender == g) (within sex);
#    coef, se, t, p (t with df_residual), df_residual = degf(model design) - 2 + 1.
#  * diff_cycle: svyby(~y, ~SurveyYr, <NA-free design>, svymean, covmat = TRUE) ->
#    svycontrast(c(-1, 1)) = mean(2011_12) - mean(2009_10); p_normal (z) and p_t (t, df = degf(des)).
#  * ratio_cycle: svycontrast(b, quote(`2011_12` / `2009_10`)) (delta method);
#    also rel_change = ratio - 1 with the same se.

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

d <- nhanes_frame()
des <- nhanes_design(d)
DF <- degf(des)
emit("design", "df", DF)

outcomes <- c("mj", "hd", "regmj")
domains <- list(list(dom = "", des = des, keep = rep(TRUE, nrow(d))))
for (g in levels(d$Gender)) {
  domains[[length(domains) + 1]] <- list(dom = paste0("Gender=", g),
                                         des = subset(des, Gender == g),
                                         keep = d$Gender == g)
}

for (v in outcomes) {
  for (dm in domains) {
    f <- as.formula(paste0(v, " ~ cycle01"))
    m <- svyglm(f, design = dm$des, family = quasibinomial())
    cf <- coef(summary(m))
    print(cf)
    for (term in rownames(cf)) {
      emit("trend_logit", "coef", cf[term, 1], paste0(v, ":", term), dm$dom)
      emit("trend_logit", "se", cf[term, 2], paste0(v, ":", term), dm$dom)
      emit("trend_logit", "t", cf[term, 3], paste0(v, ":", term), dm$dom)
      emit("trend_logit", "p", cf[term, 4], paste0(v, ":", term), dm$dom)
    }
    emit("trend_logit", "df_residual", m$df.residual, v, dm$dom)
    emit("trend_logit", "n", nobs(m), v, dm$dom)

    # NA-free design for svyby(covmat = TRUE) (survey 4.1.1 fails with na.rm + covmat)
    dv <- subset(dm$des, !is.na(dm$des$variables[[v]]))
    b <- svyby(as.formula(paste0("~", v)), ~SurveyYr, dv, svymean, covmat = TRUE)
    print(b)
    ct <- svycontrast(b, c(-1, 1))
    z <- coef(ct) / SE(ct)
    emit("diff_cycle", "estimate", coef(ct), v, dm$dom)
    emit("diff_cycle", "se", SE(ct), v, dm$dom)
    emit("diff_cycle", "p_normal", 2 * pnorm(-abs(z)), v, dm$dom)
    emit("diff_cycle", "p_t", 2 * pt(-abs(z), df = DF), v, dm$dom)
    emit("diff_cycle", "df", DF, v, dm$dom)
    for (i in 1:2) {
      emit("mean_cycle", "estimate", coef(b)[i], v,
           paste0(if (nzchar(dm$dom)) paste0(dm$dom, "&") else "", "SurveyYr=", names(coef(b))[i]))
      emit("mean_cycle", "se", SE(b)[i], v,
           paste0(if (nzchar(dm$dom)) paste0(dm$dom, "&") else "", "SurveyYr=", names(coef(b))[i]))
    }
    rc <- svycontrast(b, quote(`2011_12` / `2009_10`))
    print(rc)
    emit("ratio_cycle", "estimate", coef(rc), v, dm$dom)
    emit("ratio_cycle", "se", SE(rc), v, dm$dom)
    emit("ratio_cycle", "rel_change", coef(rc) - 1, v, dm$dom)
    zr <- (coef(rc) - 1) / SE(rc)
    emit("ratio_cycle", "p_normal", 2 * pnorm(-abs(zr)), v, dm$dom)
  }
}

write_reference("trends_nhanes")
