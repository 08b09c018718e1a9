"""The smallest changes that would make an enterprise meet a product condition it misses.

Where the rule allows computing them:

* a **fact condition** (``employees ≤ 300``, ``rd_staff / employees ≥ 20%``): solved exactly — the
  threshold is crossed by ``⌈t·den⌉ − num`` (strictly: ``⌊t·den⌋ + 1 − num``) R&D staff, fen …;
* a **standard** met on the facts (``qualification_basis: holds_or_meets``): each *lever* of the
  standard (R&D expense, S&T staff, IP counts, high-tech income) is raised alone, other facts
  unchanged, and the smallest increase (in fen or persons) for which the standard's own
  ``qualified`` expression becomes true is found by exponential then binary search with the
  standards' Python evaluator. The search keeps "not enough" below and "enough" above, so the
  amount found is exact: with it the condition holds, with one fen (person) less it does not;
* a **qualification held** (``holds``): obtaining it (one change: "needs a valid high-tech
  certificate");
* a **minimum age**: the day the enterprise reaches it ("eligible from 2024-06-01");
* the **serious-dishonesty list**: leaving it.

Size class, district, industry and a maximum age offer no change. Every change carries a
``distance`` used for ranking: the relative size of the change (increase ÷ the denominator of
the ratio it moves, or ÷ the current value), 1 for obtaining a qualification or leaving a list,
days ÷ 365 for waiting.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, Literal

from kechuang.core.i18n import Msg
from kechuang.core.money import format_yuan
from kechuang.products.schemas import FACTS, QUALIFICATION_KEYS
from kechuang.standards import expr as ex
from kechuang.standards.engine import fraction_pct

from .rows import field_name
from .rules import MEETS_STANDARDS, Condition, meets_expr

__all__ = ["LEVERS", "Change", "Lever", "changes_for"]

Action = Literal["increase", "decrease", "obtain", "remove", "wait"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change that would meet a condition the enterprise misses.

    Attributes:
        condition: key of the product condition it fixes.
        action: ``increase`` / ``decrease`` a fact, ``obtain`` a qualification, ``remove`` from a
            list, or ``wait`` until a date.
        field: the input field that changes (``rd_expense``, ``holds_high_tech`` …).
        message: what to do, in both languages, with the numbers.
        amount: money changes: the exact amount in 元 (Decimal, whole fen).
        count: count changes: persons or items.
        current: the value now, as text.
        target: the value after the change, as text.
        eligible_from: ``wait``: the first day the condition holds.
        distance: relative size of the change, for ranking (smaller is closer).
    """

    condition: str
    action: Action
    field: str
    message: Msg
    amount: Decimal | None = None
    count: int | None = None
    current: str | None = None
    target: str | None = None
    eligible_from: dt.date | None = None
    distance: Decimal = Decimal(1)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (amounts as strings, exact)."""
        return {
            "condition": self.condition,
            "action": self.action,
            "field": self.field,
            "amount": None if self.amount is None else str(self.amount),
            "count": self.count,
            "current": self.current,
            "target": self.target,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
            "distance": str(self.distance),
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }


@dataclass(frozen=True, slots=True)
class Lever:
    """A fact of a standard that an enterprise can raise.

    Attributes:
        column: the standard's column (``rd_expense``; ``rd_expense_3`` = latest year).
        kind: ``money`` (fen) or ``count``.
        label: the fact's name.
        ratio: columns summed as numerator and denominator of the ratio it moves, for messages.
        ratio_label: the ratio's name.
        also: columns raised by the same amount (R&D spent in China moves with R&D expense).
    """

    column: str
    kind: Literal["money", "count"]
    label: Msg
    ratio: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    ratio_label: Msg | None = None
    also: tuple[str, ...] = ()
    unit: str = ""
    """Chinese measure word after a count (人, 项)."""


LEVERS: Final[dict[str, tuple[Lever, ...]]] = {
    "tech_sme": (
        Lever(
            "rd_expense",
            "money",
            Msg("研发费用", "R&D expense"),
            (("rd_expense",), ("revenue",)),
            Msg("研发费用占销售收入比例", "R&D ratio (R&D ÷ sales revenue)"),
        ),
        Lever(
            "st_staff",
            "count",
            Msg("科技人员", "S&T staff"),
            (("st_staff",), ("employees",)),
            Msg("科技人员占比", "S&T staff ratio"),
            unit="人",
        ),
        Lever("ip_class1", "count", Msg("Ⅰ类知识产权", "class-I IP"), unit="项"),
        Lever("ip_class2", "count", Msg("Ⅱ类知识产权", "class-II IP"), unit="项"),
    ),
    "high_tech": (
        Lever(
            "rd_expense_3",
            "money",
            Msg("最近一年研发费用（境内）", "latest year's R&D expense (in China)"),
            (
                ("rd_expense_1", "rd_expense_2", "rd_expense_3"),
                ("revenue_1", "revenue_2", "revenue_3"),
            ),
            Msg("近三年研发费用占销售收入比例", "three-year R&D ratio"),
            also=("domestic_rd_expense",),
        ),
        Lever(
            "st_staff",
            "count",
            Msg("科技人员", "S&T staff"),
            (("st_staff",), ("employees",)),
            Msg("科技人员占比", "S&T staff ratio"),
            unit="人",
        ),
        Lever(
            "high_tech_income",
            "money",
            Msg("高新技术产品（服务）收入", "high-tech income"),
            (("high_tech_income",), ("total_income",)),
            Msg("高新技术产品收入占比", "high-tech income share"),
        ),
    ),
}
"""What an enterprise can raise, per standard met on the facts."""

_BOOL_LEVERS: Final[dict[str, tuple[tuple[str, bool, Msg], ...]]] = {
    "tech_sme": (
        (
            "high_tech_certificate_valid",
            True,
            Msg(
                "取得有效的高新技术企业证书即可直接认定为科技型中小企业（第八条）",
                "a valid high-tech certificate qualifies it directly as a tech SME (Art. 8)",
            ),
        ),
    ),
}

_COUNT_UNITS: Final = {
    "employees": "人",
    "st_staff": "人",
    "rd_staff": "人",
    "ip_class1": "项",
    "ip_class2": "项",
}
_MONEY_LIMIT: Final = 10**14  # fen: 1万亿元
_COUNT_LIMIT: Final = 10**6

Resolver = Callable[[str], Any]


def _sum(row: Mapping[str, Any], cols: tuple[str, ...]) -> int | None:
    values: list[int | None] = [row.get(c) for c in cols]
    if values[-1] is None:
        return None
    return sum(v for v in values if v is not None)


def _pct(num: int | None, den: int | None) -> str:
    return fraction_pct(num, den) or "—"


def _yuan(fen: int) -> Decimal:
    """Fen as an exact Decimal amount in 元 (two places)."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _money(fen: int) -> str:
    return format_yuan(_yuan(fen))


def _set(row: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out.update(changes)
    return out


def _search(ok: Callable[[int], bool], limit: int) -> int | None:
    """The least ``d ≥ 1`` with ``ok(d)``, assuming ``ok`` is monotone; ``None`` past ``limit``."""
    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > limit:
            return None
    lo = hi // 2  # ok(lo) is false (lo = 0 was checked by the caller)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _standard_changes(
    cond: Condition, kind: str, row: Mapping[str, Any], res: Resolver
) -> list[Change]:
    prefix = f"{kind}__"
    out: list[Change] = []
    for lever in LEVERS.get(kind, ()):
        col = prefix + lever.column
        base = row.get(col)
        if base is None:
            continue
        also = [prefix + a for a in lever.also if row.get(prefix + a) is not None]

        def ok(d: int, col: str = col, base: int = base, also: list[str] = also) -> bool:
            moved = {col: base + d, **{a: row[a] + d for a in also}}
            return ex.evaluate(cond.expr, _set(row, moved), res) is True

        limit = _MONEY_LIMIT if lever.kind == "money" else _COUNT_LIMIT
        delta = _search(ok, limit)
        if delta is None:
            continue
        out.append(_lever_change(cond, lever, prefix, row, delta))
    for column, value, msg in _BOOL_LEVERS.get(kind, ()):
        col = prefix + column
        if row.get(col) is value:
            continue
        if ex.evaluate(cond.expr, _set(row, {col: value}), res) is True:
            out.append(
                Change(
                    condition=cond.key,
                    action="obtain",
                    field=column,
                    message=msg,
                    distance=Decimal(1),
                )
            )
    return out


def _lever_change(
    cond: Condition, lever: Lever, prefix: str, row: Mapping[str, Any], delta: int
) -> Change:
    col = prefix + lever.column
    amount = _yuan(delta) if lever.kind == "money" else None
    count_zh = f"{delta} {lever.unit}".rstrip()
    what_zh = f"需增加{lever.label.zh} " + (_money(delta) if amount is not None else count_zh)
    what_en = (
        f"needs {_money(delta)} more {lever.label.en}"
        if amount is not None
        else f"needs {delta} more {lever.label.en}"
    )
    current = target = None
    distance = Decimal(delta)
    if lever.ratio is not None and lever.ratio_label is not None:
        nums, dens = (tuple(prefix + c for c in part) for part in lever.ratio)
        num, den = _sum(row, nums), _sum(row, dens)
        moved = _set(row, {col: row[col] + delta})
        current, target = _pct(num, den), _pct(_sum(moved, nums), den)
        if den:
            distance = Decimal(delta) / Decimal(den)
        zh = f"{lever.ratio_label.zh} {current} → {target}，{what_zh}"
        en = f"{lever.ratio_label.en} {current} → {target} {what_en}"
    else:
        base = row.get(col) or 0
        current = str(base)
        target = str(base + delta)
        distance = Decimal(delta) / Decimal(max(base, 1))
        zh, en = what_zh, what_en
    return Change(
        condition=cond.key,
        action="increase",
        field=field_name(col),
        message=Msg(f"{zh}（其他数据不变）", f"{en} (other facts unchanged)"),
        amount=amount,
        count=None if amount is not None else delta,
        current=current,
        target=target,
        distance=distance,
    )


def _obtain(cond: Condition, kind: str) -> Change:
    label = QUALIFICATION_KEYS[kind]
    if kind == "high_tech":
        msg = Msg("需持有有效的高新技术企业证书", "needs a valid high-tech certificate")
    elif kind == "sci_tech_enterprise":
        msg = Msg(
            "需持有至少一项计入“科技型企业”口径的有效资格（高新技术企业、科技型中小企业等）",
            "needs a valid qualification counted as a sci-tech enterprise (high-tech, tech SME …)",
        )
    else:
        msg = Msg(f"需持有有效的{label.zh}资格", f"needs a valid {label.en} qualification")
    return Change(condition=cond.key, action="obtain", field=f"holds_{kind}", message=msg)


def _qualification_changes(cond: Condition, row: Mapping[str, Any], res: Resolver) -> list[Change]:
    out: list[Change] = []
    for kind in cond.kinds:
        if cond.basis == "holds_or_meets" and kind in MEETS_STANDARDS:
            out.extend(_standard_changes(cond, kind, row, res))
            continue
        change = _obtain(cond, kind)
        if kind in MEETS_STANDARDS and ex.evaluate(meets_expr(kind), row, res) is True:
            # It meets the standard on its facts: only the certificate / registration is missing.
            change = Change(
                condition=change.condition,
                action="obtain",
                field=change.field,
                message=Msg(
                    change.message.zh + "（按企业数据已符合认定标准，可申请认定/入库）",
                    change.message.en + " (it meets the standard on its facts: apply for it)",
                ),
                distance=Decimal("0.5"),
            )
        out.append(change)
    return out


def _anniversary(registered_ymd: int, years: int) -> dt.date:
    y, md = divmod(registered_ymd, 10000)
    m, d = divmod(md, 100)
    try:
        return dt.date(y + years, m, d)
    except ValueError:  # 29 February in a non-leap year: the digits are reached on 1 March
        return dt.date(y + years, 3, 1)


def _fact_changes(cond: Condition, row: Mapping[str, Any], res: Resolver) -> list[Change]:
    fc = cond.fact
    assert fc is not None
    if fc.ratio is not None:
        num_name, den_name = fc.ratio
        num, den = row.get(f"fact__{num_name}"), row.get(f"fact__{den_name}")
        if num is None or den is None or den <= 0:
            return []
        t = Fraction(fc.value) * den
        if fc.op in (">=", ">"):
            need = math.ceil(t) if fc.op == ">=" else math.floor(t) + 1
            delta, action, column = need - num, "increase", num_name
        else:
            allowed = math.floor(t) if fc.op == "<=" else math.ceil(t) - 1
            delta, action, column = num - allowed, "decrease", num_name
        moved_num = num + delta if action == "increase" else num - delta
        current: str | None = _pct(num, den)
        target: str | None = _pct(moved_num, den)
        distance = Decimal(delta) / Decimal(den)
        moved = {f"fact__{column}": moved_num}
    else:
        column = fc.fact or ""
        value = row.get(f"fact__{column}")
        if value is None:
            return []
        limit = int(fc.value * 100) if FACTS[column][0] == "money" else int(fc.value)
        if fc.op in (">=", ">"):
            delta = limit - value + (1 if fc.op == ">" else 0)
            action = "increase"
            moved_value = value + delta
        else:
            delta = value - limit + (1 if fc.op == "<" else 0)
            action = "decrease"
            moved_value = value - delta
        moved = {f"fact__{column}": moved_value}
        distance = Decimal(delta) / Decimal(max(abs(value), 1))
        current = target = None
    if delta <= 0 or ex.evaluate(cond.expr, _set(row, moved), res) is not True:
        return []
    kind, label = FACTS[column]
    money = kind == "money"
    shown = _money(delta) if money else str(delta)
    shown_zh = shown if money else f"{delta} {_COUNT_UNITS.get(column, '')}".rstrip()
    if current is None:
        before = row[f"fact__{column}"]
        current = _money(before) if money else str(before)
        target = _money(moved[f"fact__{column}"]) if money else str(moved[f"fact__{column}"])
    verb_zh = "增加" if action == "increase" else "减少"
    verb_en = "more" if action == "increase" else "less"
    return [
        Change(
            condition=cond.key,
            action=action,  # type: ignore[arg-type]
            field=column,
            message=Msg(
                f"{cond.label.zh}：{current} → {target}，需{verb_zh}{label.zh} {shown_zh}（其他数据不变）",
                f"{cond.label.en}: {current} → {target} needs {shown} {verb_en} {label.en} "
                "(other facts unchanged)",
            ),
            amount=_yuan(delta) if money else None,
            count=None if money else delta,
            current=current,
            target=target,
            distance=distance,
        )
    ]


def changes_for(
    cond: Condition, row: Mapping[str, Any], res: Resolver, as_of: dt.date
) -> list[Change]:
    """Changes that would each meet ``cond`` (which evaluates false for ``row``), smallest first."""
    out: list[Change]
    if cond.key == "qualification":
        out = _qualification_changes(cond, row, res)
    elif cond.key == "min_age" and cond.years is not None:
        reg = row.get("ent__registered_ymd")
        if reg is None:
            return []
        start = _anniversary(reg, 0)
        day = _anniversary(reg, cond.years)
        age = (as_of - start).days
        out = [
            Change(
                condition=cond.key,
                action="wait",
                field="registered_on",
                message=Msg(
                    f"成立 {age} 天，{day} 起满 {cond.years} 年",
                    f"registered {age} days ago, eligible from {day}",
                ),
                current=f"{age}",
                eligible_from=day,
                distance=Decimal((day - as_of).days) / 365,
            )
        ]
    elif cond.key == "no_serious_dishonesty":
        out = [
            Change(
                condition=cond.key,
                action="remove",
                field="on_dishonesty_list",
                message=Msg(
                    "须移出严重失信主体名单（信用修复）",
                    "must be removed from the serious-dishonesty list (credit repair)",
                ),
            )
        ]
    elif cond.fact is not None:
        out = _fact_changes(cond, row, res)
    else:
        out = []
    return sorted(out, key=lambda c: c.distance)
