# Reference numbers for the survey features added for issue 15/16 (survey-gaps):
# replicate designs built by as.svrepdesign (BRR, Fay), logit CIs on replicate designs,
# svyglm / svychisq on replicate designs, svychisq(statistic = "adjWald"/"Wald"),
# regTermTest(method = "LRT"/"WorkingWald"), design effect of a ratio,
# options(survey.adjust.domain.lonely = TRUE), svyglm with an unused factor level,
# an aliased (collinear) term, quasi-separation, glm.control(), and the NCHS
# presentation standard as NCHS's R code (CDCgov/surveytable: svyciprop_adjusted(),
# .lpe_percents()) applies it -- transcribed below, not copied.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/survey_r2_gaps.R tests/reference/survey_r2_gaps.Rout

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

emit_coefs <- function(an, g) {
  cf <- coef(summary(g))
  for (term in rownames(cf)) {
    emit(an, "coef", cf[term, 1], term)
    emit(an, "se", cf[term, 2], term)
    emit(an, "p", cf[term, 4], term)
  }
  emit(an, "df_residual", g$df.residual)
}

# ============================ NHANES II (nhanes2.csv) ==============================
n2 <- read.csv(data_file("nhanes2_validation", "nhanes2.csv", "validation/nhanes2.csv"))
des2 <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = n2)

reps <- list(
  brr = as.svrepdesign(des2, type = "BRR"),
  fay = as.svrepdesign(des2, type = "Fay", fay.rho = 0.3),
  jkn = as.svrepdesign(des2, type = "JKn"))
for (nm in names(reps)) {
  rd <- reps[[nm]]
  print(rd)
  an <- paste0(nm, "_design")
  emit(an, "replicates", ncol(rd$repweights$weights))
  emit(an, "scale", rd$scale)
  emit(an, "df", degf(rd))
  m <- svymean(~highbp, rd, return.replicates = TRUE)
  emit(an, "estimate", coef(m), "highbp")
  emit(an, "se", SE(m), "highbp")
  rr <- as.matrix(m$replicates)
  for (r in seq_len(nrow(rr)))   # each replicate's estimate: checks the weights
    emit(an, "replicate_mean", rr[r, 1], "highbp", level = as.character(r))
  m <- svymean(~zinc, rd, na.rm = TRUE)
  emit(an, "estimate", coef(m), "zinc")
  emit(an, "se", SE(m), "zinc")
  t <- svytotal(~highbp, rd)
  emit(paste0(nm, "_total"), "estimate", coef(t), "highbp")
  emit(paste0(nm, "_total"), "se", SE(t), "highbp")
  b <- svyby(~highbp, ~race, rd, svymean)
  for (i in seq_len(nrow(b))) {
    emit(paste0(nm, "_mean_by_race"), "estimate", coef(b)[i], "highbp", paste0("race=", b$race[i]))
    emit(paste0(nm, "_mean_by_race"), "se", SE(b)[i], "highbp", paste0("race=", b$race[i]))
  }
  # svyciprop on the replicate design (logit = svyglm intercept-only on the replicates)
  for (meth in c("logit", "xlogit", "beta", "mean")) {
    ci <- svyciprop(~highbp, rd, method = meth)
    emit(paste0(nm, "_ciprop_", meth), "estimate", coef(ci), "highbp")
    emit(paste0(nm, "_ciprop_", meth), "ci_low", confint(ci)[1], "highbp")
    emit(paste0(nm, "_ciprop_", meth), "ci_high", confint(ci)[2], "highbp")
    emit(paste0(nm, "_ciprop_", meth), "df", degf(rd), "highbp")
  }
  b <- svyby(~highbp, ~race, rd, svyciprop, method = "logit", vartype = "ci")
  for (i in seq_len(nrow(b))) {
    dom <- paste0("race=", b$race[i])
    emit(paste0(nm, "_ciprop_logit_by_race"), "estimate", b$highbp[i], "highbp", dom)
    emit(paste0(nm, "_ciprop_logit_by_race"), "ci_low", b$ci_l[i], "highbp", dom)
    emit(paste0(nm, "_ciprop_logit_by_race"), "ci_high", b$ci_u[i], "highbp", dom)
    emit(paste0(nm, "_ciprop_logit_by_race"), "df",
         degf(subset(rd, race == b$race[i])), "highbp", dom)
  }
  # GLMs on the replicate design
  g <- svyglm(highbp ~ factor(race) + factor(region), design = rd, family = quasibinomial())
  print(summary(g))
  emit_coefs(paste0(nm, "_glm_highbp"), g)
  for (meth in c("Wald", "LRT")) {
    x <- regTermTest(g, ~factor(region), method = meth)
    an2 <- paste0(nm, "_regterm_", meth, "_region")
    if (meth == "Wald") emit(an2, "F", x$Ftest) else emit(an2, "chisq", x$chisq)
    emit(an2, "p", x$p)
  }
  g <- svyglm(zinc ~ factor(race) + highbp, design = rd)
  emit_coefs(paste0(nm, "_glm_zinc"), g)
  # Rao-Scott and Wald tests on the replicate design
  for (st in c("F", "Chisq", "adjWald", "Wald")) {
    x <- svychisq(~race + region, rd, statistic = st)
    print(x)
    an2 <- paste0(nm, "_chisq_", st)
    emit(an2, "statistic", x$statistic)
    for (k in names(x$parameter)) emit(an2, k, x$parameter[[k]])
    emit(an2, "p", x$p.value)
  }
}

# ---- svyglm on a domain of a replicate design: subset() drops rows and recomputes
# degf = rank of the domain's replicate weights - 1 (30 for race 2 under BRR)
g <- svyglm(zinc ~ factor(region) + highbp, design = subset(reps$brr, race == 2))
emit_coefs("brr_glm_zinc_race2", g)
emit("brr_glm_zinc_race2", "degf", degf(subset(reps$brr, race == 2)))
for (st in c("F", "adjWald")) {
  x <- svychisq(~region + highbp, subset(reps$brr, race == 2), statistic = st)
  emit(paste0("brr_chisq_race2_", st), "statistic", x$statistic)
  for (k in names(x$parameter)) emit(paste0("brr_chisq_race2_", st), k, x$parameter[[k]])
  emit(paste0("brr_chisq_race2_", st), "p", x$p.value)
}

# ---- BRR with strata of 4 PSUs (brrweights large = "split"): NHANES II strata merged
# in pairs (1+2, 3+4, ...; 31 stays alone), PSUs renumbered 1-4 within the new stratum
n2m <- n2
n2m$st2 <- ceiling(n2m$stratid / 2)
n2m$psu2 <- n2m$psuid + 2 * ((n2m$stratid + 1) %% 2)
dm <- svydesign(id = ~psu2, strata = ~st2, weights = ~finalwgt, nest = TRUE, data = n2m)
rm4 <- as.svrepdesign(dm, type = "BRR")
m <- svymean(~highbp, rm4, return.replicates = TRUE)
emit("brr_split_design", "replicates", ncol(rm4$repweights$weights))
emit("brr_split_design", "se", SE(m), "highbp")
rr <- as.matrix(m$replicates)
for (r in seq_len(nrow(rr))) emit("brr_split_design", "replicate_mean", rr[r, 1], "highbp", level = as.character(r))

# ---- survey::hadamard(n): the matrix brrweights uses for n (pseudo-)strata --------
# size and a position-weighted checksum sum(H[i, j] * ((131 i + 7 j) %% 1009))
for (n in c(1, 3, 5, 8, 12, 14, 20, 30, 31, 40, 45, 60, 100, 200)) {
  H <- hadamard(n); k <- nrow(H)
  emit("hadamard", "size", k, level = as.character(n))
  emit("hadamard", "checksum", sum(H * outer(1:k, 1:k, function(i, j) (131 * i + 7 * j) %% 1009)),
       level = as.character(n))
}

# ---- BRR subset with 0/2 replicate columns: logit CI of a derived 0/1 outcome ------
brr <- read.csv(data_file("nhanes2_validation", "nhanes2brr_subset.csv", "validation/nhanes2brr_subset.csv"))
brr$tall <- as.numeric(brr$height > 170)
rd <- svrepdesign(weights = ~finalwgt, repweights = "brr_[0-9]+", type = "BRR", data = brr,
                  combined.weights = TRUE)
for (meth in c("logit", "xlogit")) {
  ci <- svyciprop(~tall, rd, method = meth)
  emit(paste0("brrfile_ciprop_", meth), "estimate", coef(ci), "tall")
  emit(paste0("brrfile_ciprop_", meth), "ci_low", confint(ci)[1], "tall")
  emit(paste0("brrfile_ciprop_", meth), "ci_high", confint(ci)[2], "tall")
}
g <- svyglm(tall ~ weight, design = rd, family = quasibinomial())
emit_coefs("brrfile_glm_tall", g)

# ============================ NHANES 2009-2012 =====================================
d <- nhanes_frame()
des <- nhanes_design(d)

# ---- svychisq Wald / adjWald (Taylor) ------------------------------------------------
sub1859 <- subset(des, Age >= 18 & Age < 60)
for (st in c("adjWald", "Wald")) {
  for (tb in list(list("hd_gender", ~hd + Gender, des), list("race1_gender", ~Race1 + Gender, sub1859))) {
    x <- svychisq(tb[[2]], tb[[3]], statistic = st)
    print(x)
    an <- paste0("chisq_", st, "_", tb[[1]])
    emit(an, "statistic", x$statistic)
    emit(an, "ndf", x$parameter[["ndf"]])
    emit(an, "ddf", x$parameter[["ddf"]])
    emit(an, "p", x$p.value)
  }
}

# ---- regTermTest LRT / WorkingWald ---------------------------------------------------
g <- svyglm(hd ~ Gender + age_band + SurveyYr, design = des, family = quasibinomial())
for (meth in c("LRT", "WorkingWald")) {
  for (term in c("age_band", "Gender")) {
    x <- regTermTest(g, as.formula(paste0("~", term)), method = meth)
    print(x)
    an <- paste0("regterm_", meth, "_", term)
    emit(an, "chisq", x$chisq)
    emit(an, "p", x$p)
    emit(an, "df", x$df)
    emit(an, "ddf", x$ddf)
    for (k in seq_along(x$lambda)) emit(an, "lambda", sort(x$lambda, decreasing = TRUE)[k], level = as.character(k))
  }
}
emit("glm_hd_deviance", "deviance", deviance(g))
# regTermTest's LRT refits the reduced model with update(): rows complete for the
# REDUCED formula, so dropping age_band (NA outside 18-59) adds the 60-69 year olds
# and the deviances compare different samples (chisq 1331 above). The same test on
# a design already restricted to rows with age_band compares like with like:
gs <- svyglm(hd ~ Gender + age_band + SurveyYr, design = subset(des, !is.na(age_band)),
             family = quasibinomial())
x <- regTermTest(gs, ~age_band, method = "LRT"); print(x)
emit("regterm_LRT_age_band_samerows", "chisq", x$chisq)
emit("regterm_LRT_age_band_samerows", "p", x$p)
emit("regterm_LRT_age_band_samerows", "ddf", x$ddf)

# ---- design effect of a ratio -------------------------------------------------------
cc <- subset(des, !is.na(hd) & !is.na(mj))
r <- svyratio(~hd, ~mj, cc, deff = TRUE); print(r)
emit("ratio_deff", "estimate", coef(r), "hd/mj")
emit("ratio_deff", "se", SE(r), "hd/mj")
emit("ratio_deff", "deff", deff(r), "hd/mj")
r <- svyratio(~hd, ~mj, cc, deff = "replace")
emit("ratio_deff", "deff_replace", deff(r), "hd/mj")
b <- svyby(~hd, ~Gender, cc, svyratio, denominator = ~mj, deff = TRUE); print(b)
for (i in seq_len(nrow(b))) {
  dom <- paste0("Gender=", b$Gender[i])
  emit("ratio_deff_by_gender", "estimate", coef(b)[i], "hd/mj", dom)
  emit("ratio_deff_by_gender", "se", SE(b)[i], "hd/mj", dom)
  emit("ratio_deff_by_gender", "deff", deff(b)[i], "hd/mj", dom)
}

# ---- survey.adjust.domain.lonely -----------------------------------------------------
# Domain Mexican with non-missing hd: PSU 96/1 has no member, so stratum 96 has one
# domain PSU (a "domain-lonely" stratum); the option changes "adjust" and "average" only.
mex <- subset(des, Race1 == "Mexican" & !is.na(hd))
tab <- table(mex$variables$SDMVSTRA, mex$variables$SDMVPSU)
lonely_strata <- rownames(tab)[rowSums(tab > 0) == 1]
cat("domain-lonely strata for Mexican & hd:", lonely_strata, "\n")
for (s in lonely_strata) emit("domain_lonely_design", "stratum", as.numeric(s), level = s)
for (adj in c(FALSE, TRUE)) {
  for (opt in c("remove", "certainty", "adjust", "average")) {
    options(survey.lonely.psu = opt, survey.adjust.domain.lonely = adj)
    an <- paste0("domain_lonely_", if (adj) "on" else "off", "_", opt)
    m <- suppressWarnings(svymean(~hd, mex))
    emit(an, "estimate", coef(m), "hd", "Race1=Mexican")
    emit(an, "se", SE(m), "hd", "Race1=Mexican")
    b <- suppressWarnings(svyby(~hd, ~Race1, des, svymean, na.rm = TRUE))
    for (i in seq_len(nrow(b))) emit(an, "se", SE(b)[i], "hd", paste0("by:Race1=", b$Race1[i]))
  }
}
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)

# ---- svyglm: unused factor level in a domain (R drops it) --------------------------
g <- svyglm(hd ~ Race1 + Gender, design = subset(des, Race1 != "Other"), family = quasibinomial())
print(summary(g))
emit_coefs("glm_unused_level", g)

# ---- svyglm: aliased term (R: NA coefficient, df from the estimable ones) ----------
d$male01 <- as.numeric(d$Gender == "male")
desA <- nhanes_design(d)
g <- svyglm(hd ~ Gender + male01 + SurveyYr, design = desA, family = quasibinomial())
print(summary(g))
cf <- g$coefficients   # with the NA of the aliased term (coef() drops it)
for (term in names(cf)) emit("glm_aliased", "aliased", as.numeric(is.na(cf[[term]])), term)
emit_coefs("glm_aliased", g)

# ---- svyglm: quasi-complete separation (no Hispanic homosexual respondent, n = 7,
# reports hard drugs: hd = 0 for the whole level) ------------------------------------
ws <- NULL
g <- withCallingHandlers(
  svyglm(hd ~ SexOrientation + Gender, design = subset(des, Race1 == "Hispanic"),
         family = quasibinomial()),
  warning = function(w) { ws <<- c(ws, conditionMessage(w)); invokeRestart("muffleWarning") })
cat("warnings:", ws, "\n")
emit("glm_separation", "warning_fitted01",
     as.numeric(any(grepl("fitted probabilities numerically 0 or 1", ws))))
emit("glm_separation", "converged", as.numeric(g$converged))
emit("glm_separation", "min_fitted", min(fitted(g)))
emit("glm_separation", "n_fitted01", sum(fitted(g) < 10 * .Machine$double.eps |
                                         fitted(g) > 1 - 10 * .Machine$double.eps))
emit_coefs("glm_separation", g)

# ---- glm.control(epsilon, maxit) ---------------------------------------------------
g <- svyglm(hd ~ Gender + age_band + SurveyYr, design = des, family = quasibinomial(),
            control = glm.control(epsilon = 1e-12, maxit = 50))
emit_coefs("glm_control_eps12", g)
emit("glm_control_eps12", "iter", g$iter)

# ---- NCHS presentation standard, as CDCgov/surveytable applies it ------------------
# svyciprop_adjusted(method = "beta", df_method = "default"): Korn-Graubard with
# n.eff = min(nrow(design), n.eff * (qt(a/2, nrow - 1) / qt(a/2, degf))^2) if p > 0,
# n.eff = nrow(design) if p = 0 (no df factor). .lpe_percents(): n effective =
# p(1-p)/SE^2, = n when the numerator count is 0 or n (and then CI width := 0),
# capped at n; suppress if n_eff < 30; present if width <= 0.05; suppress if
# width >= 0.30 or width / p > 1.30; flags Pc (complement), Pdf (df < 8), P0 (0 or 100 %).
nchs_kg <- function(design, var, level = 0.95) {
  m <- svymean(as.formula(paste0("~", var)), design)
  p <- unname(coef(m)[1]); v <- unname(vcov(m)[1, 1])
  n <- nrow(design); df <- degf(design); alpha <- 1 - level
  neff <- p * (1 - p) / v
  rat <- if (df > 0) (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2 else 0
  neff_kg <- if (p > 0) min(n, neff * rat) else n
  ci <- c(qbeta(alpha / 2, neff_kg * p, neff_kg * (1 - p) + 1),
          qbeta(1 - alpha / 2, neff_kg * p + 1, neff_kg * (1 - p)))
  list(p = p, se = sqrt(v), n = n, df = df, ci = ci,
       npos = sum(design$variables[[var]] == 1))
}
nchs_flags <- function(r) {
  ne <- r$p * (1 - r$p) / r$se^2
  w <- r$ci[2] - r$ci[1]
  bad <- r$npos == 0 || r$npos == r$n
  if (bad) { ne <- r$n; w <- 0 }
  ne <- min(ne, r$n)
  relw <- w / r$p
  if (ne < 30) disp <- FALSE
  else if (w <= 0.05) disp <- TRUE
  else if (w >= 0.30) disp <- FALSE
  else disp <- !(relw > 1.30)
  comp <- disp && ne >= 30 && w > 0.05 && w < 0.30 && !(relw > 1.30) && w / (1 - r$p) > 1.30
  list(neff = ne, width = w, display = disp, pc = comp, pdf = disp && r$df < 8, p0 = disp && bad)
}
dom_sets <- list(
  list("hisp_orient", "hd", quote(!is.na(hd) & Race1 == "Hispanic"), "SexOrientation"), # p = 0, n = 7
  list("regmj1", "mj", quote(!is.na(mj) & regmj == 1), "Gender"),      # p = 1 (up to rounding)
  list("hd", "hd", quote(!is.na(hd)), "Race1"),
  list("hd_age", "hd", quote(!is.na(hd) & Age >= 18 & Age < 60), "age_band"))
for (ds in dom_sets) {
  base <- eval(substitute(subset(des, cond), list(cond = ds[[3]])))
  levs <- levels(factor(base$variables[[ds[[4]]]]))
  for (lv in levs) {
    sub <- base[base$variables[[ds[[4]]]] == lv & !is.na(base$variables[[ds[[4]]]]), ]
    r <- nchs_kg(sub, ds[[2]])
    f <- nchs_flags(r)
    an <- paste0("nchs_", ds[[1]])
    dom <- paste0(ds[[4]], "=", lv)
    emit(an, "estimate", r$p, ds[[2]], dom)
    emit(an, "se", r$se, ds[[2]], dom)
    emit(an, "n", r$n, ds[[2]], dom)
    emit(an, "df", r$df, ds[[2]], dom)
    emit(an, "ci_low", r$ci[1], ds[[2]], dom, allow_na = TRUE)
    emit(an, "ci_high", r$ci[2], ds[[2]], dom, allow_na = TRUE)
    emit(an, "n_eff", f$neff, ds[[2]], dom)
    emit(an, "width", f$width, ds[[2]], dom)
    emit(an, "display", as.numeric(f$display), ds[[2]], dom)
    emit(an, "flag_pc", as.numeric(f$pc), ds[[2]], dom)
    emit(an, "flag_pdf", as.numeric(f$pdf), ds[[2]], dom)
    emit(an, "flag_p0", as.numeric(f$p0), ds[[2]], dom)
  }
}

write_reference("survey_r2_gaps")
