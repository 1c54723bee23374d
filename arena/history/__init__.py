"""Results history: every run folder imported into `.arena/results.db`, baselines, comparisons
with noise-aware regression detection, change points over a metric's history, and the HTML
report of one run. Library only; the click commands live in arena/cli/history.py."""
