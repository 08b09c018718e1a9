"""Sci-tech credit: applications, credit grants (授信), loans with an event ledger, repayment
schedules, risk sharing and compensation, subsidies, re-lending and rediscount."""
