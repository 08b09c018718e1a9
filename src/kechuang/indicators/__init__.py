"""Indicators: the catalogue of published figures (Ibis expressions over a release's logical
tables), year-over-year, drill-down, and statistical releases."""
