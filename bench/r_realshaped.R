# R survey baseline for bench/realshaped.py (issue 27): the everyday call on data read
# from CSV as a user would, (1) integer outcomes: one svyby(~45 outcomes, ~year + sex);
# (2) the same outcomes with 5 % missing values: one svyby per outcome with na.rm = TRUE
# (how a user gets per-variable estimates with item non-response); (3) an 80-replicate
# BRR design (svrepdesign, combined weights = weight x factor) + svyby on the integer file.
# Design construction is not timed. Usage:
#   Rscript bench/r_realshaped.R int.csv nan.csv factors.csv results.csv "y1,y2,..." [skip_nan]
# Prints "TIME <case> <seconds>"; writes case, key, variable, estimate, se.
suppressPackageStartupMessages({
  library(survey)
  library(data.table)
})
args <- commandArgs(trailingOnly = TRUE)
outcomes <- strsplit(args[5], ",", fixed = TRUE)[[1]]
skip_nan <- length(args) >= 6 && args[6] == "skip_nan"
cat("R", R.version$major, ".", R.version$minor, " survey ", as.character(packageVersion("survey")), "\n", sep = "")
out <- list()
keep <- function(r, label, vars) {
  key <- paste0("year=", r$year, "&sex=", r$sex)
  k <- length(vars)
  est <- matrix(coef(r), ncol = k, byrow = FALSE)
  se <- matrix(as.matrix(SE(r)), ncol = k)
  for (j in seq_len(k)) {
    out[[length(out) + 1]] <<- data.frame(case = label, key = key, variable = vars[j],
                                          estimate = est[, j], se = se[, j])
  }
}
timed <- function(label, expr) {
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  cat("TIME", label, sprintf("%.4f", proc.time()[["elapsed"]] - t0), "\n")
  flush.console()
}
f <- as.formula(paste("~", paste(outcomes, collapse = " + ")))
d <- as.data.frame(fread(args[1]))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
timed("int64", {r <- svyby(f, ~year + sex, des, svymean, keep.var = TRUE); keep(r, "int64", outcomes)})
if (!skip_nan) {
  dn <- as.data.frame(fread(args[2]))
  desn <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = dn)
  timed("nan", {
    for (v in outcomes) {
      r <- svyby(as.formula(paste("~", v)), ~year + sex, desn, svymean, keep.var = TRUE, na.rm = TRUE)
      keep(r, "nan", v)
    }
  })
  rm(desn, dn); gc(verbose = FALSE)
}
fac <- as.data.frame(fread(args[3]))
idx <- match(paste(d$stratum, d$psu), paste(fac$stratum, fac$psu))
repcols <- grep("^r[0-9]+$", names(fac), value = TRUE)
rw <- as.matrix(fac[idx, repcols]) * d$weight
rdes <- svrepdesign(data = d, weights = ~weight, repweights = rw, type = "BRR", combined.weights = TRUE)
timed("brr80", {r <- svyby(f, ~year + sex, rdes, svymean, keep.var = TRUE); keep(r, "brr80", outcomes)})
fwrite(do.call(rbind, out), args[4])
cat("DONE\n")
