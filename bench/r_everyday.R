# R survey baseline for bench/everyday.py: the everyday call, one svyby per domain set
# (Taylor design), then the same with a replicate-weight design (svrepdesign, BRR, combined
# weights = weight x factor from the factors table). Design construction is not timed.
# Usage: Rscript bench/r_everyday.R data.csv factors.csv results.csv "year+sex;year+age" "y1,y2,..." "year+sex"
# Prints "TIME <design> <set> <seconds>" lines; writes by_set, design, key, variable, estimate, se.
suppressPackageStartupMessages({
  library(survey)
  library(data.table)
})
args <- commandArgs(trailingOnly = TRUE)
d <- as.data.frame(fread(args[1]))
fac <- as.data.frame(fread(args[2]))
out_path <- args[3]
sets <- strsplit(args[4], ";", fixed = TRUE)[[1]]
outcomes <- strsplit(args[5], ",", fixed = TRUE)[[1]]
rep_sets <- strsplit(args[6], ";", fixed = TRUE)[[1]]
cat("R", R.version$major, ".", R.version$minor, " survey ", as.character(packageVersion("survey")), "\n", sep = "")
f <- as.formula(paste("~", paste(outcomes, collapse = " + ")))
out <- list()
run <- function(des, label, s) {
  byv <- strsplit(s, "+", fixed = TRUE)[[1]]
  t0 <- proc.time()[["elapsed"]]
  r <- svyby(f, as.formula(paste("~", paste(byv, collapse = " + "))), des, svymean, keep.var = TRUE)
  el <- proc.time()[["elapsed"]] - t0
  cat("TIME", label, s, sprintf("%.4f", el), "\n")
  key <- do.call(paste, c(lapply(byv, function(b) paste0(b, "=", r[[b]])), sep = "&"))
  k <- length(outcomes)
  est <- matrix(coef(r), ncol = k, byrow = FALSE)
  se <- matrix(as.matrix(SE(r)), ncol = k)
  for (j in seq_len(k)) {
    out[[length(out) + 1]] <<- data.frame(by_set = s, design = label, key = key, variable = outcomes[j],
                                          estimate = est[, j], se = se[, j])
  }
}
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
for (s in sets) run(des, "taylor", s)
rm(des); gc(verbose = FALSE)
idx <- match(paste(d$stratum, d$psu), paste(fac$stratum, fac$psu))
repcols <- grep("^r[0-9]+$", names(fac), value = TRUE)
rw <- as.matrix(fac[idx, repcols]) * d$weight
rdes <- svrepdesign(data = d, weights = ~weight, repweights = rw, type = "BRR", combined.weights = TRUE)
for (s in rep_sets) run(rdes, "replicate", s)
fwrite(do.call(rbind, out), out_path)
cat("DONE\n")
