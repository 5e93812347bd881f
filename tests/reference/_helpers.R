# Shared helpers for the reference scripts (sourced, not run on its own).
#
# Run every script from the repository root, e.g.
#   R CMD BATCH --no-save --no-restore tests/reference/survey_nhanes.R tests/reference/survey_nhanes.Rout
# Data are resolved as $DRUGTRENDS_DATA/<id>/<file>, else data/raw/<id>/<file>,
# else the read-only mirror ../shared/data/<mirror path>.

suppressPackageStartupMessages({
  library(survey)
})

data_file <- function(id, file, mirror) {
  cands <- character(0)
  env <- Sys.getenv("DRUGTRENDS_DATA", "")
  if (nzchar(env)) cands <- c(cands, file.path(env, id, file))
  cands <- c(cands, file.path("data/raw", id, file), file.path("../shared/data", mirror))
  hit <- cands[file.exists(cands)]
  if (!length(hit)) stop("data file not found; tried: ", paste(cands, collapse = ", "))
  message("reading ", hit[1])
  hit[1]
}

# ---- rows accumulator -------------------------------------------------------
.rows <- new.env()
.rows$list <- list()

fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

emit <- function(analysis, statistic, value, variable = "", domain = "", level = "",
                 allow_na = FALSE) {
  value <- as.numeric(value)
  if (length(value) != 1) stop("emit: value must be length 1 (", analysis, "/", statistic, ")")
  if (!allow_na && !is.finite(value)) {
    stop("emit: non-finite value for ", analysis, " ", variable, " ", domain, " ", statistic)
  }
  .rows$list[[length(.rows$list) + 1]] <- data.frame(
    analysis = analysis, variable = variable, domain = domain, level = level,
    statistic = statistic, value = fmt(value), stringsAsFactors = FALSE)
  invisible(NULL)
}

write_reference <- function(name) {
  out <- do.call(rbind, .rows$list)
  key <- paste(out$analysis, out$variable, out$domain, out$level, out$statistic, sep = "|")
  if (anyDuplicated(key)) stop("duplicate reference keys: ", paste(key[duplicated(key)], collapse = "; "))
  path <- file.path("tests/reference", paste0(name, ".csv"))
  write.csv(out, path, row.names = FALSE, quote = 1:5, na = "")
  cat(sprintf("\nwrote %s: %d rows, %d analyses\n", path, nrow(out), length(unique(out$analysis))))
  invisible(out)
}

# domain string "k1=v1&k2=v2" from a data.frame row of by-variables
dom_string <- function(bydf, i) {
  paste(paste0(names(bydf), "=", vapply(bydf, function(col) as.character(col[i]), "")), collapse = "&")
}

# emit estimate / se / deff (and optional ci with df) for a svystat
emit_svystat <- function(analysis, st, domain = "", level_map = NULL, variable_map = NULL,
                         df = NULL, stats = c("estimate", "se")) {
  est <- coef(st)
  se <- SE(st)
  dff <- if ("deff" %in% stats) deff(st) else NULL
  if (!is.null(df)) ci <- confint(st, df = df)
  for (j in seq_along(est)) {
    nm <- names(est)[j]
    v <- if (!is.null(variable_map)) variable_map[[j]] else nm
    lv <- if (!is.null(level_map)) level_map[[j]] else ""
    emit(analysis, "estimate", est[j], v, domain, lv)
    emit(analysis, "se", se[j], v, domain, lv)
    if (!is.null(dff)) emit(analysis, "deff", if (is.matrix(dff)) diag(dff)[j] else dff[j], v, domain, lv)
    if (!is.null(df)) {
      emit(analysis, "ci_low", ci[j, 1], v, domain, lv)
      emit(analysis, "ci_high", ci[j, 2], v, domain, lv)
    }
  }
}

# emit a svyby result for a single numeric outcome `var`
emit_svyby <- function(analysis, res, var, byvars, deff = TRUE, df = NULL, n = NULL) {
  bydf <- as.data.frame(res)[, byvars, drop = FALSE]
  est <- coef(res)
  se <- SE(res)
  dd <- if (deff) deff(res) else NULL
  if (!is.null(df)) ci <- confint(res, df = df)
  for (i in seq_len(nrow(bydf))) {
    dom <- dom_string(bydf, i)
    emit(analysis, "estimate", est[i], var, dom)
    emit(analysis, "se", se[i], var, dom)
    if (deff) emit(analysis, "deff", dd[i], var, dom)
    if (!is.null(df)) {
      emit(analysis, "ci_low", ci[i, 1], var, dom)
      emit(analysis, "ci_high", ci[i, 2], var, dom)
      emit(analysis, "df", df, var, dom)
    }
    if (!is.null(n)) emit(analysis, "n", n[[dom]], var, dom)
  }
}

# unweighted n (non-missing outcome) by domain, keyed by domain string
n_by <- function(data, var, byvars) {
  ok <- !is.na(data[[var]])
  for (b in byvars) ok <- ok & !is.na(data[[b]])
  sub <- data[ok, byvars, drop = FALSE]
  keys <- apply(sub, 1, function(r) paste(paste0(byvars, "=", trimws(r)), collapse = "&"))
  as.list(table(keys))
}

# ---- NHANES 2009-2012 analysis frame (contract in docs/ARCHITECTURE.md) ----
nhanes_frame <- function() {
  f <- data_file("nhanes_2009_2012", "NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv")
  d <- read.csv(f, na.strings = "", stringsAsFactors = FALSE)
  yn <- function(x) ifelse(x == "Yes", 1, ifelse(x == "No", 0, NA_real_))
  d$wt <- d$WTINT2YR / 2
  d$mj <- yn(d$Marijuana)
  d$regmj <- yn(d$RegularMarij)
  d$hd <- yn(d$HardDrugs)
  d$age_band <- cut(d$Age, breaks = c(18, 30, 40, 50, 60), right = FALSE,
                    labels = c("18-29", "30-39", "40-49", "50-59"))
  d$female <- as.numeric(d$Gender == "female")
  d$age50 <- as.numeric(d$Age >= 50)
  d$college <- ifelse(is.na(d$Education), NA_real_, as.numeric(d$Education == "College Grad"))
  d$SurveyYr <- factor(d$SurveyYr, levels = c("2009_10", "2011_12"))
  d$Gender <- factor(d$Gender, levels = c("female", "male"))
  d$Race1 <- factor(d$Race1, levels = c("Black", "Hispanic", "Mexican", "Other", "White"))
  d$Education <- factor(d$Education, levels = c("8th Grade", "9 - 11th Grade", "High School",
                                                "Some College", "College Grad"))
  d$cycle01 <- as.numeric(d$SurveyYr == "2011_12")
  d
}

nhanes_design <- function(d) {
  svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~wt, nest = TRUE, data = d)
}

show_versions <- function() {
  cat("R:", R.version.string, "\n")
  cat("survey:", as.character(packageVersion("survey")), "\n")
  if (requireNamespace("segmented", quietly = TRUE))
    cat("segmented:", as.character(packageVersion("segmented")), "\n")
}
