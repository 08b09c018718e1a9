"""Definition options: the choices an indicator definition leaves open, recorded in each release.

They are stated once here and written to the release manifest (``options``), so a figure can
always be read together with the choices it was computed under. Changing a default is a new
definitions version (:data:`kechuang.indicators.catalog.DEFINITIONS_VERSION`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SmeRule = Literal["size_class", "tech_sme"]


@dataclass(frozen=True)
class Options:
    """Choices left open by the definitions.

    Attributes:
        sme_rule: how 科技型中小企业 is decided in the loan statistics: ``size_class`` (default) —
            a 科技型企业 whose size class (``sme_size_class`` standard over the registry's latest
            fiscal year before the date; the registry's recorded ``size_class`` when the standard
            cannot decide) is medium, small or micro; or ``tech_sme`` — a 科技型企业 holding a
            valid 科技型中小企业 (``tech_sme``) qualification on the date.
        fudan_fof_code: ``fund.code`` of the Fudan fund of funds (复旦科创母基金).
        first_phase: the phase label of a fund's first closing (``fund.phases[].phase``).
        ic_pool_start: first day counted for the IC co-insurance pool (共保体 set up; the
            product's ``valid_from``, unverified).
        first_of_kind_start: first day counted for first-of-kind equipment insurance (the 2015
            pilot; the product's ``valid_from``).
        ic_pool_month_end: the pool figures are "截至9月底": written up to the last day of this
            month of the year.
    """

    sme_rule: SmeRule = "size_class"
    fudan_fof_code: str = "FUDAN_FOF"
    first_phase: str = "首期"
    ic_pool_start: dt.date = field(default=dt.date(2021, 1, 1))
    first_of_kind_start: dt.date = field(default=dt.date(2015, 1, 1))
    ic_pool_month_end: int = 9

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO text)."""
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Options:
        """Inverse of :meth:`as_dict` (unknown keys are ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("ic_pool_start", "first_of_kind_start"):
            if isinstance(known.get(key), str):
                known[key] = dt.date.fromisoformat(known[key])
        return cls(**known)
