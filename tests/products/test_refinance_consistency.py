"""The re-lending and rediscount programmes are described twice — as products in the catalogue
(``products/data/credit_products.yaml``, what matching and the web show) and as the dated
parameters the refinancing ledger applies (``kechuang.credit.refinance.PARAMETERS``). The two
packages are siblings and may not import each other, so this test keeps them equal: the same
eligible qualifications, refinancing rate and share, with the same status (confirmed /
unverified / illustrative), on every date either source changes, from the programmes' start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kechuang.credit import refinance
from kechuang.products import catalog


def _change_dates(key: str) -> list[dt.date]:
    programme = refinance.RefinanceProgramme(key)
    days = {v.start for values in refinance.PARAMETERS[programme].values() for v in values}
    product = catalog.get(key)
    days |= {t.valid_from for t in product.terms}
    days.add(product.valid_from)
    last = max(days)
    return sorted(days | {last + dt.timedelta(days=365)})


@pytest.mark.parametrize("key", ["relending", "rediscount"])
def test_catalogue_and_refinancing_ledger_agree(key: str) -> None:
    product = catalog.get(key)
    dates = _change_dates(key)
    assert dates[0] == dt.date(2023, 7, 27)  # both start with the 2023-07-27 announcement
    for day in dates:
        terms = product.terms_at(day)
        params = refinance.parameters_on(key, day)
        assert terms is not None, day
        quals = terms.eligibility.qualifications
        assert quals is not None
        assert list(quals.value) == [k.value for k in params.eligible_kinds.value], day
        assert quals.status == params.eligible_kinds.status, day
        for term, param in (
            (terms.refinance_rate, params.refinancing_rate),
            (terms.refinance_share, params.share),
        ):
            assert term is not None, (day, param.key)
            assert term.value == param.value, (day, param.key)
            assert term.status == param.status, (day, param.key)
            # a parameter that is not confirmed is flagged as such in both places
            assert (term.status == "confirmed") == (param.status == "confirmed")


def test_a_divergence_would_be_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing one side only (here the ledger's re-lending share) fails the comparison."""
    programme = refinance.RefinanceProgramme.RELENDING
    params = dict(refinance.PARAMETERS[programme])
    [share] = params["share"]
    params["share"] = (dataclasses.replace(share, value=share.value + 1),)
    monkeypatch.setitem(refinance.PARAMETERS, programme, params)
    with pytest.raises(AssertionError):
        test_catalogue_and_refinancing_ledger_agree("relending")
