# Reference for drugtrends.trends.joinpoint(jump_at=...): the jump model at fixed joinpoints is an
# ordinary (weighted) least-squares fit with hinge columns and a level-shift dummy, so R's lm()
# gives its coefficients. drugtrends estimates sigma^2 with NCI's df n - (2k + 2) - m (each
# joinpoint counted as a parameter) while lm() uses n - (k + 2) - m: the tests rescale the SEs by
# sqrt(df_lm / df_nci). The joinpoint locations are those drugtrends selects (method = "bic",
# max_joinpoints = 2, jump_at = 2011, a hypothetical level shift used only to check the algebra).
#
# Data: NCHS "Drug overdose death rates, by drug type, sex, age, race, and Hispanic origin: United
# States, 1999-2018" (data.cdc.gov 95ax-ymtc), all drug overdose deaths, age-adjusted, all persons.
# Run: Rscript tests/reference/trends_jp_jump.R /path/to/shared/data > tests/reference/trends_jp_jump.Rout
args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args)) args[1] else "../shared/data"
f <- file.path(root, "nchs_overdose_rates",
               "Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv")
d <- read.csv(f, stringsAsFactors = FALSE)
d <- d[d$PANEL == "All drug overdose deaths" & grepl("age-adjusted", d$UNIT) & d$STUB_LABEL == "All persons", ]
d <- d[order(d$YEAR), ]
stopifnot(nrow(d) == 20)
x <- d$YEAR
out <- list()
fit_one <- function(model, taus, jump) {
  z <- if (model == "loglinear") log(d$ESTIMATE) else d$ESTIMATE
  X <- cbind(x = x - mean(x), h1 = pmax(x - taus[1], 0), h2 = pmax(x - taus[2], 0), D = as.numeric(x >= jump))
  m <- lm(z ~ X)
  b <- coef(m); V <- vcov(m)
  L <- rbind(c(0, 1, 0, 0, 0), c(0, 1, 1, 0, 0), c(0, 1, 1, 1, 0))
  sl <- drop(L %*% b); sl_se <- sqrt(diag(L %*% V %*% t(L)))
  print(summary(m))
  res <- data.frame(model = model, quantity = c(paste0("slope", 1:3), paste0("slope_se", 1:3), "jump", "jump_se",
                                                "df_lm", "sse"),
                    value = c(sl, sl_se, b[5], sqrt(V[5, 5]), df.residual(m), sum(resid(m)^2)))
  if (model == "linear") {
    # comparability ratio at the drawn jump location 2010.5: (old + jump) / old, delta method
    a <- c(1, 2010.5 - mean(x), pmax(2010.5 - taus, 0), 0)
    old <- sum(a * b)
    g <- -b[5] / old^2 * a; g[5] <- 1 / old
    res <- rbind(res, data.frame(model = model, quantity = c("ratio", "ratio_se_lm"),
                                 value = c((old + b[5]) / old, sqrt(drop(t(g) %*% V %*% g)))))
  } else {
    res <- rbind(res, data.frame(model = model, quantity = "ratio", value = exp(b[5])))
  }
  res
}
ref <- rbind(fit_one("loglinear", c(2006, 2013), 2011), fit_one("linear", c(2007, 2013), 2011))
print(ref, digits = 15)
write.csv(ref, "tests/reference/trends_jp_jump.csv", row.names = FALSE)
cat(R.version.string, "\n")
