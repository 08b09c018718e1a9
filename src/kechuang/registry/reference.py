"""Reference data of the registry: the city's districts (GB/T 2260 codes).

The shipped table is Shanghai's 16 districts (``data/districts.csv``). A deployment for another
city replaces the file or points ``KECHUANG_DISTRICTS_FILE`` at its own CSV with the columns
``code,name_zh,name_en``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from kechuang.core.i18n import Msg


@dataclass(frozen=True, slots=True)
class District:
    """An administrative district: GB/T 2260 ``code`` and bilingual ``name``."""

    code: str
    name: Msg


@cache
def districts() -> dict[str, District]:
    """The city's districts by code."""
    custom = os.environ.get("KECHUANG_DISTRICTS_FILE")
    text = (
        Path(custom).read_text(encoding="utf-8-sig")
        if custom
        else resources.files("kechuang.registry")
        .joinpath("data/districts.csv")
        .read_text(encoding="utf-8")
    )
    out: dict[str, District] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = District(row["code"], Msg(row["name_zh"], row["name_en"]))
    return out


@cache
def _district_index() -> dict[str, District]:
    index: dict[str, District] = {}
    for d in districts().values():
        index[d.code] = d
        for name in (d.name.zh, d.name.zh.removesuffix("区"), d.name.zh.removesuffix("新区")):
            index[name] = d
        en = d.name.en.lower()
        index[en] = d
        index[en.removesuffix(" district")] = d
        index[f"{en} district"] = d
    return index


def resolve_district(text: str) -> District | None:
    """Find a district by code, Chinese name (with or without 区) or English name."""
    needle = text.strip()
    index = _district_index()
    return index.get(needle) or index.get(needle.lower())


def district_name(code: str) -> Msg:
    """Bilingual district name for ``code`` (the code itself when unknown)."""
    d = districts().get(code)
    return d.name if d else Msg(code, code)
