"""Dated parameters of the standards (policy as code, after OpenFisca's parameter trees).

Each standard has a YAML file in ``parameters/``. A parameter node has a ``description``, a
``unit`` and a list of dated ``values``; each value has ``start`` (first day in force), ``value``,
``reference`` (document number and article) and ``status`` (``confirmed`` or ``unverified``,
following the tags of RULES.md). A value is in force from its ``start`` until the next value's
start; ``value: null`` ends a parameter. Values are never deleted, so an evaluation "as of" any
date sees the rules in force then. Groups nest; keys are dotted paths (``tech_sme.st_ratio_min``).

Value syntax: integers, booleans, percentages (``"10%"``), fractions (``"1/2"``), decimals
(``"0.05"`` → exact fraction), money (``"2亿"``, ``"5000万"``, ``"500万元"`` → fen), lists of bands
``[[threshold, points], …]`` and lists of strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kechuang.core.errors import KechuangError, ValidationError
from kechuang.core.i18n import Msg

STATUSES = ("confirmed", "unverified")


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One dated value of a parameter.

    Attributes:
        key: dotted parameter key.
        value: the parsed value (int, bool, Fraction, fen int, list of bands or strings).
        raw: the value as written in YAML (for display).
        start: first day in force.
        end: last day in force, or ``None`` while current.
        reference: document number and article (e.g. ``国科发政〔2017〕115号 第七条``).
        status: ``confirmed``, ``unverified`` or ``override`` (what-if).
        unit: unit of the value (``ratio``, ``fen``, ``persons``, ``points``, ``days``, …).
        description: what the parameter means (Chinese / English).
        note: free-text history note.
    """

    key: str
    value: Any
    raw: Any
    start: dt.date
    end: dt.date | None
    reference: str
    status: str
    unit: str
    description: str
    note: str = ""

    @property
    def version(self) -> str:
        """``key@start`` — identifies exactly which value was used."""
        return f"{self.key}@{self.start.isoformat()}"

    @property
    def unverified(self) -> bool:
        """True unless the value is confirmed law."""
        return self.status != "confirmed"

    def display(self) -> str:
        """The value as a reader would write it."""
        return format_value(self.value, self.unit)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter with its dated values (oldest first)."""

    key: str
    description: str
    unit: str
    values: tuple[ParamValue, ...]

    def at(self, day: dt.date) -> ParamValue | None:
        """The value in force on ``day`` (``None`` before the first start or after an end)."""
        current: ParamValue | None = None
        for v in self.values:
            if v.start <= day:
                current = v
        if current is None or current.value is None:
            return None
        return current


_MONEY = re.compile(r"^(?P<n>-?\d+(\.\d+)?)\s*(?P<u>万亿|亿|万)?元?$")
_FACTOR = {None: 1, "万": 10**4, "亿": 10**8, "万亿": 10**12}


def parse_value(raw: Any, unit: str = "") -> Any:
    """Parse one YAML value: percentages and decimals to exact Fractions, money to fen."""
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return raw * 100 if unit == "fen" else raw
    if isinstance(raw, float):
        raise ValueError(f"write {raw!r} as a string (e.g. '5%' or '0.05') so it stays exact")
    if isinstance(raw, list):
        return [parse_band(item) if isinstance(item, list) else parse_value(item) for item in raw]
    if isinstance(raw, str):
        text = raw.strip()
        if unit == "fen" or text.endswith(("元", "万", "亿")):
            m = _MONEY.match(text)
            if not m:
                raise ValueError(f"not an amount: {raw!r}")
            yuan = Fraction(m.group("n")) * _FACTOR[m.group("u")]
            fen = yuan * 100
            if fen.denominator != 1:
                raise ValueError(f"amount finer than a fen: {raw!r}")
            return int(fen)
        if text.endswith("%"):
            return Fraction(text[:-1]) / 100
        if re.fullmatch(r"-?\d+/\d+", text) or re.fullmatch(r"-?\d+\.\d+", text):
            return Fraction(text)
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        return text
    raise ValueError(f"unsupported parameter value {raw!r}")


def parse_band(item: list[Any]) -> tuple[Any, Any]:
    """``[threshold, points]`` → ``(Fraction | int, int)``."""
    if len(item) != 2:
        raise ValueError(f"a band is [threshold, points], got {item!r}")
    return (parse_value(item[0]), parse_value(item[1]))


def format_value(value: Any, unit: str = "") -> str:
    """Human rendering of a parsed value (percentages for ratios, 万元 for fen)."""
    if isinstance(value, Fraction):
        pct = value * 100
        return f"{float(pct):g}%" if unit in ("ratio", "") else str(value)
    if isinstance(value, int) and not isinstance(value, bool) and unit == "fen":
        yuan = Fraction(value, 100)
        if yuan % 10**8 == 0:
            return f"{yuan / 10**8}亿元"
        if yuan % 10**4 == 0:
            return f"{yuan / 10**4}万元"
        return f"{float(yuan):,.2f}元"
    if isinstance(value, list):
        return (
            "; ".join(
                f"≥{format_value(t, unit)}→{p}"
                if isinstance(t, Fraction | int) and isinstance(p, int)
                else str((t, p))
                for t, p in value
            )
            if value and isinstance(value[0], tuple)
            else ", ".join(str(v) for v in value)
        )
    return str(value)


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{where}: bad start date {value!r}") from exc


def _walk(node: Mapping[str, Any], prefix: str, source: str) -> Iterator[Parameter]:
    for name, child in node.items():
        if name in ("description", "reference", "metadata"):
            continue
        key = f"{prefix}.{name}" if prefix else name
        if not isinstance(child, Mapping):
            raise ValueError(f"{source}: {key} must be a mapping")
        if "values" in child:
            unit = str(child.get("unit", ""))
            desc = str(child.get("description", ""))
            entries = sorted(
                child["values"], key=lambda e: _as_date(e.get("start"), f"{source}:{key}")
            )
            values: list[ParamValue] = []
            for i, entry in enumerate(entries):
                start = _as_date(entry.get("start"), f"{source}:{key}")
                status = str(entry.get("status", "unverified"))
                if status not in STATUSES:
                    raise ValueError(f"{source}:{key}: status must be confirmed or unverified")
                if not entry.get("reference") and entry.get("value") is not None:
                    raise ValueError(f"{source}:{key}: every value needs a reference")
                end = None
                if i + 1 < len(entries):
                    end = _as_date(entries[i + 1]["start"], source) - dt.timedelta(days=1)
                values.append(
                    ParamValue(
                        key=key,
                        value=parse_value(entry.get("value"), unit),
                        raw=entry.get("value"),
                        start=start,
                        end=end,
                        reference=str(entry.get("reference", "")),
                        status=status,
                        unit=unit,
                        description=desc,
                        note=str(entry.get("note", "")),
                    )
                )
            yield Parameter(key=key, description=desc, unit=unit, values=tuple(values))
        else:
            yield from _walk(child, key, source)


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """Every parameter of the standards, by key."""

    parameters: Mapping[str, Parameter]

    def get(self, key: str) -> Parameter:
        """The parameter ``key``; :class:`KechuangError` if unknown."""
        try:
            return self.parameters[key]
        except KeyError:
            raise KechuangError(
                Msg(f"未知参数：{key}", f"unknown parameter: {key}"), code="unknown_parameter"
            ) from None

    def at(self, day: dt.date, overrides: Mapping[str, Any] | None = None) -> Resolved:
        """Parameters in force on ``day``, with what-if ``overrides`` (key → raw value) applied."""
        chosen: dict[str, ParamValue] = {}
        for key, param in self.parameters.items():
            v = param.at(day)
            if v is not None:
                chosen[key] = v
        for key, raw in (overrides or {}).items():
            param = self.get(key)
            base = chosen.get(key)
            try:
                value = parse_value(raw, param.unit)
            except ValueError as exc:
                raise ValidationError(
                    Msg(f"参数 {key} 的取值无效：{raw}", f"invalid value for {key}: {raw}"),
                    code="parameter.invalid",
                ) from exc
            chosen[key] = ParamValue(
                key=key,
                value=value,
                raw=raw,
                start=day,
                end=None,
                reference="what-if 模拟 / simulation"
                + (f"（原值 {base.display()}，{base.reference}）" if base else ""),
                status="override",
                unit=param.unit,
                description=param.description,
            )
        return Resolved(day=day, values=chosen)

    def under(self, prefix: str) -> list[Parameter]:
        """Parameters whose key starts with ``prefix.``."""
        return [
            p
            for k, p in sorted(self.parameters.items())
            if k == prefix or k.startswith(prefix + ".")
        ]


@dataclass(slots=True)
class Resolved:
    """Parameter values chosen for one evaluation date; records which were used."""

    day: dt.date
    values: Mapping[str, ParamValue]
    used: dict[str, ParamValue] = field(default_factory=dict)

    def __call__(self, key: str) -> Any:
        """The value of ``key`` (records the use)."""
        v = self.values.get(key)
        if v is None:
            raise KechuangError(
                Msg(
                    f"参数 {key} 在 {self.day} 没有有效取值",
                    f"parameter {key} has no value in force on {self.day}",
                ),
                code="parameter.not_in_force",
            )
        self.used[key] = v
        return v.value

    def value(self, key: str) -> ParamValue:
        """The :class:`ParamValue` of ``key`` (records the use)."""
        self(key)
        return self.values[key]

    def fresh(self) -> Resolved:
        """A copy with an empty record of used parameters."""
        return Resolved(day=self.day, values=self.values)


def load_directory(path: Path) -> ParameterSet:
    """Load every ``*.yaml`` file under ``path`` (the file stem is the top-level key)."""
    params: dict[str, Parameter] = {}
    for file in sorted(path.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for p in _walk(data, file.stem, file.name):
            params[p.key] = p
    return ParameterSet(params)


@cache
def default_parameters() -> ParameterSet:
    """The parameters shipped with kechuang (``kechuang/standards/parameters/*.yaml``)."""
    root = resources.files("kechuang.standards").joinpath("parameters")
    return load_directory(Path(str(root)))


def with_overlay(base: ParameterSet, overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a YAML overlay (nested mapping of key → raw value) into ``{dotted key: raw}``."""
    flat: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, Mapping):
                walk(v, key)
            else:
                base.get(key)
                flat[key] = v

    walk(overlay, "")
    return flat


__all__ = [
    "ParamValue",
    "Parameter",
    "ParameterSet",
    "Resolved",
    "default_parameters",
    "format_value",
    "load_directory",
    "parse_value",
    "replace",
    "with_overlay",
]
