"""The names of the statistical methods, recorded in every result so a report can say what was done."""

from enum import StrEnum


class Method(StrEnum):
    """The statistical method behind a result, recorded so a report can name it."""

    WILSON = "wilson_score"
    NEWCOMBE_HYBRID_SCORE = "newcombe_hybrid_score"
    KATZ_LOG = "katz_log"
    FISHER_EXACT = "fisher_exact_two_sided"
    PEARSON_CHI_SQUARE = "pearson_chi_square_without_continuity_correction"
    PEARSON_GOODNESS_OF_FIT = "pearson_chi_square_goodness_of_fit"
    BENJAMINI_HOCHBERG = "benjamini_hochberg"
    TOST_KATZ_LOG = "two_one_sided_tests_katz_log_ratio"
    TOST_NEWCOMBE = "two_one_sided_tests_newcombe_difference"
    ARCSINE_NORMAL = "normal_approximation_arcsine"
    NORMAL_TOST = "normal_approximation_two_one_sided_tests"
    BOOTSTRAP_PERCENTILE = "stratified_multinomial_bootstrap_percentile"
