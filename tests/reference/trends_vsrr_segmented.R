# Reference numbers: joinpoint-style segmented regression on CDC VSRR provisional
# overdose deaths (US, 12 month-ending counts), log-linear model.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/trends_vsrr_segmented.R tests/reference/trends_vsrr_segmented.Rout
#
# Series: State == "US", Period == "12 month-ending", Indicator in SERIES (exact text),
# y = `Data Value` (thousands separators removed if any), ordered by time,
# x = Year + (month_number - 1) / 12 (years). Model: log(y) ~ x.
#  lin   : lm(log(y) ~ x)
#  seg1  : segmented(lin, seg.Z = ~x, npsi = 1)
#  seg2  : segmented(lin, seg.Z = ~x, npsi = 2)
#  segmented control: seg.control(seed = 12345) (the package default, set explicitly),
#  default n.boot = 10 bootstrap restarts; set.seed(20261123) before each fit.
# Statistics: psi (breakpoint, years) and psi_se (level = breakpoint index);
#  slope, slope_se, slope_ci_low/high (segmented::slope, t with the model's residual df)
#  and apc = 100 * (exp(slope) - 1) per segment (level = segment index 1..npsi+1);
#  aapc (segmented::aapc over the whole range, slope scale) and aapc_se (wrong.se = TRUE,
#  the default: psi treated as fixed), aapc_pct = 100 * (exp(aapc) - 1);
#  bic = BIC(fit) with df_loglik = number of parameters BIC counted (coefficients incl.
#  the psi columns + sigma); rss; vsrr_davies p = davies.test(lin, ~x)$p.value (k = 10, lrt);
#  grid_psi / grid_rss: exact least-squares breakpoint for npsi = 1 found by a grid over
#  interior x (step 1/1200 year) refined with optimize(), independent of segmented;
#  vsrr_grid2: the same for npsi = 2 (monthly grid of psi1 < psi2, then Nelder-Mead).

source("tests/reference/_helpers.R")
suppressPackageStartupMessages(library(segmented))
show_versions()

f <- data_file("cdc_vsrr", "VSRR_Provisional_Drug_Overdose_Death_Counts.csv",
               "cdc_vsrr/VSRR_Provisional_Drug_Overdose_Death_Counts.csv")
v <- read.csv(f, check.names = FALSE, stringsAsFactors = FALSE)
v$y <- as.numeric(gsub(",", "", as.character(v[["Data Value"]])))
v$month_number <- match(v$Month, month.name)
stopifnot(!anyNA(v$month_number))
v$x <- v$Year + (v$month_number - 1) / 12

SERIES <- c("Synthetic opioids, excl. methadone (T40.4)", "Cocaine (T40.5)",
            "Number of Drug Overdose Deaths")
stopifnot(all(SERIES %in% unique(v$Indicator)))

rss_at <- function(psi, x, ly) {
  sum(resid(lm(ly ~ x + pmax(x - psi, 0)))^2)
}

for (ind in SERIES) {
  s <- v[v$State == "US" & v$Period == "12 month-ending" & v$Indicator == ind, ]
  s <- s[order(s$x), c("x", "y")]
  stopifnot(!anyNA(s$y), !anyDuplicated(s$x), all(s$y > 0))
  cat("\n=====", ind, ": n =", nrow(s), " x from", s$x[1], "to", s$x[nrow(s)], "\n")
  emit("vsrr_series", "n", nrow(s), ind)
  emit("vsrr_series", "x_first", s$x[1], ind)
  emit("vsrr_series", "x_last", s$x[nrow(s)], ind)
  emit("vsrr_series", "y_first", s$y[1], ind)
  emit("vsrr_series", "y_last", s$y[nrow(s)], ind)
  dat <- data.frame(x = s$x, ly = log(s$y))

  lin <- lm(ly ~ x, data = dat)
  print(summary(lin))
  b <- coef(summary(lin))["x", ]
  emit("vsrr_lin", "slope", b[["Estimate"]], ind)
  emit("vsrr_lin", "slope_se", b[["Std. Error"]], ind)
  emit("vsrr_lin", "apc", 100 * (exp(b[["Estimate"]]) - 1), ind)
  emit("vsrr_lin", "intercept", coef(lin)[[1]], ind)
  emit("vsrr_lin", "bic", BIC(lin), ind)
  emit("vsrr_lin", "df_loglik", attr(logLik(lin), "df"), ind)
  emit("vsrr_lin", "rss", sum(resid(lin)^2), ind)

  dv <- davies.test(lin, seg.Z = ~x)
  print(dv)
  emit("vsrr_davies", "p", dv$p.value, ind)

  # independent exact single-breakpoint least squares (profile over psi)
  grid <- seq(dat$x[2], dat$x[nrow(dat) - 1], by = 1 / 1200)
  rg <- vapply(grid, rss_at, 0, x = dat$x, ly = dat$ly)
  g0 <- grid[which.min(rg)]
  opt <- optimize(rss_at, c(max(dat$x[2], g0 - 0.01), min(dat$x[nrow(dat) - 1], g0 + 0.01)),
                  x = dat$x, ly = dat$ly, tol = 1e-10)
  emit("vsrr_grid1", "psi", opt$minimum, ind, level = "1")
  emit("vsrr_grid1", "rss", opt$objective, ind)

  # independent two-breakpoint least squares: monthly grid of (psi1 < psi2) at interior
  # x values with at least one x between them, then Nelder-Mead refinement
  rss2 <- function(p, x, ly) {
    if (p[1] >= p[2] || p[1] <= x[1] || p[2] >= x[length(x)]) return(Inf)
    sum(resid(lm(ly ~ x + pmax(x - p[1], 0) + pmax(x - p[2], 0)))^2)
  }
  xi <- dat$x[2:(nrow(dat) - 1)]
  best <- c(Inf, NA, NA)
  for (a in seq_along(xi)) for (b2 in seq_along(xi)) if (b2 > a + 1) {
    r2 <- rss2(c(xi[a], xi[b2]), dat$x, dat$ly)
    if (r2 < best[1]) best <- c(r2, xi[a], xi[b2])
  }
  o2 <- optim(best[2:3], rss2, x = dat$x, ly = dat$ly, method = "Nelder-Mead",
              control = list(reltol = 1e-14, maxit = 5000))
  cat("grid2:", best, " refined:", o2$par, o2$value, "\n")
  emit("vsrr_grid2", "psi", o2$par[1], ind, level = "1")
  emit("vsrr_grid2", "psi", o2$par[2], ind, level = "2")
  emit("vsrr_grid2", "rss", o2$value, ind)

  for (k in 1:2) {
    an <- paste0("vsrr_seg", k)
    set.seed(20261123)
    fit <- tryCatch(segmented(lin, seg.Z = ~x, npsi = k, control = seg.control(seed = 12345)),
                    error = function(e) { message("segmented failed: ", conditionMessage(e)); NULL })
    if (is.null(fit) || is.null(fit$psi)) {
      cat("no breakpoint estimated for", ind, "npsi =", k, "\n")
      emit(an, "converged", 0, ind)
      next
    }
    print(summary(fit))
    emit(an, "converged", 1, ind)
    ps <- fit$psi
    for (j in seq_len(nrow(ps))) {
      emit(an, "psi", ps[j, "Est."], ind, level = as.character(j))
      emit(an, "psi_se", ps[j, "St.Err"], ind, level = as.character(j))
    }
    sl <- slope(fit, digits = 22)$x  # default digits round the slopes
    print(sl)
    for (j in seq_len(nrow(sl))) {
      lv <- as.character(j)
      emit(an, "slope", sl[j, "Est."], ind, level = lv)
      emit(an, "slope_se", sl[j, "St.Err."], ind, level = lv)
      emit(an, "slope_ci_low", sl[j, 4], ind, level = lv)
      emit(an, "slope_ci_high", sl[j, 5], ind, level = lv)
      emit(an, "apc", 100 * (exp(sl[j, "Est."]) - 1), ind, level = lv)
    }
    aa <- aapc(fit)
    print(aa)
    emit(an, "aapc", aa[[1]], ind)
    emit(an, "aapc_se", aa[[2]], ind)
    emit(an, "aapc_pct", 100 * (exp(aa[[1]]) - 1), ind)
    emit(an, "bic", BIC(fit), ind)
    emit(an, "df_loglik", attr(logLik(fit), "df"), ind)
    emit(an, "rss", sum(resid(fit)^2), ind)
    emit(an, "df_residual", fit$df.residual, ind)
  }
}

write_reference("trends_vsrr_segmented")
