# Reference numbers for drugtrends.indirect (issue 18), computed with base R only.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/indirect_capture_recapture.R tests/reference/indirect_capture_recapture.Rout
#
# Rcapture has no Debian package here, so its method is re-implemented with base R:
#  * log-linear models: glm(Y ~ design, family = poisson) on the 2^k - 1 observed capture
#    histories (Rcapture's histpos.t order, 1...1 first), 0/1 dummies per list and products for
#    interactions; N = n + exp(intercept); se = sqrt(exp(b0) + exp(2 b0) var(b0)) (Rcapture's
#    Poisson standard error); deviance, df.residual, AIC(fit), BIC(fit) (nobs = number of cells).
#  * profile-likelihood CI (Cormack 1992; Rcapture profileCI/closedpCI.t): refit the model on the
#    table completed with n0 unobserved (design row of zeros, intercept 1); multinomial profile
#    log-likelihood lgamma(N+1) - lgamma(n0+1) + sum(y log(mu / N)); maximised with optimize(),
#    bounds solved with uniroot() at max - qchisq(0.95, 1) / 2 (n0 continuous).
#  * Chapman / Lincoln-Petersen with Seber's variances, Chao (1987) log-normal CI; multipliers by
#    the delta method on the log scale and inverse-variance combination; all by hand formulas.
# Tables:
#  hiv    : Abeni, Brancato & Perucci (1994), Epidemiology 5:410-414, HIV cases in Rome from four
#           reporting centres, as shipped in Rcapture's data set HIV (counts below; margins
#           n_i = 466, 630, 693, 236 and f_i = 1774, 115, 7, 0 as Rcapture's descriptive() prints).
#  seber  : Seber (1982, p. 107), two samples: 167 in both, 781 first only, 254 second only.
#  indep  : noise-free, three independent lists, N = 10,000, p = (0.5, 0.2, 0.4).
#  depab  : noise-free, N = 10,000, P(A,B) = (11: .2, 10: .2, 01: .1, 00: .5) (odds ratio 5),
#           C independent with p = 0.4.
#  strata : the indep table (stratum s1) and the depab table (stratum s2), independence model each.

source("tests/reference/_helpers.R")
cat(R.version.string, "\n")

histpos <- function(k) as.matrix(expand.grid(rep(list(c(1, 0)), k))[, k:1])[-2^k, , drop = FALSE]

design <- function(H, terms) {
  X <- H
  colnames(X) <- LISTS <- colnames(H)
  for (t in terms) {
    v <- strsplit(t, ":")[[1]]
    X <- cbind(X, apply(H[, v, drop = FALSE], 1, prod))
    colnames(X)[ncol(X)] <- t
  }
  X
}

two_way_models <- function(lists) {
  pairs <- combn(lists, 2, paste, collapse = ":")
  out <- list(character(0))
  for (r in seq_along(pairs)) out <- c(out, combn(pairs, r, simplify = FALSE))
  out
}

model_name <- function(terms) if (length(terms)) paste(terms, collapse = " + ") else "independence"

profile_ci <- function(Y, X, level = 0.95) {
  n <- sum(Y)
  Xc <- rbind(X, 0)
  ll <- function(n0) {
    yc <- c(Y, n0)
    fit <- suppressWarnings(glm(yc ~ Xc, family = poisson, control = glm.control(epsilon = 1e-12, maxit = 100)))
    mu <- fitted(fit)
    N <- n + n0
    lgamma(N + 1) - lgamma(n0 + 1) + sum(ifelse(yc > 0, yc * log(mu / N), 0))
  }
  f0 <- exp(coef(glm(Y ~ X, family = poisson))[1])
  opt <- optimize(ll, c(0, max(4 * f0, f0 + 20)), maximum = TRUE, tol = 1e-8)
  cut <- opt$objective - qchisq(level, 1) / 2
  g <- function(n0) ll(n0) - cut
  low <- if (g(0) >= 0) n else n + uniroot(g, c(0, opt$maximum), tol = 1e-9)$root
  hi <- max(2 * opt$maximum, opt$maximum + 10)
  while (g(hi) > 0) hi <- 2 * hi
  high <- n + uniroot(g, c(opt$maximum, hi), tol = 1e-9)$root
  c(n_profile = n + opt$maximum, ci_low = low, ci_high = high)
}

fit_models <- function(an, Y, H, models, profile = character(0)) {
  cat("\n=====", an, ": n =", sum(Y), "\n")
  for (terms in models) {
    X <- design(H, terms)
    fit <- glm(Y ~ X, family = poisson, control = glm.control(epsilon = 1e-12, maxit = 100))
    b0 <- coef(fit)[1]
    v0 <- vcov(fit)[1, 1]
    nm <- model_name(terms)
    N <- sum(Y) + exp(b0)
    se <- sqrt(exp(b0) + exp(2 * b0) * v0)
    cat(sprintf("%-45s N = %12.4f se = %10.4f dev = %9.4f df = %2d AIC = %9.4f BIC = %9.4f\n",
                nm, N, se, deviance(fit), df.residual(fit), AIC(fit), BIC(fit)))
    emit(an, "N", N, nm)
    emit(an, "se", se, nm)
    emit(an, "deviance", deviance(fit), nm)
    emit(an, "df", df.residual(fit), nm)
    emit(an, "aic", AIC(fit), nm)
    emit(an, "bic", BIC(fit), nm)
    if (nm %in% profile) {
      pc <- profile_ci(Y, X)
      cat(sprintf("%-45s profile: N_multinomial = %.4f, 95%% CI %.4f to %.4f\n", "", pc[1], pc[2], pc[3]))
      emit(an, "n_profile", pc[1], nm)
      emit(an, "ci_low", pc[2], nm)
      emit(an, "ci_high", pc[3], nm)
    }
  }
}

# ---- HIV, Rome (Abeni et al. 1994; Rcapture data HIV) ------------------------------------
H4 <- histpos(4)
colnames(H4) <- c("c1", "c2", "c3", "c4")
# counts by history, in histpos order (c1 c2 c3 c4 = 1111, 1110, 1101, 1100, 1011, ...)
hiv <- c(0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205)
print(cbind(H4, freq = hiv))
cat("n_i =", colSums(H4 * hiv), " f_i =", tapply(hiv, rowSums(H4), sum)[as.character(1:4)], "\n")
stopifnot(all(colSums(H4 * hiv) == c(466, 630, 693, 236)))
fit_models("cr_hiv", hiv, H4, two_way_models(colnames(H4)),
           profile = c("independence", "c1:c2", "c1:c2 + c1:c3 + c1:c4 + c2:c3 + c2:c4 + c3:c4"))

# ---- Seber (1982) p. 107, two lists ------------------------------------------------------
H2 <- histpos(2)
colnames(H2) <- c("A", "B")
seber <- c(167, 781, 254)
fit_models("cr_seber", seber, H2, list(character(0)), profile = "independence")

# ---- noise-free three-list tables, N = 10,000 --------------------------------------------
H3 <- histpos(3)
colnames(H3) <- c("A", "B", "C")
pr <- function(h, p) prod(ifelse(h == 1, p, 1 - p))
indep <- 10000 * apply(H3, 1, pr, p = c(0.5, 0.2, 0.4))
pab <- c("11" = 0.2, "10" = 0.2, "01" = 0.1, "00" = 0.5)
depab <- 10000 * pab[paste0(H3[, 1], H3[, 2])] * ifelse(H3[, 3] == 1, 0.4, 0.6)
print(cbind(H3, indep = indep, depab = depab))
fit_models("cr_indep", indep, H3, two_way_models(colnames(H3)), profile = "independence")
fit_models("cr_depab", depab, H3, two_way_models(colnames(H3)), profile = "A:B")

# ---- two-list estimators by hand ---------------------------------------------------------
z <- qnorm(0.975)
lognormal_ci <- function(n, N, v) {
  f0 <- N - n
  C <- exp(z * sqrt(log(1 + v / f0^2)))
  c(n + f0 / C, n + f0 * C)
}
for (case in list(c(500, 400, 100), c(948, 421, 167), c(30, 25, 0))) {
  n1 <- case[1]; n2 <- case[2]; m <- case[3]
  lab <- sprintf("n1=%d&n2=%d&m=%d", n1, n2, m)
  N <- (n1 + 1) * (n2 + 1) / (m + 1) - 1
  v <- (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1)^2 * (m + 2))
  ci <- lognormal_ci(n1 + n2 - m, N, v)
  cat(sprintf("chapman %s: N = %.6f se = %.6f lognormal CI %.6f to %.6f; normal CI %.6f to %.6f\n",
              lab, N, sqrt(v), ci[1], ci[2], N - z * sqrt(v), N + z * sqrt(v)))
  emit("chapman", "N", N, domain = lab)
  emit("chapman", "se", sqrt(v), domain = lab)
  emit("chapman", "ci_low", ci[1], domain = lab)
  emit("chapman", "ci_high", ci[2], domain = lab)
  emit("chapman", "ci_low_normal", N - z * sqrt(v), domain = lab)
  emit("chapman", "ci_high_normal", N + z * sqrt(v), domain = lab)
  if (m > 0) {
    N <- n1 * n2 / m
    v <- n1 * n2 * (n1 - m) * (n2 - m) / m^3
    ci <- lognormal_ci(n1 + n2 - m, N, v)
    cat(sprintf("lincoln_petersen %s: N = %.6f se = %.6f lognormal CI %.6f to %.6f\n", lab, N, sqrt(v), ci[1], ci[2]))
    emit("lincoln_petersen", "N", N, domain = lab)
    emit("lincoln_petersen", "se", sqrt(v), domain = lab)
    emit("lincoln_petersen", "ci_low", ci[1], domain = lab)
    emit("lincoln_petersen", "ci_high", ci[2], domain = lab)
  }
}

# ---- multipliers by hand -----------------------------------------------------------------
# two benchmarks: 12,000 in treatment, 25% (SE 2.5 points) of the population in treatment;
# 300 deaths, a death rate of 0.66% (SE 0.1 points). Delta method on log scale, inverse-variance.
B <- c(12000, 300); P <- c(0.25, 0.0066); SE <- c(0.025, 0.001)
Nb <- B / P; sl <- SE / P
w <- 1 / sl^2
est <- sum(w * log(Nb)) / sum(w); se <- 1 / sqrt(sum(w)); Q <- sum(w * (log(Nb) - est)^2)
cat(sprintf("multiplier: N = %s; se_log = %s; combined %.6f (%.6f to %.6f), Q = %.6f, p = %.6f\n",
            paste(round(Nb, 4), collapse = ", "), paste(round(sl, 6), collapse = ", "), exp(est),
            exp(est - z * se), exp(est + z * se), Q, pchisq(Q, 1, lower.tail = FALSE)))
for (i in 1:2) {
  emit("multiplier", "N", Nb[i], level = as.character(i))
  emit("multiplier", "ci_low", Nb[i] * exp(-z * sl[i]), level = as.character(i))
  emit("multiplier", "ci_high", Nb[i] * exp(z * sl[i]), level = as.character(i))
}
emit("multiplier", "N", exp(est), level = "combined")
emit("multiplier", "ci_low", exp(est - z * se), level = "combined")
emit("multiplier", "ci_high", exp(est + z * se), level = "combined")
emit("multiplier", "q", Q, level = "combined")
emit("multiplier", "q_p", pchisq(Q, 1, lower.tail = FALSE), level = "combined")
# one benchmark with a proportion interval and a benchmark interval: delta on log scale
sl2 <- sqrt((log(0.3 / 0.2) / (2 * z))^2 + (log(13000 / 11000) / (2 * z))^2)
emit("multiplier_both", "ci_low", 48000 * exp(-z * sl2))
emit("multiplier_both", "ci_high", 48000 * exp(z * sl2))
cat(sprintf("multiplier 12000 [11000, 13000] / 0.25 [0.2, 0.3]: %.6f to %.6f\n",
            48000 * exp(-z * sl2), 48000 * exp(z * sl2)))

write_reference("indirect_capture_recapture")
