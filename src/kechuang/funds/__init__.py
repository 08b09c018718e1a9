"""Patient capital: guide funds, funds of funds, sub-funds and direct funds — commitments, calls,
distributions, valuations, investments by stage, metrics and compliance."""
