# R survey baseline for bench/run.py: svyby(~outcomes, ~by, design, svymean) for each
# domain set, timed one by one (design built once, not timed). Design effects are not
# requested: with 45 outcomes in one call, svyby(..., svymean, deff = TRUE) had not
# finished the first domain set after 2 minutes on 60,000 rows (tried 2026-11-23), so
# R computes less than drugtrends, whose timing includes its design effects.
# Usage: Rscript bench/r_svyby.R data.csv results.csv "year;year+sex;..." "y1,y2,..."
# Prints one line per set "TIME <set> <seconds>" and writes the estimates and SEs to
# results.csv (columns by_set, key, variable, estimate, se).
suppressPackageStartupMessages({
  library(survey)
  library(data.table)
})
args <- commandArgs(trailingOnly = TRUE)
data_path <- args[1]; out_path <- args[2]
sets <- strsplit(args[3], ";", fixed = TRUE)[[1]]
outcomes <- strsplit(args[4], ",", fixed = TRUE)[[1]]
cat("R", R.version$major, ".", R.version$minor, " survey ", as.character(packageVersion("survey")), "\n", sep = "")
d <- as.data.frame(fread(data_path))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
f <- as.formula(paste("~", paste(outcomes, collapse = " + ")))
out <- list()
for (s in sets) {
  byv <- strsplit(s, "+", fixed = TRUE)[[1]]
  t0 <- proc.time()[["elapsed"]]
  r <- svyby(f, as.formula(paste("~", paste(byv, collapse = " + "))), des, svymean,
             keep.var = TRUE)
  el <- proc.time()[["elapsed"]] - t0
  cat("TIME", s, sprintf("%.4f", el), "\n")
  key <- do.call(paste, c(lapply(byv, function(b) paste0(b, "=", r[[b]])), sep = "&"))
  k <- length(outcomes)
  est <- matrix(coef(r), ncol = k, byrow = FALSE)
  se <- matrix(as.matrix(SE(r)), ncol = k)
  for (j in seq_len(k)) {
    out[[length(out) + 1]] <- data.frame(by_set = s, key = key, variable = outcomes[j],
                                         estimate = est[, j], se = se[, j])
  }
}
res <- do.call(rbind, out)
fwrite(res, out_path)
cat("DONE\n")
