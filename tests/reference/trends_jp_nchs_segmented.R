# Reference numbers: R segmented on the NCHS all-drugs age-adjusted overdose death rate, 1999-2017
# (the NCHS Data Brief 329 period), log-linear model with 2 breakpoints, for
# tests/test_trends_nchs.py::test_data_brief_329_against_r_segmented.
# Run from the repository root:
#   R CMD BATCH --no-save --no-restore tests/reference/trends_jp_nchs_segmented.R tests/reference/trends_jp_nchs_segmented.Rout
#
# Series: PANEL == "All drug overdose deaths", age-adjusted UNIT, STUB_LABEL == "All persons",
# YEAR <= 2017 (19 rows); model lm(log(ESTIMATE) ~ YEAR), then segmented(seg.Z = ~YEAR, psi = c(2006, 2014))
# (continuous breakpoints estimated by Muggeo's algorithm, started at the Joinpoint locations).
# Statistics (analysis nchs_seg2): psi (level = breakpoint 1, 2), slope and apc = 100 (exp(slope) - 1)
# (level = segment 1..3, from segmented::slope with digits = 22), rss.

source("tests/reference/_helpers.R")
suppressPackageStartupMessages(library(segmented))
show_versions()

f <- data_file("nchs_overdose_rates",
               "Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv",
               "nchs_overdose_rates/Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv")
d <- read.csv(f, stringsAsFactors = FALSE)
d <- d[d$PANEL == "All drug overdose deaths" & grepl("age-adjusted", d$UNIT) & d$STUB_LABEL == "All persons" &
         d$YEAR <= 2017, ]
d <- d[order(d$YEAR), ]
stopifnot(nrow(d) == 19)
lin <- lm(log(ESTIMATE) ~ YEAR, data = d)
set.seed(20261130)
seg <- segmented(lin, seg.Z = ~YEAR, psi = c(2006, 2014), control = seg.control(seed = 12345))
print(summary(seg))
psi <- seg$psi[, "Est."]
sl <- slope(seg, digits = 22)$YEAR
print(sl, digits = 15)
for (i in 1:2) emit("nchs_seg2", "estimate", psi[i], variable = "psi", level = as.character(i))
for (i in 1:3) {
  emit("nchs_seg2", "estimate", sl[i, "Est."], variable = "slope", level = as.character(i))
  emit("nchs_seg2", "estimate", 100 * (exp(sl[i, "Est."]) - 1), variable = "apc", level = as.character(i))
}
emit("nchs_seg2", "estimate", sum(resid(seg)^2), variable = "rss")
write_reference("trends_jp_nchs_segmented")
