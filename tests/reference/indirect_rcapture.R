# Reference numbers from Rcapture itself (issue 26): closedp.t and closedpCI.t on the tables of
# tests/test_indirect_heterogeneity.py.
# Run from the repository root, with Rcapture on the library path, e.g.
#   R_LIBS=/tmp/Rlib R CMD BATCH --no-save --no-restore tests/reference/indirect_rcapture.R tests/reference/indirect_rcapture.Rout
#
# Rcapture (Baillargeon & Rivest 2007, J Stat Softw 19(5); Rivest & Baillargeon, CRAN) is not a
# Debian package and CRAN is not reachable here. It was rebuilt from its CRAN sources (pure R, no
# compiled code, Imports stats/graphics/utils only): DESCRIPTION and the R/ files closedp.R,
# closedpCI.R, internal.DRY.R, internal.valid.R, internal.matrices.R, internal.histfreq.R and
# histpos.R of release 1.4-3 (2019-12-16), whose R/ files have the same MD5 sums as release 1.4-4
# (2022-05-03, the current CRAN release) according to the two releases' MD5 files; six of the
# seven files were checked byte for byte against those MD5 sums. The other R/ files (open
# populations, robust design, closedp.bc, closedp.Mtb, descriptive, periodhist, deprecated
# functions), man/, data/ and the vignette were left out; NAMESPACE reduced accordingly. Then
#   R CMD INSTALL --no-docs --no-help -l /tmp/Rlib /tmp/Rcapture
#
# Conventions (as Rcapture defines them, compared as such by tests/test_indirect_rcapture.py):
#   abundance = n + exp(b0); stderr = sqrt(exp(b0) + exp(2 b0) var(b0)) (Poisson);
#   deviance, df = residual deviance and df of glm(family = poisson) on the 2^t - 1 observed
#   histories; AIC = glm's AIC = -2 sum log dpois(y, mu) + 2 rank (the full Poisson likelihood,
#   constants included, so the AIC equals drugtrends' -2 loglik + 2 p, not just its differences);
#   BIC = AIC + (log(n) - 2) rank with n the number of units captured (drugtrends uses the number
#   of cells: not compared). closedp.t uses neg = TRUE (negative Chao eta dropped and refitted).
#   closedpCI.t: multinomial profile likelihood CI (Cormack 1992) with optimize / uniroot at
#   tol = 1e-4 and Stirling's approximation of the correction term when N > 100.
# Output (tests/reference/indirect_rcapture.csv, format of _helpers.R):
#   analysis = rc_<table> (closedp.t as is), rcconv_<table> (closedp.t with
#   control = glm.control(epsilon = 1e-14, maxit = 200) passed on to glm: IRLS converged),
#   rcci_<table> (closedpCI.t: m = M0 / Mt / Mh / Mth with
#   h = Chao / Poisson / Darroch / Gamma, and the Rivest (2011) interaction models via mX);
#   variable = Rcapture's model name; statistic = abundance, stderr, deviance, df, AIC, BIC,
#   infoFit and, for closedpCI.t, ci_abundance (multinomial N), ci_low, ci_high, infoCI;
#   analysis exact_profile: closedpCI.t's profile of model Mt with its Stirling term made exact.

cat(R.version.string, "\n")
source("tests/reference/_helpers.R")
suppressPackageStartupMessages(library(Rcapture))
cat("Rcapture", as.character(packageVersion("Rcapture")), "from", find.package("Rcapture"), "\n")

tab <- function(Y) {
  t <- c(`7` = 3, `15` = 4, `63` = 6)[as.character(length(Y))]
  H <- histpos.t(t)
  colnames(H) <- paste0("c", 1:t)
  cbind(H, freq = Y)
}

hiv <- c(0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205)
diabetes <- c(58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10)
darr3 <- c(72, 155, 7, 71, 13, 53, 43)
cormack3 <- c(72, 5, 29, 54, 24, 3, 14)
illustration <- c(62, 560, 115, 996, 56, 586, 300)
w6 <- rowSums(histpos.t(6)); hare_f <- numeric(63)
for (k in 1:6) hare_f[which(w6 == k)[1]] <- c(25, 22, 13, 5, 1, 2)[k]
TABLES <- list(hiv = hiv, diabetes = diabetes, darr3 = darr3, cormack3 = cormack3,
               illustration = illustration, hare_f = hare_f)

MODELS10 <- c("M0", "Mt", "Mh Chao (LB)", "Mh Poisson2", "Mh Darroch", "Mh Gamma3.5",
              "Mth Chao (LB)", "Mth Poisson2", "Mth Darroch", "Mth Gamma3.5")
STATS <- c("abundance", "stderr", "deviance", "df", "AIC", "BIC", "infoFit")

emit_results <- function(an, res, names = rownames(res)) {
  for (i in seq_len(nrow(res))) for (s in STATS) emit(an, s, res[i, s], names[i])
}

# ---- closedp.t: every log-linear model on every table ------------------------------------
for (an in names(TABLES)) {
  X <- tab(TABLES[[an]])
  cat("\n===== closedp.t:", an, "\n")
  fit <- closedp.t(X, dfreq = TRUE)
  print(fit)
  for (nm in names(fit$glm.warn)) if (!is.null(fit$glm.warn[[nm]]))
    cat("  warning", nm, ":", fit$glm.warn[[nm]], "\n")
  for (nm in names(fit$neg.eta)) if (length(fit$neg.eta[[nm]]) && !all(is.na(fit$neg.eta[[nm]])))
    cat("  negative eta set to 0 in", nm, ":", fit$neg.eta[[nm]], "\n")
  emit_results(paste0("rc_", an), fit$results[MODELS10, , drop = FALSE])
  # the same with glm's IRLS run to convergence (Rcapture passes ... to glm): Rcapture's default
  # glm stopping rule (epsilon = 1e-8 on the relative change of the deviance) leaves up to ~3e-5
  # relative error in stderr (a coefficient error of order sqrt(epsilon) in flat directions);
  # even epsilon = 1e-12 leaves 8e-7 (hiv, Mh Darroch); 1e-14 is converged to ~1e-12
  tight <- closedp.t(X, dfreq = TRUE, control = glm.control(epsilon = 1e-14, maxit = 200))
  # closedp.fitone calls Chao.neg without '...': a Chao model refitted after dropping a negative
  # eta is fitted at the default epsilon whatever 'control' says; refit Rcapture's final design
  # (the refit of the full design, i.e. no eta dropped, is the same fit at a tighter tolerance)
  for (k in c("MhC", "MthC")) {
    g <- tight$glm[[k]]
    g2 <- glm(g$y ~ 0 + model.matrix(g), family = poisson, control = glm.control(epsilon = 1e-14, maxit = 200))
    b0 <- unname(coef(g2)[1])
    tight$results[c(MhC = "Mh Chao (LB)", MthC = "Mth Chao (LB)")[k], c("abundance", "stderr", "deviance", "df", "AIC")] <-
      c(sum(g$y) + exp(b0), sqrt(exp(b0) + exp(2 * b0) * vcov(g2)[1, 1]), deviance(g2), df.residual(g2), AIC(g2))
  }
  cat("  with control = glm.control(epsilon = 1e-14, maxit = 200):\n")
  print(signif(tight$results[MODELS10, 1:5], 10))
  emit_results(paste0("rcconv_", an), tight$results[MODELS10, , drop = FALSE])
}

# ---- closedpCI.t: profile likelihood CIs ---------------------------------------------------
SPEC <- list("M0" = list(m = "M0"), "Mt" = list(m = "Mt"),
             "Mh Chao (LB)" = list(m = "Mh", h = "Chao"), "Mh Poisson2" = list(m = "Mh", h = "Poisson"),
             "Mh Darroch" = list(m = "Mh", h = "Darroch"), "Mh Gamma3.5" = list(m = "Mh", h = "Gamma"),
             "Mth Chao (LB)" = list(m = "Mth", h = "Chao"), "Mth Poisson2" = list(m = "Mth", h = "Poisson"),
             "Mth Darroch" = list(m = "Mth", h = "Darroch"), "Mth Gamma3.5" = list(m = "Mth", h = "Gamma"))

emit_ci <- function(an, nm, ci) {
  emit_results(an, ci$results, nm)
  if (!is.null(ci$CI.err)) { cat("  CI error:", ci$CI.err, "\n"); return(invisible()) }
  CI <- ci$CI
  emit(an, "ci_abundance", CI[1, "abundance"], nm)
  emit(an, "ci_low", CI[1, "infCL"], nm)
  if (!is.character(CI[1, "supCL"])) emit(an, "ci_high", CI[1, "supCL"], nm)
  emit(an, "infoCI", CI[1, "infoCI"], nm)
  if (!is.null(ci$CI.warn)) cat("  CI warning:", ci$CI.warn, "\n")
}

for (an in setdiff(names(TABLES), "hare_f")) {
  X <- tab(TABLES[[an]])
  for (nm in names(SPEC)) {
    s <- SPEC[[nm]]
    cat("\n===== closedpCI.t:", an, "/", nm, "\n")
    ci <- if (is.null(s$h)) closedpCI.t(X, dfreq = TRUE, m = s$m) else
      closedpCI.t(X, dfreq = TRUE, m = s$m, h = s$h)
    print(ci)
    emit_ci(paste0("rcci_", an), nm, ci)
  }
}

# ---- Rivest (2011) interaction models (closedpCI.t with mX) --------------------------------
I4 <- ~ c1 + c2 + c3 + c4 + c1:c3 + c2:c4 + c3:c4
X <- tab(diabetes)
for (h in list(NULL, "Chao", "Poisson", "Darroch", "Gamma")) {
  nm <- if (is.null(h)) "c1:c3 + c2:c4 + c3:c4" else
    paste0("Mth ", c(Chao = "Chao (LB)", Poisson = "Poisson2", Darroch = "Darroch", Gamma = "Gamma3.5")[h],
           " + c1:c3 + c2:c4 + c3:c4")
  cat("\n===== closedpCI.t: diabetes /", nm, "\n")
  ci <- if (is.null(h)) closedpCI.t(X, dfreq = TRUE, mX = I4) else closedpCI.t(X, dfreq = TRUE, mX = I4, h = h)
  print(ci)
  emit_ci("rcci_diabetes_I", nm, ci)
}
X <- tab(darr3)
for (sp in list(list("c1:c2 + c2:c3", ~ c1 + c2 + c3 + c1:c2 + c2:c3, NULL),
                list("Mth Chao (LB) + c1:c2", ~ c1 + c2 + c3 + c1:c2, "Chao"),
                list("Mth Darroch + c1:c2", ~ c1 + c2 + c3 + c1:c2, "Darroch"))) {
  cat("\n===== closedpCI.t: darr3 /", sp[[1]], "\n")
  ci <- if (is.null(sp[[3]])) closedpCI.t(X, dfreq = TRUE, mX = sp[[2]]) else
    closedpCI.t(X, dfreq = TRUE, mX = sp[[2]], h = sp[[3]])
  print(ci)
  emit_ci("rcci_darr3_I", sp[[1]], ci)
}
X <- tab(cormack3)
for (sp in list(list("c2:c3", ~ c1 + c2 + c3 + c2:c3), list("c1:c3 + c2:c3", ~ c1 + c2 + c3 + c1:c3 + c2:c3))) {
  cat("\n===== closedpCI.t: cormack3 /", sp[[1]], "\n")
  ci <- closedpCI.t(X, dfreq = TRUE, mX = sp[[2]])
  print(ci)
  emit_ci("rcci_cormack3_I", sp[[1]], ci)
}

# ---- closedpCI.t's profile with the exact correction term ---------------------------------
# closedpCI.t's loglikemult: loglik(N) = (deviance(N) - 2 ct) / -2, with the Cormack (1992) term
# ct = log(n0^n0 N! / (N^N n0!)) replaced by Stirling's n0 - N - log(n0 / N) / 2 when N > 100, and
# optimize / uniroot at tol = 1e-4. The same profile for model Mt with ct exact (lfactorial) and
# tight tolerances shows that this approximation is the whole difference from an exact profile.
exact_profile_mt <- function(Y, alpha = 0.05) {
  H <- histpos.t(log2(length(Y) + 1)); n <- sum(Y)
  Xa <- rbind(cbind(1, H), c(1, rep(0, ncol(H))))
  prof <- function(N) {
    n0 <- N - n
    g <- glm(c(Y, n0) ~ 0 + Xa, family = poisson, control = glm.control(epsilon = 1e-13, maxit = 100))
    ct <- n0 * log(n0) + lfactorial(N) - N * log(N) - lfactorial(n0)
    (deviance(g) - 2 * ct) / (-2)
  }
  N1 <- n + exp(coef(glm(Y ~ H, family = poisson))[1])
  o <- suppressWarnings(optimize(prof, c(n + 0.5, 1.5 * N1), tol = 1e-10, maximum = TRUE))
  cut <- o$objective - qchisq(1 - alpha, 1) / 2
  c(ci_abundance = o$maximum,
    ci_low = uniroot(function(N) prof(N) - cut, c(n + 0.5, o$maximum), tol = 1e-10)$root,
    ci_high = uniroot(function(N) prof(N) - cut, c(o$maximum, 3 * N1), tol = 1e-10)$root)
}
cat("\n===== model Mt, multinomial profile with the exact correction term\n")
for (an in setdiff(names(TABLES), "hare_f")) {
  r <- exact_profile_mt(TABLES[[an]])
  cat(sprintf("%-13s N %.8f  CI %.8f - %.8f\n", an, r[1], r[2], r[3]))
  for (s in names(r)) emit("exact_profile", s, r[s], paste0(an, " Mt"))
}

write_reference("indirect_rcapture")
