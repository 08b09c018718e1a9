"""The catalogue of standards shipped with kechuang, by key."""

from __future__ import annotations

from importlib import import_module

from kechuang.core.errors import NotFound
from kechuang.core.i18n import Msg
from kechuang.standards.engine import Standard

MODULES: dict[str, str] = {
    "tech_sme": "kechuang.standards.tech_sme",
    "high_tech": "kechuang.standards.high_tech",
    "innovative_sme": "kechuang.standards.innovative_sme",
    "little_giant": "kechuang.standards.little_giant",
    "sme_size_class": "kechuang.standards.sme_size_class",
    "high_value_patent": "kechuang.standards.high_value_patent",
    "sci_tech_enterprise": "kechuang.standards.sci_tech_enterprise",
}
"""Standard key → module defining ``STANDARD``."""


def get(key: str) -> Standard:
    """The standard ``key``; :class:`NotFound` if unknown."""
    module = MODULES.get(key)
    if module is None:
        raise NotFound(
            Msg(
                f"未知标准：{key}（可选：{', '.join(MODULES)}）",
                f"unknown standard: {key} (choose: {', '.join(MODULES)})",
            )
        )
    standard: Standard = import_module(module).STANDARD
    return standard


def all_standards() -> list[Standard]:
    """Every shipped standard."""
    return [get(k) for k in MODULES]
