# Reference numbers for drugtrends.indirect heterogeneity models (issue 26), base R only.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/indirect_heterogeneity.R tests/reference/indirect_heterogeneity.Rout
#
# Rcapture (Baillargeon & Rivest 2007, J Stat Softw 19(5)) has no Debian package and CRAN is not
# reachable here, so its closedp.t models are written out with glm(family = poisson) as its
# documentation defines them (design columns on the 2^t - 1 observed histories, 1...1 first):
#   M0: intercept + number of captures w;  Mt: intercept + one 0/1 column per list;
#   Mh / Mth: M0 / Mt plus heterogeneity columns of w:
#     Chao (LB): (w - j + 1)+ for j = 3..t, every eta >= 0 (a negative eta's column is dropped,
#                the first negative first, and the model refitted; Rcapture's neg = TRUE);
#     Poisson2: 2^w - 1;  Darroch: w^2 / 2;  Gamma3.5: -log(3.5 + w) + log(3.5).
#   N = n + exp(b0), se = sqrt(exp(b0) + exp(2 b0) var(b0)), deviance, df.residual, AIC(glm).
# This script checks itself against numbers Rcapture's authors published (stopifnot below):
#   * Rivest (2011), Int J Biostat 7(1):23, as asserted in Rcapture's inst/tests/testPapersResults.R:
#     diabetes data of Bruno et al. (1994), interaction set c1:c3 + c2:c4 + c3:c4: no heterogeneity
#     N 2472 se 53 dev 21.97 df 7; LB 2588 / 75 / 3.13 / 6; Poisson2 2573 / 76 / 12.88 / 6;
#     Darroch 2752 / 133 / 8.32 / 6; Gamma3.5 2964 / 219 / 6.74 / 6;
#     R3 data of Darroch et al. (1993): c1:c2 + c2:c3 850 / 186 / 3.8 / 1; LB + c1:c2 681 / 78 / 3.45 / 1;
#     Darroch + c1:c2 1181.8 / 404.2;
#   * Rcapture's saved example output (tests/Examples/Rcapture-Ex.Rout.save), snowshoe hare data,
#     closedp.t(hare): the Mh models depend on the histories only through f_w (units caught w times:
#     25, 22, 13, 5, 1, 2), so their N and se are checked from f_w: Mh Chao 79.8 / 6.4,
#     Poisson2 81.5 / 5.7, Darroch 90.4 / 11.6, Gamma3.5 100.6 / 21.7; and M0 75.4 / 3.5.
# Tables whose every closedp.t model is emitted: HIV (Abeni et al. 1994, Rcapture data HIV),
# diabetes (Bruno et al. 1994), R3 (Darroch et al. 1993), Cormack, Chang & Smith (2000) Table 3b
# (three lists) and the trends report's illustrative three-list drug-use table (invented,
# drugtrends_reports/high_risk.py ILLUSTRATION_HISTORIES).

cat(R.version.string, "\n")
source("tests/reference/_helpers.R")

histpos <- function(k) as.matrix(expand.grid(rep(list(c(1, 0)), k))[, k:1])[-2^k, , drop = FALSE]

het_cols <- function(w, t, h) {
  if (h == "none") return(NULL)
  if (h == "Chao (LB)") return(sapply(3:t, function(j) pmax(w - j + 1, 0)))
  if (h == "Poisson2") return(cbind(2^w - 1))
  if (h == "Darroch") return(cbind(w^2 / 2))
  if (h == "Gamma3.5") return(cbind(-log(3.5 + w) + log(3.5)))
}

fit_het <- function(Y, H, base, h, inter = character(0)) {
  t <- ncol(H); w <- rowSums(H)
  X <- if (base %in% c("M0", "Mh")) cbind(w) else H
  for (tt in inter) {
    v <- as.integer(strsplit(tt, ":")[[1]])
    X <- cbind(X, H[, v[1]] * H[, v[2]])
  }
  q <- 0
  if (h != "none") { hc <- het_cols(w, t, h); q <- ncol(hc); X <- cbind(X, hc) }
  fit <- glm(Y ~ X, family = poisson, control = glm.control(epsilon = 1e-12, maxit = 100))
  if (h == "Chao (LB)") {
    repeat {
      eta <- tail(coef(fit), q)
      neg <- which(!is.na(eta) & eta < 0)
      if (!length(neg)) break
      X <- X[, -(ncol(X) - q + neg[1]), drop = FALSE]; q <- q - 1
      fit <- glm(Y ~ X, family = poisson, control = glm.control(epsilon = 1e-12, maxit = 100))
      if (q == 0) break
    }
  }
  b0 <- coef(fit)[1]
  b0 <- unname(b0)
  c(N = sum(Y) + exp(b0), se = sqrt(exp(b0) + exp(2 * b0) * vcov(fit)[1, 1]),
    deviance = deviance(fit), df = df.residual(fit), aic = AIC(fit))
}

MODELS <- list(c("M0", "none"), c("Mt", "none"),
               c("Mh", "Chao (LB)"), c("Mh", "Poisson2"), c("Mh", "Darroch"), c("Mh", "Gamma3.5"),
               c("Mth", "Chao (LB)"), c("Mth", "Poisson2"), c("Mth", "Darroch"), c("Mth", "Gamma3.5"))
mname <- function(m) if (m[2] == "none") m[1] else paste(m[1], m[2])

run_table <- function(an, Y, H) {
  cat("\n=====", an, ": n =", sum(Y), ", t =", ncol(H), "\n")
  for (m in MODELS) {
    r <- fit_het(Y, H, m[1], m[2])
    nm <- mname(m)
    cat(sprintf("%-15s N = %12.4f se = %10.4f dev = %9.4f df = %2d AIC = %9.4f\n",
                nm, r["N"], r["se"], r["deviance"], r["df"], r["aic"]))
    for (s in names(r)) emit(an, s, r[s], nm)
  }
}

H3 <- histpos(3); H4 <- histpos(4)
hiv <- c(0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205)
diabetes <- c(58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10)
darr3 <- c(72, 155, 7, 71, 13, 53, 43)
cormack3 <- c(72, 5, 29, 54, 24, 3, 14)
illustration <- c(62, 560, 115, 996, 56, 586, 300)

# ---- self-check against Rcapture's published numbers -------------------------------------
I <- c("1:3", "2:4", "3:4")
chk <- function(r, N, se, dev = NA, df = NA, dN = 0) {
  cat(sprintf("  check: N %.2f (published %s) se %.2f (%s) dev %.3f (%s) df %d (%s)\n",
              r["N"], N, r["se"], se, r["deviance"], dev, r["df"], df))
  stopifnot(abs(round(r["N"], dN) - N) < 1e-9, abs(round(r["se"], dN) - se) < 1e-9)
  if (!is.na(dev)) stopifnot(abs(round(r["deviance"], 2) - dev) < 1e-9, r["df"] == df)
}
cat("\nRivest (2011), diabetes, interaction set c1:c3 + c2:c4 + c3:c4\n")
chk(fit_het(diabetes, H4, "Mt", "none", I), 2472, 53, 21.97, 7)
chk(fit_het(diabetes, H4, "Mth", "Chao (LB)", I), 2588, 75, 3.13, 6)
chk(fit_het(diabetes, H4, "Mth", "Poisson2", I), 2573, 76, 12.88, 6)
chk(fit_het(diabetes, H4, "Mth", "Darroch", I), 2752, 133, 8.32, 6)
chk(fit_het(diabetes, H4, "Mth", "Gamma3.5", I), 2964, 219, 6.74, 6)
cat("Rivest (2011), R3 data of Darroch et al. (1993)\n")
r <- fit_het(darr3, H3, "Mt", "none", c("1:2", "2:3")); chk(r, 850, 186)
stopifnot(round(r["deviance"], 1) == 3.8, r["df"] == 1)
chk(fit_het(darr3, H3, "Mth", "Chao (LB)", "1:2"), 681, 78, 3.45, 1)
chk(fit_het(darr3, H3, "Mth", "Darroch", "1:2"), 1181.8, 404.2, dN = 1)
cat("Rcapture-Ex.Rout.save, closedp.t(hare), Mh models from f_w = 25, 22, 13, 5, 1, 2\n")
H6 <- histpos(6); w6 <- rowSums(H6); fw <- c(25, 22, 13, 5, 1, 2)
hare_f <- numeric(nrow(H6))
for (k in 1:6) hare_f[which(w6 == k)[1]] <- fw[k]  # any histories with these f_w give the same Mh N, se
chk(fit_het(hare_f, H6, "M0", "none"), 75.4, 3.5, dN = 1)
chk(fit_het(hare_f, H6, "Mh", "Chao (LB)"), 79.8, 6.4, dN = 1)
chk(fit_het(hare_f, H6, "Mh", "Poisson2"), 81.5, 5.7, dN = 1)
chk(fit_het(hare_f, H6, "Mh", "Darroch"), 90.4, 11.6, dN = 1)
chk(fit_het(hare_f, H6, "Mh", "Gamma3.5"), 100.6, 21.7, dN = 1)
for (m in MODELS[c(1, 3:6)]) {
  r <- fit_het(hare_f, H6, m[1], m[2])
  emit("het_hare_f", "N", r["N"], mname(m)); emit("het_hare_f", "se", r["se"], mname(m))
}

# ---- every closedp.t model on five tables ------------------------------------------------
run_table("het_hiv", hiv, H4)
run_table("het_diabetes", diabetes, H4)
run_table("het_darr3", darr3, H3)
run_table("het_cormack3", cormack3, H3)
run_table("het_illustration", illustration, H3)

# ---- Mth + interactions (Rivest 2011) ----------------------------------------------------
for (h in c("none", "Chao (LB)", "Poisson2", "Darroch", "Gamma3.5")) {
  r <- fit_het(diabetes, H4, if (h == "none") "Mt" else "Mth", h, I)
  nm <- if (h == "none") "c1:c3 + c2:c4 + c3:c4" else paste("Mth", h, "+ c1:c3 + c2:c4 + c3:c4")
  for (s in names(r)) emit("het_diabetes_I", s, r[s], nm)
}
r <- fit_het(darr3, H3, "Mth", "Chao (LB)", "1:2"); for (s in names(r)) emit("het_darr3_I", s, r[s], "Mth Chao (LB) + c1:c2")
r <- fit_het(darr3, H3, "Mth", "Darroch", "1:2"); for (s in names(r)) emit("het_darr3_I", s, r[s], "Mth Darroch + c1:c2")

write_reference("indirect_heterogeneity")
