"""File imports of the funds domain: funds, LP commitments, capital calls, distributions,
valuations and investments.

Same guarantees as :mod:`kechuang.registry.imports`: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX,
Chinese or English headers, every row checked before anything is written, all or nothing
(:class:`~kechuang.core.errors.ImportRejected` lists every issue, row by row, in both languages),
idempotent (re-importing a file changes nothing), one :class:`ImportBatch` per file that changed
something, dry runs through the caller's ``unit_of_work(commit=False)``.

Natural keys: funds by ``code``; commitments by (fund, investor_key); calls by (fund, call_no);
distributions by (fund, dist_no); valuations by (fund, as_of, gross); investments by
``investment_no``. Funds, commitments and investments are upserted
(:func:`kechuang.storage.upsert.upsert`); calls, distributions and valuations, which carry no
version, are inserted or updated by comparing with the stored row.

A call is split across the LPs pro rata to the commitments made on or before its date, exactly to
the fen, and the fund's cumulative calls may never exceed its commitments; a distribution is
split pro rata to the capital paid in on or before its date (:mod:`kechuang.funds.service`).

The fund rule columns (政府出资比例上限, 返投比例下限, 早期投资比例下限) go into ``Fund.rules`` as
``{"max_public_share": {"value": "30%", "reference": "fund agreement", "status": "unverified"}}``;
an entry whose value is unchanged keeps its stored reference and status.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core import importspec as sp
from kechuang.core.errors import Issue
from kechuang.core.i18n import Msg
from kechuang.core.tabular import RawTable
from kechuang.funds import service
from kechuang.funds.enums import DistributionType, FundKind, FundState, InvestorType, Stage
from kechuang.funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    Fund,
    Investment,
    Valuation,
)
from kechuang.registry import import_kit as kit
from kechuang.registry.import_kit import ImportReport, Progress
from kechuang.registry.imports import district_parser
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.base import Base
from kechuang.storage.history import ChangeHistory, diff

__all__ = ["SPECS", "ImportReport", "import_file", "read_and_parse", "spec_for"]

RULE_FIELDS = ("max_public_share", "min_local_reinvestment", "min_early_share")
"""Fund columns that become entries of ``Fund.rules``."""
RULE_REFERENCE = "fund agreement"
RULE_STATUS = "unverified"


# ---------------------------------------------------------------- parsers


def _percent() -> sp.Parser:
    """A share as ``"30%"``, ``0.3`` (also an Excel percent cell); stored as ``"30%"``."""

    def parse(value: Any) -> str:
        if isinstance(value, bool):
            raise sp.FieldError("percent.invalid", Msg("应为百分比", "must be a percentage"))
        text = "".join(unicodedata.normalize("NFKC", str(value)).split())
        is_pct = text.endswith("%")
        try:
            number = Decimal(text[:-1] if is_pct else text)
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_nan():
            raise sp.FieldError(
                "percent.invalid",
                Msg("应为百分比，如 30% 或 0.3", "must be a percentage, e.g. 30% or 0.3"),
            )
        if not is_pct:
            if number > 1:
                raise sp.FieldError(
                    "percent.ambiguous",
                    Msg(
                        "大于 1 的数请写成百分比，如 30%",
                        "write numbers above 1 as a percentage, e.g. 30%",
                    ),
                )
            number *= 100
        if not Decimal(0) <= number <= Decimal(100):
            raise sp.FieldError(
                "percent.range", Msg("比例应在 0%–100% 之间", "must be between 0% and 100%")
            )
        return f"{format(number.normalize(), 'f')}%"

    return parse


def _investor_key() -> sp.Parser:
    base = sp.text(60)

    def parse(value: Any) -> str:
        key: str = unicodedata.normalize("NFKC", base(value)).strip()
        if key.lower().startswith("fund:"):
            return "fund:" + key[5:].strip().upper()
        return key

    return parse


_INVESTOR_TYPE_ALIASES = {
    "基金": InvestorType.FUND,
    "母基金": InvestorType.FUND,
    "引导基金": InvestorType.FUND,
    "政府出资": InvestorType.PUBLIC,
    "财政出资": InvestorType.PUBLIC,
    "国企": InvestorType.STATE_OWNED,
    "市场化": InvestorType.MARKET,
}


def _investor_type() -> sp.Parser:
    """An :class:`InvestorType` by value or label, also by short names (基金, 政府出资 …)."""
    base = sp.choice(InvestorType)

    def parse(value: Any) -> Any:
        short = _INVESTOR_TYPE_ALIASES.get(unicodedata.normalize("NFKC", str(value)).strip())
        return short if short is not None else base(value)

    return parse


_MONEY = sp.amount()
_FUND_CODE_RX = r"[0-9A-Z][0-9A-Z._\-]{0,39}"
_INST_CODE = sp.code(r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("机构代码", "institution code"), "SH-GUIDE")
_FUND_CODE = sp.Column(
    "fund_code",
    "基金代码",
    "Fund code",
    sp.code(_FUND_CODE_RX, Msg("基金代码", "fund code"), "SHF-001"),
    required=True,
    description=Msg("基金库中的基金代码", "code of the fund in the fund registry"),
    example="SHF-001",
    aliases=("基金编号", "fund"),
)


def _money(field_name: str, zh: str, en: str, example: str, *, required: bool = False) -> sp.Column:
    return sp.Column(
        field_name,
        zh,
        en,
        _MONEY,
        required=required,
        description=Msg(
            f"{zh}，单位元（表头写“{zh}（万元）”则按万元）",
            f"{en} in yuan (header '{en} (万元)' means 10k yuan)",
        ),
        example=example,
        money=True,
    )


def _date(field_name: str, zh: str, en: str, example: str, *, required: bool = True) -> sp.Column:
    return sp.Column(
        field_name,
        zh,
        en,
        sp.date_value(),
        required=required,
        description=Msg(f"{zh}，如 {example}", f"{en}, e.g. {example}"),
        example=example,
    )


def _rule(field_name: str, zh: str, en: str, example: str) -> sp.Column:
    return sp.Column(
        field_name,
        zh,
        en,
        _percent(),
        description=Msg(
            f"{zh}（如 {example}），记入基金规则，待核实",
            f"{en} (e.g. {example}), stored as an unverified fund rule",
        ),
        example=example,
    )


# ---------------------------------------------------------------- specs


def _phases() -> sp.Parser:
    """``首期:10亿;二期:5亿`` → ``[{"phase": "首期", "target": "1000000000.00"}, …]`` (exact)."""
    from kechuang.core.money import parse_amount

    def parse(value: Any) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for part in str(value).replace("；", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            name, sep, amount = part.replace("：", ":").partition(":")
            if not sep or not name.strip():
                raise sp.FieldError(
                    "fund.phases",
                    Msg(
                        "分期应写作 期次:金额，以 ; 分隔",
                        "write phases as phase:amount, separated by ;",
                    ),
                )
            try:
                target = parse_amount(amount.strip())
            except Exception as exc:
                raise sp.FieldError(
                    "fund.phases", Msg(f"分期金额无效：{amount}", f"invalid phase amount: {amount}")
                ) from exc
            out.append({"phase": name.strip(), "target": str(target)})
        return out

    return parse


FUNDS = sp.ImportSpec(
    kind="funds",
    label=Msg("基金", "funds"),
    key=("code",),
    columns=(
        sp.Column(
            "code",
            "基金代码",
            "Code",
            sp.code(_FUND_CODE_RX, Msg("基金代码", "fund code"), "SHF-001"),
            required=True,
            description=Msg("基金唯一代码", "unique fund code"),
            example="SHF-001",
            aliases=("基金编号",),
        ),
        sp.Column(
            "name",
            "名称",
            "Name",
            sp.text(200),
            required=True,
            description=Msg("基金全称", "full name"),
            example="上海示例科创母基金",
            aliases=("基金名称",),
        ),
        sp.Column(
            "kind",
            "类型",
            "Kind",
            sp.choice(FundKind),
            required=True,
            description=Msg(
                "引导基金/母基金/子基金/直投基金",
                "guide_fund / fund_of_funds / sub_fund / direct_fund",
            ),
            example="母基金",
            aliases=("基金类型",),
        ),
        sp.Column(
            "sponsor_code",
            "发起机构代码",
            "Sponsor code",
            _INST_CODE,
            description=Msg("发起机构在机构库中的代码", "registry institution code of the sponsor"),
            example="SH-GUIDE",
        ),
        sp.Column(
            "manager_code",
            "管理人机构代码",
            "Manager code",
            _INST_CODE,
            description=Msg("管理人在机构库中的代码", "registry institution code of the manager"),
            example="GP-001",
        ),
        sp.Column(
            "vintage",
            "设立年份",
            "Vintage",
            sp.integer(minimum=1990),
            required=True,
            description=Msg("设立年份，如 2024", "vintage year, e.g. 2024"),
            example=2024,
        ),
        _money("target_size", "目标规模", "Target size", "1000000000", required=True),
        _money("closed_size", "已募规模", "Closed size", "500000000"),
        sp.Column(
            "phases",
            "分期目标规模",
            "Phase targets",
            _phases(),
            description=Msg(
                "各期目标规模，如 首期:10亿;二期:10亿（金额可带万/亿）",
                "target size per phase, e.g. 首期:10亿;二期:10亿 (amounts may carry 万/亿)",
            ),
            example="首期:10亿",
            aliases=("分期", "phases"),
        ),
        sp.Column(
            "term_years",
            "期限（年）",
            "Term (years)",
            sp.integer(minimum=1),
            description=Msg("存续期（年）", "term in years"),
            example=10,
            aliases=("期限", "term years", "term_years"),
        ),
        sp.Column(
            "extension_years",
            "延长期",
            "Extension (years)",
            sp.integer(minimum=0),
            description=Msg("可延长年数", "extension in years"),
            example=2,
            aliases=("延长期（年）", "extension years"),
        ),
        sp.Column(
            "focus_sectors",
            "重点领域",
            "Focus sectors",
            sp.text(500),
            description=Msg("投资重点领域", "focus sectors"),
            example="集成电路、生物医药、人工智能",
        ),
        sp.Column(
            "district_code",
            "所在区",
            "District",
            district_parser(),
            description=Msg("注册所在区名称或代码", "district name or code"),
            example="浦东新区",
            aliases=("区", "district code"),
        ),
        sp.Column(
            "state",
            "状态",
            "State",
            sp.choice(FundState),
            description=Msg(
                "募集/投资/管理/退出/清算完毕（只能向前），默认募集",
                "fundraising / investing / managing / exiting / liquidated (forward only)",
            ),
            example="投资",
        ),
        _rule("max_public_share", "政府出资比例上限", "Max public share", "30%"),
        _rule("min_local_reinvestment", "返投比例下限", "Min local reinvestment", "100%"),
        _rule("min_early_share", "早期投资比例下限", "Min early share", "50%"),
    ),
)

COMMITMENTS = sp.ImportSpec(
    kind="commitments",
    label=Msg("认缴出资", "commitments"),
    key=("fund_code", "investor_key"),
    columns=(
        _FUND_CODE,
        sp.Column(
            "investor_key",
            "出资人",
            "Investor",
            _investor_key(),
            required=True,
            description=Msg(
                "出资人标识：机构代码、统一社会信用代码、fund:<基金代码>（母基金）或名称",
                "LP key: institution code, USCC, fund:<code> (a fund LP) or a name",
            ),
            example="fund:SHF-001",
            aliases=("出资人标识", "investor key"),
        ),
        sp.Column(
            "investor_name",
            "出资人名称",
            "Investor name",
            sp.text(200),
            required=True,
            description=Msg("出资人全称", "LP name"),
            example="上海示例科创母基金",
        ),
        sp.Column(
            "investor_type",
            "出资人类型",
            "Investor type",
            _investor_type(),
            required=True,
            description=Msg(
                "财政/政府出资、国有企业、高校、市场化机构、基金",
                "public / state_owned / university / market / fund",
            ),
            example="基金",
        ),
        _money("amount", "认缴金额", "Amount", "200000000", required=True),
        _date("committed_on", "认缴日期", "Committed on", "2024-06-30"),
        sp.Column(
            "phase",
            "期次",
            "Phase",
            sp.text(40),
            description=Msg("募集期次，如 首期", "closing phase, e.g. first close"),
            example="首期",
        ),
    ),
)

CALLS = sp.ImportSpec(
    kind="calls",
    label=Msg("实缴/缴款", "capital calls"),
    key=("fund_code", "call_no"),
    columns=(
        _FUND_CODE,
        sp.Column(
            "call_no",
            "缴款编号",
            "Call no",
            sp.text(40),
            required=True,
            description=Msg("基金内唯一的缴款编号", "call number, unique within the fund"),
            example="C-01",
            aliases=("缴款通知编号", "call number"),
        ),
        _date("call_date", "缴款日期", "Call date", "2024-07-15"),
        _money("amount", "金额", "Amount", "100000000", required=True),
    ),
)

DISTRIBUTIONS = sp.ImportSpec(
    kind="distributions",
    label=Msg("分配", "distributions"),
    key=("fund_code", "dist_no"),
    columns=(
        _FUND_CODE,
        sp.Column(
            "dist_no",
            "分配编号",
            "Distribution no",
            sp.text(40),
            required=True,
            description=Msg("基金内唯一的分配编号", "distribution number, unique within the fund"),
            example="D-01",
            aliases=("dist no",),
        ),
        _date("dist_date", "日期", "Date", "2027-12-31"),
        sp.Column(
            "dist_type",
            "类型",
            "Type",
            sp.choice(DistributionType),
            required=True,
            description=Msg("返还本金/收益分配/股息", "return_of_capital / gain / dividend"),
            example="返还本金",
            aliases=("分配类型",),
        ),
        _money("amount", "金额", "Amount", "30000000", required=True),
    ),
)

VALUATIONS = sp.ImportSpec(
    kind="valuations",
    label=Msg("估值", "valuations"),
    key=("fund_code", "as_of"),
    columns=(
        _FUND_CODE,
        _date("as_of", "估值日", "As of", "2024-12-31"),
        _money("nav", "净值", "NAV", "520000000", required=True),
        _money("gross", "毛值", "Gross", "540000000"),
    ),
)

INVESTMENTS = sp.ImportSpec(
    kind="investments",
    label=Msg("投资", "investments"),
    key=("investment_no",),
    columns=(
        sp.Column(
            "investment_no",
            "投资编号",
            "Investment no",
            sp.text(40),
            required=True,
            description=Msg("唯一投资编号", "unique investment number"),
            example="INV-0001",
        ),
        _FUND_CODE,
        sp.Column(
            "uscc",
            "被投企业统一社会信用代码",
            "USCC",
            sp.uscc(),
            description=Msg("被投企业的统一社会信用代码", "investee's USCC"),
            example="91310115MA1H7K2A16",
            aliases=("统一社会信用代码",),
        ),
        sp.Column(
            "investee_name",
            "被投企业名称",
            "Investee name",
            sp.text(200),
            required=True,
            description=Msg("被投企业名称", "investee name"),
            example="上海甲科技有限公司",
        ),
        _money("amount", "金额", "Amount", "20000000", required=True),
        _date("invested_on", "投资日期", "Invested on", "2024-09-01"),
        sp.Column(
            "round",
            "轮次",
            "Round",
            sp.text(40),
            description=Msg("融资轮次", "round"),
            example="A轮",
        ),
        sp.Column(
            "stage",
            "阶段",
            "Stage",
            sp.choice(Stage),
            required=True,
            description=Msg(
                "概念验证/超前孵化/中试/种子期/初创期/成长期/成熟期",
                "proof_of_concept / pre_incubation / pilot / seed / early / growth / late",
            ),
            example="初创期",
        ),
        sp.Column(
            "hard_tech",
            "硬科技",
            "Hard tech",
            sp.boolean(),
            description=Msg(
                "人工认定是否硬科技（须填理由），空为自动判断", "override (needs a reason)"
            ),
            example="",
        ),
        sp.Column(
            "hard_tech_reason",
            "理由",
            "Hard-tech reason",
            sp.text(500),
            description=Msg("人工认定硬科技的理由", "reason for the hard-tech override"),
            example="",
            aliases=("硬科技理由",),
        ),
        sp.Column(
            "local",
            "本地",
            "Local",
            sp.boolean(),
            description=Msg("是否本地（返投），空为按注册地判断", "local (返投); empty = derive"),
            example="是",
        ),
        _date("exited_on", "退出日期", "Exited on", "", required=False),
        _money("exit_proceeds", "退出金额", "Exit proceeds", ""),
        _money("current_value", "当前估值", "Current value", "30000000"),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {
    s.kind: s for s in (FUNDS, COMMITMENTS, CALLS, DISTRIBUTIONS, VALUATIONS, INVESTMENTS)
}
"""Import kinds by name, in the order a new fund registry is loaded."""


# ---------------------------------------------------------------- helpers


def _fund_ids(session: Session, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(
        session.execute(select(Fund.code, Fund.id).where(Fund.code.in_(sorted(codes)))).all()
    )


def _resolve_funds(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> dict[str, int]:
    ids = _fund_ids(session, {r.values["fund_code"] for r in rows})
    for r in rows:
        code = r.values["fund_code"]
        if code not in ids:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "fund_code",
                    "import.unknown_fund",
                    Msg(
                        f"基金库中没有基金代码 {code}，请先导入基金",
                        f"no fund {code} in the fund registry; import the fund first",
                    ),
                )
            )
    return ids


def _positive(file: str, r: sp.ParsedRow, field_name: str, issues: list[Issue]) -> None:
    v = r.values.get(field_name)
    if v is not None and v <= 0:
        issues.append(
            sp.row_issue(
                file,
                r,
                field_name,
                "value.positive",
                Msg("金额必须大于零", "amount must be greater than zero"),
            )
        )


def _history(
    session: Session,
    *,
    table: str,
    record_id: int,
    key: str,
    action: str,
    changes: dict[str, list[Any]],
    actor: str,
    source: str,
    batch_id: int,
) -> None:
    session.add(
        ChangeHistory(
            table_name=table,
            record_id=record_id,
            record_key=key,
            action=action,
            changes=changes,
            actor=actor,
            source=source,
            batch_id=batch_id,
        )
    )


def _save_plain(
    session: Session,
    report: ImportReport,
    model: type[Base],
    items: list[tuple[str, Base | None, dict[str, Any]]],
    *,
    actor: str,
    source: str,
    batch_id: int,
) -> None:
    """Insert new records / update changed ones of a version-less table, by comparison.

    ``items``: (key label, stored record or None, values).
    """
    table = str(model.__tablename__)
    for label, old, values in items:
        if old is None:
            obj = model(**values)
            session.add(obj)
            session.flush()
            _history(
                session,
                table=table,
                record_id=int(obj.id),  # type: ignore[attr-defined]
                key=label,
                action="create",
                changes=diff(None, values),
                actor=actor,
                source=source,
                batch_id=batch_id,
            )
            report.created += 1
            continue
        before = {k: getattr(old, k) for k in values}
        changes = diff(before, values)
        if not changes:
            report.unchanged += 1
            continue
        for k, v in values.items():
            setattr(old, k, v)
        session.flush()
        _history(
            session,
            table=table,
            record_id=int(old.id),  # type: ignore[attr-defined]
            key=label,
            action="update",
            changes=changes,
            actor=actor,
            source=source,
            batch_id=batch_id,
        )
        report.updated += 1


# ---------------------------------------------------------------- checks per kind


def _check_funds(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[dict[str, Any]]:
    existing = {
        f.code: f
        for f in session.scalars(
            select(Fund).where(Fund.code.in_(sorted({r.values["code"] for r in rows})))
        )
    }
    inst_codes = {
        r.values[k] for r in rows for k in ("sponsor_code", "manager_code") if r.values.get(k)
    }
    insts: dict[str, int] = (
        dict(
            session.execute(
                select(Institution.code, Institution.id).where(
                    Institution.code.in_(sorted(inst_codes))
                )
            ).all()
        )
        if inst_codes
        else {}
    )
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        old = existing.get(v["code"])
        out = {
            k: x
            for k, x in v.items()
            if k not in ("sponsor_code", "manager_code", "state", *RULE_FIELDS)
        }
        _positive(file, r, "target_size", issues)
        for col, target in (
            ("sponsor_code", "sponsor_institution_id"),
            ("manager_code", "manager_institution_id"),
        ):
            if col not in v:
                continue
            code = v[col]
            if code is not None and code not in insts:
                issues.append(
                    sp.row_issue(
                        file,
                        r,
                        col,
                        "import.unknown_institution",
                        Msg(
                            f"机构库中没有机构代码 {code}，请先导入机构",
                            f"no institution {code} in the registry; import it first",
                        ),
                    )
                )
            out[target] = None if code is None else insts.get(code)
        current = old.state if old is not None else FundState.FUNDRAISING
        wanted = v.get("state") or current
        if wanted is not current and not service.can_transition(current, wanted):
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "state",
                    "import.invalid_transition",
                    Msg(
                        f"基金状态不能从“{current.label.zh}”退回“{wanted.label.zh}”",
                        f"a fund cannot go back from {current.value} to {wanted.value}",
                    ),
                )
            )
        out["state"] = wanted
        rules = dict(old.rules) if old is not None and old.rules else {}
        for name in RULE_FIELDS:
            value = v.get(name)
            if value is None:
                continue
            entry = rules.get(name)
            if not (isinstance(entry, dict) and entry.get("value") == value):
                rules[name] = {"value": value, "reference": RULE_REFERENCE, "status": RULE_STATUS}
        out["rules"] = rules
        payload.append(out)
    return payload


def _check_commitments(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[dict[str, Any]]:
    funds = _resolve_funds(session, file, rows, issues)
    lp_codes = {
        r.values["investor_key"][5:] for r in rows if r.values["investor_key"].startswith("fund:")
    }
    lp_funds = _fund_ids(session, lp_codes)
    keys = sorted({r.values["investor_key"] for r in rows})
    insts: dict[str, int] = dict(
        session.execute(
            select(Institution.code, Institution.id).where(Institution.code.in_(keys))
        ).all()
    )
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        _positive(file, r, "amount", issues)
        key = v["investor_key"]
        lp_fund: int | None = None
        if key.startswith("fund:"):
            lp_fund = lp_funds.get(key[5:])
            if lp_fund is None:
                issues.append(
                    sp.row_issue(
                        file,
                        r,
                        "investor_key",
                        "import.unknown_lp_fund",
                        Msg(
                            f"出资人 {key} 不是基金库中的基金",
                            f"LP {key} names no fund in the fund registry",
                        ),
                    )
                )
            elif key[5:] == v["fund_code"]:
                issues.append(
                    sp.row_issue(
                        file,
                        r,
                        "investor_key",
                        "import.self_commitment",
                        Msg("基金不能认缴自身", "a fund cannot commit to itself"),
                    )
                )
            elif v["investor_type"] is not InvestorType.FUND:
                issues.append(
                    sp.row_issue(
                        file,
                        r,
                        "investor_type",
                        "import.investor_type",
                        Msg(
                            "出资人为基金时，出资人类型应为“基金”",
                            "a fund LP should have investor type 'fund'",
                        ),
                        severity="warning",
                    )
                )
        out = {k: x for k, x in v.items() if k != "fund_code"}
        out["fund_id"] = funds.get(v["fund_code"])
        out["investor_fund_id"] = lp_fund
        out["investor_institution_id"] = insts.get(key)
        payload.append(out)
    return payload


def _load(session: Session, model: Any, fund_ids: set[int]) -> list[Any]:
    if not fund_ids:
        return []
    return list(session.scalars(select(model).where(model.fund_id.in_(sorted(fund_ids)))))


def _check_calls(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[tuple[str, Base | None, dict[str, Any]]]:
    funds = _resolve_funds(session, file, rows, issues)
    ids = set(funds.values())
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for c in _load(session, Commitment, ids):
        commitments[c.fund_id].append(c)
    stored: dict[tuple[int, str], CapitalCall] = {
        (c.fund_id, c.call_no): c for c in _load(session, CapitalCall, ids)
    }
    items: list[tuple[str, Base | None, dict[str, Any]]] = []
    by_fund: dict[int, list[sp.ParsedRow]] = defaultdict(list)
    for r in rows:
        _positive(file, r, "amount", issues)
        fid = funds.get(r.values["fund_code"])
        if fid is not None:
            by_fund[fid].append(r)
    for fid, fund_rows in by_fund.items():
        in_file = {r.values["call_no"] for r in fund_rows}
        # every call of the fund after this import: stored ones not in the file, then the file's
        flows: list[tuple[dt.date, str, Decimal, sp.ParsedRow | None]] = [
            (c.call_date, c.call_no, c.amount, None)
            for (f, no), c in stored.items()
            if f == fid and no not in in_file
        ]
        flows += [
            (r.values["call_date"], r.values["call_no"], r.values["amount"], r) for r in fund_rows
        ]
        running = Decimal("0.00")
        for date, _no, amount, row in sorted(flows, key=lambda x: (x[0], x[1])):
            running += amount
            if row is None:
                continue
            weights = service.commitments_as_of(commitments[fid], date)
            committed = sum((w for _, w in weights), Decimal("0.00"))
            if not weights:
                issues.append(
                    sp.row_issue(
                        file,
                        row,
                        "call_date",
                        "import.no_commitments",
                        Msg(
                            f"缴款日 {date} 前该基金没有认缴出资，请先导入认缴",
                            f"no commitments on or before {date}; import commitments first",
                        ),
                    )
                )
                continue
            if running > committed:
                issues.append(
                    sp.row_issue(
                        file,
                        row,
                        "amount",
                        "import.over_committed",
                        Msg(
                            f"截至 {date} 累计缴款 {running} 超过认缴总额 {committed}",
                            f"calls to {date} total {running}, more than the {committed} committed",
                        ),
                    )
                )
                continue
            if amount <= 0:
                continue
            values = {
                "fund_id": fid,
                "call_no": row.values["call_no"],
                "call_date": date,
                "amount": amount,
                "by_investor": service.split_pro_rata(amount, weights),
            }
            label = f"{row.values['fund_code']}/{row.values['call_no']}"
            items.append((label, stored.get((fid, row.values["call_no"])), values))
    return items


def _check_distributions(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[tuple[str, Base | None, dict[str, Any]]]:
    funds = _resolve_funds(session, file, rows, issues)
    ids = set(funds.values())
    calls: dict[int, list[CapitalCall]] = defaultdict(list)
    for c in _load(session, CapitalCall, ids):
        calls[c.fund_id].append(c)
    stored: dict[tuple[int, str], Distribution] = {
        (d.fund_id, d.dist_no): d for d in _load(session, Distribution, ids)
    }
    items: list[tuple[str, Base | None, dict[str, Any]]] = []
    for r in rows:
        v = r.values
        _positive(file, r, "amount", issues)
        fid = funds.get(v["fund_code"])
        if fid is None or v["amount"] <= 0:
            continue
        weights = service.paid_in_as_of(calls[fid], v["dist_date"])
        if not weights:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "dist_date",
                    "import.no_paid_in",
                    Msg(
                        f"分配日 {v['dist_date']} 前该基金没有实缴出资，请先导入缴款",
                        f"nothing paid in on or before {v['dist_date']}; import calls first",
                    ),
                )
            )
            continue
        values = {
            "fund_id": fid,
            "dist_no": v["dist_no"],
            "dist_date": v["dist_date"],
            "dist_type": v["dist_type"],
            "amount": v["amount"],
            "by_investor": service.split_pro_rata(v["amount"], weights),
        }
        items.append((f"{v['fund_code']}/{v['dist_no']}", stored.get((fid, v["dist_no"])), values))
    return items


def _check_valuations(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[tuple[str, Base | None, dict[str, Any]]]:
    funds = _resolve_funds(session, file, rows, issues)
    stored: dict[tuple[int, dt.date, bool], Valuation] = {
        (x.fund_id, x.as_of, x.gross): x for x in _load(session, Valuation, set(funds.values()))
    }
    items: list[tuple[str, Base | None, dict[str, Any]]] = []
    for r in rows:
        v = r.values
        fid = funds.get(v["fund_code"])
        if fid is None:
            continue
        for gross, nav in ((False, v["nav"]), (True, v.get("gross"))):
            if nav is None:
                continue
            values = {"fund_id": fid, "as_of": v["as_of"], "gross": gross, "nav": nav}
            label = f"{v['fund_code']}/{v['as_of']}{'/gross' if gross else ''}"
            items.append((label, stored.get((fid, v["as_of"], gross)), values))
    return items


def _check_investments(
    session: Session,
    file: str,
    rows: list[sp.ParsedRow],
    issues: list[Issue],
    headers: dict[str, str],
) -> list[dict[str, Any]]:
    funds = _resolve_funds(session, file, rows, issues)
    usccs = sorted({r.values["uscc"] for r in rows if r.values.get("uscc")})
    ents: dict[str, int] = (
        dict(
            session.execute(
                select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs))
            ).all()
        )
        if usccs
        else {}
    )
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        _positive(file, r, "amount", issues)
        uscc = v.get("uscc")
        if uscc is not None and uscc not in ents:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "uscc",
                    "import.unknown_enterprise",
                    Msg(
                        "企业库中没有该统一社会信用代码，暂不关联企业",
                        "no enterprise with this USCC in the registry; left unlinked",
                    ),
                    severity="warning",
                )
            )
        if v.get("hard_tech") is not None and not (v.get("hard_tech_reason") or "").strip():
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "hard_tech",
                    "import.hard_tech_reason_required",
                    Msg(
                        "人工认定硬科技须同时填写“理由”",
                        "a hard-tech override needs a reason (理由 / hard_tech_reason)",
                    ),
                )
            )
        if v.get("exit_proceeds") is not None and v.get("exited_on") is None:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "exit_proceeds",
                    "import.exit_date_required",
                    Msg("填写退出金额时须填写退出日期", "exit proceeds need an exit date"),
                )
            )
        if v.get("exited_on") is not None and v["exited_on"] < v["invested_on"]:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "exited_on",
                    "import.exit_before_investment",
                    Msg("退出日期不能早于投资日期", "exit date is before the investment date"),
                )
            )
        out = {k: x for k, x in v.items() if k not in ("fund_code", "uscc", "hard_tech")}
        out["fund_id"] = funds.get(v["fund_code"])
        if "uscc" in headers:
            out["enterprise_id"] = None if uscc is None else ents.get(uscc)
        if "hard_tech" in headers:
            out["hard_tech_override"] = v["hard_tech"]
        payload.append(out)
    return payload


# ---------------------------------------------------------------- entry points


def read_and_parse(path: str | Path, kind: str) -> tuple[RawTable, sp.ParsedTable]:
    """Read ``path`` and parse it against the spec of ``kind`` (no database access)."""
    return kit.read_and_parse(path, SPECS[kind])


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]


def import_file(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one funds file of ``kind``, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: one of :data:`SPECS` (``funds``, ``commitments``, ``calls``, ``distributions``,
            ``valuations``, ``investments``).
        path: CSV or XLSX file.
        actor: who imports (for history).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional progress callback ``(stage, done, total)``.

    Raises:
        ImportRejected: with every issue, when any row has an error. Nothing is written.
    """
    path = Path(path)
    sha = kit.file_sha256(path)
    spec = SPECS[kind]
    return kit.import_prepared(
        session=session,
        kind=kind,
        spec=spec,
        path=path,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        context=kit.ImportContext,
        prepare=lambda ctx, rows: _prepare(kind, ctx, rows),
        batch_kind=f"funds-{kind}",
        source=f"import funds {kind}",
        sha256=sha,
    )


def _prepare(
    kind: str, ctx: kit.ImportContext, rows: list[sp.ParsedRow]
) -> kit.Writer[kit.ImportContext]:
    """Check the rows of ``kind`` against the database; the writer saves them."""
    if ctx.failed:  # cell errors: the file is rejected before any database check
        return kit.nothing
    session, file, issues = ctx.session, ctx.file, ctx.issues
    upserts: list[dict[str, Any]] = []
    plain: list[tuple[str, Base | None, dict[str, Any]]] = []
    if kind == "funds":
        upserts = _check_funds(session, file, rows, issues)
    elif kind == "commitments":
        upserts = _check_commitments(session, file, rows, issues)
    elif kind == "calls":
        plain = _check_calls(session, file, rows, issues)
    elif kind == "distributions":
        plain = _check_distributions(session, file, rows, issues)
    elif kind == "valuations":
        plain = _check_valuations(session, file, rows, issues)
    else:
        # every parsed row carries the file's field → header map
        upserts = _check_investments(session, file, rows, issues, rows[0].raw)

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        tick = kit.write_tick(progress, len(rows))
        if kind in ("funds", "commitments", "investments"):
            model, key = {
                "funds": (Fund, ("code",)),
                "commitments": (Commitment, ("fund_id", "investor_key")),
                "investments": (Investment, ("investment_no",)),
            }[kind]
            codes = {r.values.get("fund_code") for r in rows}
            code_of = {v: k for k, v in _fund_ids(ctx.session, {c for c in codes if c}).items()}

            def label(v: dict[str, Any]) -> str:
                if kind == "commitments":
                    return f"{code_of.get(v['fund_id'], v['fund_id'])}/{v['investor_key']}"
                return str(v[key[0]])

            res = ctx.upsert(model, upserts, key=key, key_label=label, progress=tick)
            kit.set_counts(report, res)
            return
        plain_model: type[Base] = {
            "calls": CapitalCall,
            "distributions": Distribution,
            "valuations": Valuation,
        }[kind]
        _save_plain(
            ctx.session,
            report,
            plain_model,
            plain,
            actor=ctx.actor,
            source=ctx.source,
            batch_id=ctx.batch_id,
        )
        tick(len(rows))

    return write
