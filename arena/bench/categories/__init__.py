"""One module per category: `cases(ctx, scale) -> list[Case]`, and SCALED saying whether the
category runs once per --scales value (it makes its own rows) or once on the user's data."""

CATEGORIES = (
    "bulk", "query", "joins", "aggregates", "complex", "relations", "transactions", "results",
    "connections",
)  # fmt: skip
