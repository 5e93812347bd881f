# Reference numbers for SurveyDesign.km (issue 26): R survey::svykm(se = TRUE) + confint.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/survey_km_nhanes.R tests/reference/survey_km_nhanes.Rout
#
# Data: NHANES 2011-2012 (harmonised NHANESraw.csv, cycle 2011_12), respondents aged 20-29, the design
# (SDMVSTRA strata, SDMVPSU PSUs nested in strata, WTINT2YR weights). Age at first marijuana use:
# time = AgeFirstMarij for those who ever used (event = 1), current Age for those who never did
# (censored, event = 0); respondents not asked (NA) drop out as a domain (svykm subsets the design).
# svykm(se = TRUE) returns S(t) = exp(-H(t)) with H the weighted Nelson-Aalen cumulative hazard,
# one row per event observation; confint(., parm = t) takes the last row with time <= t, so the
# numbers below are taken at each distinct event time. se_log = sqrt(varlog).
# R's km.stderr builds n x events matrices (quadratic memory): 1,593 respondents aged 20-39 took
# 4.9 GB and the 3,331 of all ages more than 8 GB; the 20-29 year olds keep it near 1.5 GB.

source("tests/reference/_helpers.R")
suppressPackageStartupMessages(library(survival))
show_versions()
cat("survival:", as.character(packageVersion("survival")), "\n")

f <- data_file("nhanes_2009_2012", "NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv")
d <- read.csv(f, na.strings = "", stringsAsFactors = FALSE)
d <- d[d$SurveyYr == "2011_12", ]
d$event <- ifelse(d$Marijuana == "Yes", 1, ifelse(d$Marijuana == "No", 0, NA))
d$time <- ifelse(d$event == 1, d$AgeFirstMarij, d$Age)
cat("rows:", nrow(d), " with time and event:", sum(!is.na(d$time) & !is.na(d$event)),
    " events:", sum(d$event == 1 & !is.na(d$time), na.rm = TRUE), "\n")
# design on the respondents aged 20-29 with a time and an event (every PSU of the cycle holds some):
# subsetting a design built on the whole cycle makes svykm's by-group path allocate > 20 GB
d <- d[!is.na(d$time) & !is.na(d$event) & d$Age >= 20 & d$Age <= 29, ]
cat("PSUs:", nrow(unique(d[, c("SDMVSTRA", "SDMVPSU")])), " strata:", length(unique(d$SDMVSTRA)), "\n")
des <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTINT2YR, nest = TRUE, data = d)

emit_km <- function(an, km, domain = "") {
  times <- sort(unique(km$time))
  ci <- confint(km, parm = times)
  idx <- sapply(times, function(t) max(which(km$time <= t)))
  for (j in seq_along(times)) {
    lv <- format(times[j])
    emit(an, "survival", km$surv[idx[j]], domain = domain, level = lv)
    emit(an, "se_log", sqrt(km$varlog[idx[j]]), domain = domain, level = lv)
    emit(an, "ci_low", ci[j, 1], domain = domain, level = lv)
    emit(an, "ci_high", ci[j, 2], domain = domain, level = lv)
  }
  cat(sprintf("%s %s: %d event times; S(18) = %.6f [%.6f, %.6f]\n", an, domain, length(times),
              km$surv[max(which(km$time <= 18))], confint(km, parm = 18)[1], confint(km, parm = 18)[2]))
}

t0 <- proc.time()
km_all <- svykm(Surv(time, event) ~ 1, des, se = TRUE)
emit_km("km_mj", km_all)
# by sex: svykm(~ Gender) subsets the design and allocated > 8 GB here, so each sex is the same
# domain written out: the other sex keeps its rows with weight 0 (R's subset of a design does the same
# for calibrated designs; the strata and PSUs of the whole design stay)
for (g in c("female", "male")) {
  d$wg <- ifelse(d$Gender == g, d$WTINT2YR, 0)
  des_g <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~wg, nest = TRUE, data = d)
  emit_km("km_mj_sex", svykm(Surv(time, event) ~ 1, des_g, se = TRUE), domain = paste0("Gender=", g))
  rm(des_g); invisible(gc())
}
cat("svykm time (s):", (proc.time() - t0)[["elapsed"]], "\n")
print(gc())

# the product-limit curve (se = FALSE)
pl <- svykm(Surv(time, event) ~ 1, des, se = FALSE)
for (t in c(12, 15, 18, 21, 25, 30)) {
  emit("km_mj_pl", "survival", pl$surv[max(which(pl$time <= t))], level = format(t))
}

write_reference("survey_km_nhanes")
