"""Correctness suites run live against each engine: the isolation-anomaly matrix (Hermitage's
tests), constraint enforcement, deadlock handling and online migrations under load.

Engine-specific facts these suites need live in `dialect.py` (to be folded into
arena/engines/ at merge); the suites themselves are data plus small judges.
"""
