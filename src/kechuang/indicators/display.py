"""Plain-text display of indicator values at the definition's scale (CLI, docs)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kechuang.indicators.model import IndicatorDefinition

SCALES: dict[str, Decimal] = {
    "one": Decimal(1),
    "wan": Decimal(10) ** 4,
    "yi": Decimal(10) ** 8,
    "wan_yi": Decimal(10) ** 12,
    "wan_yuan": Decimal(10) ** 4,
}
"""Divisor of each :data:`~kechuang.indicators.model.Scale`."""


def scaled(definition: IndicatorDefinition, value: Decimal | None) -> str:
    """``value`` divided by the definition's scale, rounded half-up to its decimals (e.g. ``2.99``)."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-definition.decimals)
    return str((value / SCALES[definition.scale]).quantize(q, rounding=ROUND_HALF_UP))


def percent(ratio: Decimal | None) -> str:
    """A yoy ratio as a percentage with two decimals (``0.4999`` → ``49.99%``)."""
    if ratio is None:
        return "—"
    return f"{(ratio * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


__all__ = ["SCALES", "percent", "scaled"]
