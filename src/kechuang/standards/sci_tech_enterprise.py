"""科技型企业 (sci-tech enterprise for loan statistics) — RULES.md §7, GLOSSARY ``sci_tech_enterprise``.

An enterprise counts as 科技型企业 when it holds **at least one** valid qualification of the kinds
counted by the statistics (counted once however many it holds). Inputs are booleans
``holds_<kind>`` — "holds a qualification of this kind that is valid on the evaluation date"; the
caller (registry) decides validity from certificate dates, so an expired certificate is simply
``false`` here.

The set of counted kinds is a parameter: the expression language has no lists, so membership is
one boolean parameter per kind, ``sci_tech_enterprise.counts_<kind>``, dated from 2023-01-01 and
``unverified`` (the NFRA list of kinds is unconfirmed, RULES.md §7 checklist item 8). The rule is
``qualified = OR over kinds of (counts_<kind> ∧ holds_<kind>)``.

Counted by default: ``high_tech``, ``tech_sme``, ``innovative_sme``, ``specialised_sme``,
``little_giant``, ``sh_little_giant``. Shipped as **not** counted (the NFRA list may include them;
RULES.md §7 names them as [unconfirmed] members): ``tech_innovation_demo`` (国家技术创新示范企业)
and ``single_champion`` (制造业单项冠军). An administrator can switch any kind on or off without a
code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard
from kechuang.standards.params import Resolved

REF = "国家金融监督管理总局 科技型企业贷款统计口径"
F, P = ex.F, ex.P

KINDS: tuple[tuple[str, Msg], ...] = (
    ("high_tech", Msg("高新技术企业", "high-tech enterprise")),
    ("tech_sme", Msg("科技型中小企业", "tech-based SME")),
    ("innovative_sme", Msg("创新型中小企业", "innovative SME")),
    ("specialised_sme", Msg("专精特新中小企业", "specialised SME")),
    ("little_giant", Msg("专精特新“小巨人”企业", "specialised little giant")),
    ("sh_little_giant", Msg("上海市科技小巨人（含培育）企业", "Shanghai sci-tech little giant")),
    (
        "tech_innovation_demo",
        Msg("国家技术创新示范企业", "national technology-innovation demonstration enterprise"),
    ),
    ("single_champion", Msg("制造业单项冠军企业", "manufacturing single champion")),
)
"""Qualification kinds (GLOSSARY identifiers) with their labels, in display order."""

FIELDS = tuple(
    FieldSpec(
        f"holds_{kind}",
        "bool",
        Msg(f"持有有效的{label.zh}资格", f"holds a valid {label.en} qualification"),
    )
    for kind, label in KINDS
)


def _counts(kind: str) -> str:
    return f"sci_tech_enterprise.counts_{kind}"


COUNTED = {kind: P(_counts(kind)) & F(f"holds_{kind}") for kind, _label in KINDS}
QUALIFIED = ex.any_of(*COUNTED.values())


def _held(kind: str) -> Any:
    def show(row: Mapping[str, Any], _res: Resolved) -> str:
        return "持有 holds" if row.get(f"holds_{kind}") else "未持有 does not hold"

    return show


def _counted_text(kind: str) -> Any:
    def show(_row: Mapping[str, Any], res: Resolved) -> str:
        if res(_counts(kind)):
            return "持有（计入口径）/ held (counted kind)"
        return "不计入口径 / kind not counted"

    return show


def _any_observed(row: Mapping[str, Any], res: Resolved) -> str:
    held = [label.zh for kind, label in KINDS if ex.evaluate(COUNTED[kind], row, res) is True]
    return "、".join(held) if held else "无 none"


STANDARD = Standard(
    key="sci_tech_enterprise",
    label=Msg("科技型企业（贷款统计口径）", "sci-tech enterprise (loan statistics)"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        *(
            Criterion(
                kind,
                label,
                passed=COUNTED[kind],
                observed=_held(kind),
                required=_counted_text(kind),
                params=(_counts(kind),),
            )
            for kind, label in KINDS
        ),
        Criterion(
            "any_counted_qualification",
            Msg("持有至少一项计入口径的有效资格", "holds at least one counted qualification"),
            passed=QUALIFIED,
            observed=_any_observed,
            required=lambda r, s: "≥ 1 项（按户计一次）/ at least one, counted once",
            params=tuple(_counts(kind) for kind, _label in KINDS),
        ),
    ),
    qualified=QUALIFIED,
)
