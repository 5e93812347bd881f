# Reference numbers: NHANES II validation extracts (Stata survey manual data, via samplics).
# Taylor linearisation on nhanes2.csv, replicate weights (BRR, jackknife) on the subsets,
# and a deterministic JKn replicate design built from nhanes2.csv.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/survey_nhanes2.R tests/reference/survey_nhanes2.Rout

source("tests/reference/_helpers.R")
show_versions()
options(survey.lonely.psu = "fail")

n2 <- read.csv(data_file("nhanes2_validation", "nhanes2.csv", "validation/nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = n2)
DF <- degf(des)
cat("rows:", nrow(n2), " degf:", DF, "\n")
emit("design", "df", DF)
emit("design", "n", nrow(n2))

# ---- Taylor ---------------------------------------------------------------------
m <- svymean(~zinc, des, na.rm = TRUE, deff = TRUE); print(m)
emit_svystat("mean_zinc", m, stats = c("estimate", "se", "deff"), df = DF)
emit("mean_zinc", "n", sum(!is.na(n2$zinc)), "zinc")
m <- svymean(~highbp, des, deff = TRUE); print(m)
emit_svystat("mean_highbp", m, stats = c("estimate", "se", "deff"), df = DF)
t <- svytotal(~highbp, des, deff = TRUE); print(t)
emit_svystat("total_highbp", t, stats = c("estimate", "se", "deff"))

b <- svyby(~highbp, ~race, des, svymean, deff = TRUE); print(b)
emit_svyby("mean_highbp_by_race", b, "highbp", "race", deff = TRUE, df = DF, n = n_by(n2, "highbp", "race"))
b <- svyby(~zinc, ~region, des, svymean, na.rm = TRUE, deff = TRUE); print(b)
emit_svyby("mean_zinc_by_region", b, "zinc", "region", deff = TRUE, df = DF, n = n_by(n2, "zinc", "region"))

g <- svyglm(highbp ~ factor(race) + factor(region), design = des, family = quasibinomial())
sg <- summary(g); print(sg)
cf <- coef(sg)
for (term in rownames(cf)) {
  emit("glm_highbp", "coef", cf[term, 1], term)
  emit("glm_highbp", "se", cf[term, 2], term)
  emit("glm_highbp", "t", cf[term, 3], term)
  emit("glm_highbp", "p", cf[term, 4], term)
}
emit("glm_highbp", "df_residual", g$df.residual)

# ---- BRR (nhanes2brr_subset.csv: 32 replicate columns brr_1..brr_32, already
# Hadamard-perturbed: each replicate weight is 0 or 2 * finalwgt) -------------------
brr <- read.csv(data_file("nhanes2_validation", "nhanes2brr_subset.csv", "validation/nhanes2brr_subset.csv"))
for (mse in c(FALSE, TRUE)) {
  rd <- svrepdesign(weights = ~finalwgt, repweights = "brr_[0-9]+", type = "BRR",
                    data = brr, combined.weights = TRUE, mse = mse)
  an <- if (mse) "brr_mse" else "brr"
  print(rd)
  mm <- svymean(~height + weight, rd); print(mm)
  tt <- svytotal(~height + weight, rd); print(tt)
  for (v in c("height", "weight")) {
    emit(paste0(an, "_mean"), "estimate", coef(mm)[v], v)
    emit(paste0(an, "_mean"), "se", SE(mm)[match(v, names(coef(mm)))], v)
    emit(paste0(an, "_total"), "estimate", coef(tt)[v], v)
    emit(paste0(an, "_total"), "se", SE(tt)[match(v, names(coef(tt)))], v)
  }
  emit(paste0(an, "_mean"), "df", degf(rd))
  emit(paste0(an, "_mean"), "cov", vcov(mm)["height", "weight"], "height:weight")
}
# Fay's BRR is not computed: the file holds ordinary BRR (0 / 2) replicates, and
# type = "Fay" with rho = 0.3 on them would be an invalid combination.

# ---- Jackknife (nhanes2jk_subset.csv: 62 replicate columns jkw_1..jkw_62) ---------
# Structure checked below: every replicate sets the weights of one PSU to 0 and doubles
# the weights of the other PSU of its stratum (31 strata x 2 PSUs): a stratified
# delete-one-PSU jackknife, i.e. JKn with rscales = (n_h - 1) / n_h = 1/2, scale = 1.
# Variant "jk1": the same replicates treated as unstratified JK1, scale = (R - 1) / R
# = 61/62 (what Stata's jkrweight() uses when no stratum() is given; NOT the right
# multiplier for these weights, kept to document the difference).
jk <- read.csv(data_file("nhanes2_validation", "nhanes2jk_subset.csv", "validation/nhanes2jk_subset.csv"))
rc <- grep("^jkw_[0-9]+$", names(jk))
ratio <- as.matrix(jk[, rc]) / jk$finalwgt
stopifnot(all(abs(ratio - round(ratio)) < 1e-9), all(round(ratio) %in% c(0, 1, 2)),
          all(rowSums(round(ratio) == 0) == 1))
R <- length(rc)
cat("jackknife replicates:", R, "\n")
jk_specs <- list(
  jkn = list(type = "JKn", scale = 1, rscales = rep(0.5, R)),
  jk1 = list(type = "JK1", scale = (R - 1) / R, rscales = rep(1, R)))
for (an in names(jk_specs)) {
  for (mse in c(FALSE, TRUE)) {
    s <- jk_specs[[an]]
    rd <- svrepdesign(weights = ~finalwgt, repweights = "jkw_[0-9]+", type = s$type,
                      scale = s$scale, rscales = s$rscales, data = jk,
                      combined.weights = TRUE, mse = mse)
    mm <- svymean(~height + weight, rd); print(mm)
    nm <- paste0("jk_", an, if (mse) "_mse" else "", "_mean")
    for (v in c("height", "weight")) {
      emit(nm, "estimate", coef(mm)[v], v)
      emit(nm, "se", SE(mm)[match(v, names(coef(mm)))], v)
    }
    emit(nm, "df", degf(rd))
  }
}

# ---- JKn built from nhanes2.csv by as.svrepdesign (deterministic) -----------------
# as.svrepdesign(des, type = "JKn"): one replicate per PSU (62 = 31 strata x 2 PSUs).
# Replicate for PSU j of stratum h: weights of PSU j set to 0, weights of the other
# PSUs of stratum h multiplied by n_h / (n_h - 1) = 2, other strata unchanged;
# rscales = (n_h - 1) / n_h = 0.5, scale = 1; variance = sum_r rscale_r (theta_r - centre)^2
# with mse = getOption("survey.replicates.mse") = FALSE, i.e. centre = MEAN of the replicate
# estimates (not the full-sample estimate; mse = TRUE would use the full-sample estimate).
rdes <- as.svrepdesign(des, type = "JKn")
print(rdes)
emit("jkn_design", "replicates", ncol(rdes$repweights$weights))
emit("jkn_design", "mse", as.numeric(isTRUE(rdes$mse)))
m <- svymean(~zinc, rdes, na.rm = TRUE); print(m)
emit("jkn_mean_zinc", "estimate", coef(m), "zinc")
emit("jkn_mean_zinc", "se", SE(m), "zinc")
m <- svymean(~highbp, rdes); print(m)
emit("jkn_mean_highbp", "estimate", coef(m), "highbp")
emit("jkn_mean_highbp", "se", SE(m), "highbp")
emit("jkn_mean_highbp", "df", degf(rdes), "highbp")

write_reference("survey_nhanes2")
