"""Sci-tech insurance: policies with insured objects, co-insurance pools, premium subsidies, claims."""
