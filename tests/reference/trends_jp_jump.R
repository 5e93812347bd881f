# Reference numbers for drugtrends.trends.joinpoint(jump_at = ...) (issue 17): the jump model at
# fixed joinpoints is a least-squares fit with hinge columns and a level-shift dummy, so R's lm()
# gives its coefficients and SEs. drugtrends (like NCI Joinpoint) estimates sigma^2 with
# df = n - (2k + 2) - m (each joinpoint counted as a parameter), lm() with n - (k + 2) - m: the
# tests rescale lm's SEs by sqrt(df_lm / df_nci). The joinpoint locations are those drugtrends
# selects (method = "bic", max_joinpoints = 2, jump_at = 2011: a hypothetical level shift, used
# only to check the algebra): 2006, 2013 (log-linear) and 2007, 2013 (linear).
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/trends_jp_jump.R tests/reference/trends_jp_jump.Rout
#
# Data: NCHS "Drug overdose death rates, by drug type, sex, age, race, and Hispanic origin: United
# States, 1999-2018" (data.cdc.gov 95ax-ymtc): all drug overdose deaths, age-adjusted, all persons,
# 1999-2018 (20 rows). x = YEAR, y = ESTIMATE (log(y) for the log-linear model).
# Design: 1, x - mean(x), (x - tau1)+, (x - tau2)+, D = 1{x >= 2011}.
# Statistics (analysis jump_loglinear / jump_linear): slope, slope_se (level = segment 1..3, L b and
# sqrt(L V L')), jump, jump_se, df_lm, sse, ratio (exp(jump) on the log scale; on the linear scale
# (old + jump) / old at the drawn jump location x = 2010.5, old = fitted old regime there) and
# ratio_se_lm (linear: delta method with vcov(lm)).

source("tests/reference/_helpers.R")
show_versions()

f <- data_file("nchs_overdose_rates",
               "Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv",
               "nchs_overdose_rates/Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv")
d <- read.csv(f, stringsAsFactors = FALSE)
d <- d[d$PANEL == "All drug overdose deaths" & grepl("age-adjusted", d$UNIT) & d$STUB_LABEL == "All persons", ]
d <- d[order(d$YEAR), ]
stopifnot(nrow(d) == 20)
x <- d$YEAR

fit_one <- function(model, taus, jump) {
  an <- paste0("jump_", model)
  z <- if (model == "loglinear") log(d$ESTIMATE) else d$ESTIMATE
  X <- cbind(x = x - mean(x), h1 = pmax(x - taus[1], 0), h2 = pmax(x - taus[2], 0), D = as.numeric(x >= jump))
  m <- lm(z ~ X)
  print(summary(m))
  b <- coef(m); V <- vcov(m)
  L <- rbind(c(0, 1, 0, 0, 0), c(0, 1, 1, 0, 0), c(0, 1, 1, 1, 0))
  sl <- drop(L %*% b); sl_se <- sqrt(diag(L %*% V %*% t(L)))
  for (i in 1:3) {
    emit(an, "estimate", sl[i], variable = "slope", level = as.character(i))
    emit(an, "estimate", sl_se[i], variable = "slope_se", level = as.character(i))
  }
  emit(an, "estimate", b[5], variable = "jump")
  emit(an, "estimate", sqrt(V[5, 5]), variable = "jump_se")
  emit(an, "estimate", df.residual(m), variable = "df_lm")
  emit(an, "estimate", sum(resid(m)^2), variable = "sse")
  if (model == "linear") {
    a <- c(1, 2010.5 - mean(x), pmax(2010.5 - taus, 0), 0)
    old <- sum(a * b)
    g <- -b[5] / old^2 * a; g[5] <- 1 / old
    emit(an, "estimate", (old + b[5]) / old, variable = "ratio")
    emit(an, "estimate", sqrt(drop(t(g) %*% V %*% g)), variable = "ratio_se_lm")
  } else {
    emit(an, "estimate", exp(b[5]), variable = "ratio")
  }
}
fit_one("loglinear", c(2006, 2013), 2011)
fit_one("linear", c(2007, 2013), 2011)
print(do.call(rbind, .rows$list))
write_reference("trends_jp_jump")
