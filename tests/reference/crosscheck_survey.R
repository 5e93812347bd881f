# Held-out cross-check of drugtrends.survey against R survey 4.x: several hundred
# quantities the other reference scripts do not cover (Taylor and replicate designs,
# domains, CIs of each method, quantiles, ratios, totals, GLMs, Rao-Scott and Wald
# tests, lonely-PSU rules, NCHS presentation flags).
#
# Keys (tests/test_survey_crosscheck.py reads them generically):
#   analysis  = "<design>:<estimator>:<spec>"
#     design    nh (NHANES 2009-2012 Taylor), nhl_<rule> (NHANES with a lonely PSU,
#               see survey_nhanes.R), n2 (NHANES II Taylor), n2brr / n2fay / n2jkn
#               (as.svrepdesign(n2, "BRR" | "Fay", fay.rho = 0.3 | "JKn"))
#     estimator mean, total, ratio, ciprop_<method>, quantile, glm_<family>, chisq_<stat>, nchs
#     spec      by-variables joined by "+" ("" = whole population); for glm the formula;
#               for chisq the two table variables joined by "+"
#   variable  outcome (ratio: "num/den"; glm: the coefficient name)
#   domain    "by1=v1&by2=v2"
#   level     quantile probability
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/crosscheck_survey.R tests/reference/crosscheck_survey.Rout

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

d <- nhanes_frame()
d$Education <- factor(d$Education, levels = c("8th Grade", "9 - 11th Grade", "High School",
                                              "Some College", "College Grad"))
d$smoke100 <- ifelse(d$Smoke100 == "Yes", 1, ifelse(d$Smoke100 == "No", 0, NA_real_))
d$physact <- ifelse(d$PhysActive == "Yes", 1, ifelse(d$PhysActive == "No", 0, NA_real_))
des <- nhanes_design(d)

n2 <- read.csv(data_file("nhanes2_validation", "nhanes2.csv", "validation/nhanes2.csv"))
n2$race <- factor(n2$race)
n2$region <- factor(n2$region)
des2 <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = n2)
designs <- list(nh = des, n2 = des2,
                n2brr = as.svrepdesign(des2, type = "BRR"),
                n2fay = as.svrepdesign(des2, type = "Fay", fay.rho = 0.3),
                n2jkn = as.svrepdesign(des2, type = "JKn"))

dom_of <- function(res, byv, i) paste(paste0(byv, "=", sapply(byv, function(b) as.character(res[[b]][i]))),
                                      collapse = "&")

# ---- means / totals with domains -------------------------------------------------------
run_est <- function(dn, fun, est, outcomes, bys, deff = TRUE) {
  dd <- designs[[dn]]
  for (y in outcomes) for (byv in bys) {
    an <- paste(dn, est, paste(byv, collapse = "+"), sep = ":")
    f <- as.formula(paste0("~", y))
    if (!length(byv)) {
      m <- fun(f, dd, na.rm = TRUE, deff = deff)
      emit(an, "estimate", coef(m), y); emit(an, "se", SE(m), y)
      if (deff) emit(an, "deff", deff(m), y)
    } else {
      b <- svyby(f, as.formula(paste0("~", paste(byv, collapse = "+"))), dd, fun, na.rm = TRUE,
                 deff = deff)
      for (i in seq_len(nrow(b))) {
        dm <- dom_of(b, byv, i)
        emit(an, "estimate", coef(b)[i], y, dm); emit(an, "se", SE(b)[i], y, dm)
        if (deff) emit(an, "deff", deff(b)[i], y, dm)
      }
    }
  }
}
nh_out <- c("hd", "mj", "regmj", "smoke100", "physact", "Age", "BMI", "BPSysAve", "TotChol",
            "SleepHrsNight")
nh_by <- list(character(0), "SurveyYr", "Gender", "Race1", "Education", "age_band",
              c("SurveyYr", "Gender"))
run_est("nh", svymean, "mean", nh_out, nh_by)
run_est("nh", svytotal, "total", c("hd", "mj"), list(character(0), "Race1"))
for (dn in c("n2", "n2brr", "n2fay", "n2jkn")) {
  run_est(dn, svymean, "mean", c("zinc", "highbp", "diabetes", "highlead"),
          list(character(0), "race", "region"), deff = dn == "n2")
  run_est(dn, svytotal, "total", c("highbp", "diabetes"), list(character(0), "race"), deff = FALSE)
}

# ---- ratios -----------------------------------------------------------------------------
run_ratio <- function(dn, num, den, bys) {
  dd <- designs[[dn]]
  dd <- dd[!is.na(dd$variables[[num]]) & !is.na(dd$variables[[den]]), ]
  for (byv in bys) {
    an <- paste(dn, "ratio", paste(byv, collapse = "+"), sep = ":")
    v <- paste0(num, "/", den)
    if (!length(byv)) {
      r <- svyratio(as.formula(paste0("~", num)), as.formula(paste0("~", den)), dd)
      emit(an, "estimate", coef(r), v); emit(an, "se", SE(r), v)
    } else {
      b <- svyby(as.formula(paste0("~", num)), as.formula(paste0("~", paste(byv, collapse = "+"))),
                 dd, svyratio, denominator = as.formula(paste0("~", den)))
      for (i in seq_len(nrow(b))) {
        dm <- dom_of(b, byv, i)
        emit(an, "estimate", coef(b)[i], v, dm); emit(an, "se", SE(b)[i], v, dm)
      }
    }
  }
}
run_ratio("nh", "hd", "mj", list(character(0), "Gender", "SurveyYr"))
run_ratio("nh", "BPSysAve", "BPDiaAve", list(character(0), "Race1"))
for (dn in c("n2", "n2brr", "n2fay", "n2jkn")) run_ratio(dn, "highbp", "diabetes", list(character(0), "region"))

# ---- svyciprop: every method, overall and by domain ------------------------------------
run_ciprop <- function(dn, y, byv, methods) {
  dd <- designs[[dn]]
  base <- dd[!is.na(dd$variables[[y]]), ]
  levs <- if (length(byv)) levels(factor(base$variables[[byv]])) else ""
  for (meth in methods) {
    an <- paste(dn, paste0("ciprop_", meth), paste(byv, collapse = "+"), sep = ":")
    for (lv in levs) {
      sub <- if (length(byv)) base[!is.na(base$variables[[byv]]) & base$variables[[byv]] == lv, ] else base
      ci <- svyciprop(as.formula(paste0("~", y)), sub, method = meth)
      dm <- if (length(byv)) paste0(byv, "=", lv) else ""
      emit(an, "estimate", coef(ci), y, dm)
      emit(an, "ci_low", confint(ci)[1], y, dm)
      emit(an, "ci_high", confint(ci)[2], y, dm)
      emit(an, "df", degf(sub), y, dm)
    }
  }
}
for (y in c("hd", "mj", "smoke100")) for (byv in list(character(0), "Race1", "SurveyYr"))
  run_ciprop("nh", y, byv, c("logit", "xlogit", "beta", "mean"))
for (dn in c("n2brr", "n2fay", "n2jkn")) for (byv in list(character(0), "region"))
  run_ciprop(dn, "diabetes", byv, c("logit", "xlogit", "beta", "mean"))

# ---- quantiles (qrule "math", Woodruff "mean" interval, df = degf(design)) -------------
for (y in c("Age", "BMI")) for (byv in list(character(0), "Gender")) {
  an <- paste("nh", "quantile", paste(byv, collapse = "+"), sep = ":")
  if (!length(byv)) {
    q <- svyquantile(as.formula(paste0("~", y)), des, quantiles = c(0.25, 0.5, 0.75), ci = TRUE,
                     na.rm = TRUE)[[1]]
    for (k in 1:3) {
      lv <- as.character(c(0.25, 0.5, 0.75)[k])
      emit(an, "estimate", q[k, 1], y, "", lv); emit(an, "ci_low", q[k, 2], y, "", lv)
      emit(an, "ci_high", q[k, 3], y, "", lv); emit(an, "se", q[k, 4], y, "", lv)
    }
  } else {
    for (g in levels(d$Gender)) {
      sub <- subset(des, Gender == g)
      q <- svyquantile(as.formula(paste0("~", y)), sub, quantiles = c(0.25, 0.5, 0.75), ci = TRUE,
                       na.rm = TRUE)[[1]]
      for (k in 1:3) {
        lv <- as.character(c(0.25, 0.5, 0.75)[k]); dm <- paste0("Gender=", g)
        emit(an, "estimate", q[k, 1], y, dm, lv); emit(an, "ci_low", q[k, 2], y, dm, lv)
        emit(an, "ci_high", q[k, 3], y, dm, lv); emit(an, "se", q[k, 4], y, dm, lv)
      }
    }
  }
}

# ---- GLMs ------------------------------------------------------------------------------
run_glm <- function(dn, form, fam, famname) {
  g <- do.call(svyglm, list(formula = as.formula(form), design = designs[[dn]], family = fam))
  an <- paste(dn, paste0("glm_", famname), form, sep = ":")
  cf <- coef(summary(g))
  for (term in rownames(cf)) {
    emit(an, "coef", cf[term, 1], term); emit(an, "se", cf[term, 2], term)
    emit(an, "p", cf[term, 4], term)
  }
  emit(an, "df_residual", g$df.residual)
}
run_glm("nh", "hd ~ Gender + Race1 + SurveyYr", quasibinomial(), "quasibinomial")
run_glm("nh", "mj ~ Gender + age_band + Education", quasibinomial(), "quasibinomial")
run_glm("nh", "BMI ~ Age + Gender + Race1", gaussian(), "gaussian")
run_glm("nh", "SleepHrsNight ~ Gender + age_band", quasipoisson(), "quasipoisson")
for (dn in c("n2", "n2brr", "n2fay", "n2jkn")) {
  run_glm(dn, "diabetes ~ race + region + zinc", quasibinomial(), "quasibinomial")
  run_glm(dn, "zinc ~ race + region", gaussian(), "gaussian")
}

# ---- two-way tables ----------------------------------------------------------------------
run_chisq <- function(dn, a, b) {
  for (st in c("F", "Chisq", "adjWald")) {
    x <- svychisq(as.formula(paste0("~", a, "+", b)), designs[[dn]], statistic = st)
    an <- paste(dn, paste0("chisq_", st), paste0(a, "+", b), sep = ":")
    emit(an, "statistic", x$statistic)
    for (k in names(x$parameter)) emit(an, k, x$parameter[[k]])
    emit(an, "p", x$p.value)
  }
}
run_chisq("nh", "hd", "Race1")
run_chisq("nh", "mj", "Education")
run_chisq("nh", "Gender", "SurveyYr")
for (dn in c("n2", "n2brr", "n2fay", "n2jkn")) run_chisq(dn, "diabetes", "region")

# ---- lonely PSU rules (stratum 75 reduced to one PSU, as in survey_nhanes.R) -------------
s0 <- min(d$SDMVSTRA)
dl <- d[!(d$SDMVSTRA == s0 & d$SDMVPSU == 2), ]
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  designs[[paste0("nhl_", opt)]] <- nhanes_design(dl)
  run_est(paste0("nhl_", opt), svymean, "mean", c("BMI", "hd", "TotChol"),
          list(character(0), "Gender", "Race1"), deff = FALSE)
  run_glm(paste0("nhl_", opt), "hd ~ Gender + SurveyYr", quasibinomial(), "quasibinomial")
  run_chisq(paste0("nhl_", opt), "hd", "Gender")
}
options(survey.lonely.psu = "fail")

# ---- NCHS presentation standard (transcribed in survey_r2_gaps.R) ----------------------
nchs_row <- function(design, var, an, dm, level = 0.95) {
  m <- svymean(as.formula(paste0("~", var)), design)
  p <- unname(coef(m)[1]); v <- unname(vcov(m)[1, 1])
  n <- nrow(design); df <- degf(design); alpha <- 1 - level
  rat <- if (df > 0) (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2 else 0
  nk <- if (p > 0) min(n, p * (1 - p) / v * rat) else n
  ci <- c(qbeta(alpha / 2, nk * p, nk * (1 - p) + 1), qbeta(1 - alpha / 2, nk * p + 1, nk * (1 - p)))
  npos <- sum(design$variables[[var]] == 1)
  bad <- npos == 0 || npos == n
  ne <- if (bad) n else min(n, p * (1 - p) / v)
  w <- if (bad) 0 else ci[2] - ci[1]
  disp <- if (ne < 30) FALSE else if (w <= 0.05) TRUE else if (w >= 0.30) FALSE else !(w / p > 1.30)
  emit(an, "ci_low", ci[1], var, dm, allow_na = TRUE)
  emit(an, "ci_high", ci[2], var, dm, allow_na = TRUE)
  emit(an, "display", as.numeric(disp), var, dm)
  emit(an, "flag_p0", as.numeric(disp && bad), var, dm)
  emit(an, "flag_pdf", as.numeric(disp && df < 8), var, dm)
  emit(an, "flag_pc", as.numeric(disp && ne >= 30 && w > 0.05 && w < 0.30 && !(w / p > 1.30) &&
                                   w / (1 - p) > 1.30), var, dm)
}
for (y in c("hd", "regmj")) {
  base <- subset(des, !is.na(des$variables[[y]]))
  for (r1 in levels(d$Race1)) for (g in levels(d$Gender)) for (cy in levels(d$SurveyYr)) {
    sub <- base[base$variables$Race1 == r1 & base$variables$Gender == g & base$variables$SurveyYr == cy, ]
    if (nrow(sub) == 0) next
    nchs_row(sub, y, "nh:nchs:Race1+Gender+SurveyYr",
             paste0("Race1=", r1, "&Gender=", g, "&SurveyYr=", cy))
  }
}

write_reference("crosscheck_survey")
