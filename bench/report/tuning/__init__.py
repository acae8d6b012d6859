"""The tuning section: how the test score of the chosen config moves with the search budget, per model."""

from bench.report.tuning.section import tuning_section

__all__ = ["tuning_section"]
