"""Product matching: which products fit an enterprise, and which enterprises fit a product.

One catalogue (:mod:`kechuang.products.catalog`), one set of standards (:mod:`kechuang.standards`):
a product's eligibility is compiled to the standards' expression language
(:mod:`~kechuang.matching.rules`), so the same condition runs for one enterprise in
Python (:func:`match_enterprise`, :func:`match_profile`) and over a population on Ibis/DuckDB
(:func:`match_product`). See ``docs/products.md`` and ``docs/adr/0010-product-matching.md``.
"""

from kechuang.matching.changes import Change
from kechuang.matching.population import (
    CityMatch,
    match_product,
    population_table,
    profiles_table,
    release_table,
    write_outreach_xlsx,
)
from kechuang.matching.service import (
    OUTCOME_LABELS,
    Benefit,
    ProductMatch,
    Tier,
    match_enterprise,
    match_profile,
    match_subject,
)

__all__ = [
    "OUTCOME_LABELS",
    "Benefit",
    "Change",
    "CityMatch",
    "ProductMatch",
    "Tier",
    "match_enterprise",
    "match_product",
    "match_profile",
    "match_subject",
    "population_table",
    "profiles_table",
    "release_table",
    "write_outreach_xlsx",
]
