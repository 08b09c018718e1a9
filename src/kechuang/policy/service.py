"""Services of the programme/policy registry and of external statistics.

Keyword-only arguments; the caller owns the transaction (services flush, never commit). Every
create and update writes a :class:`~kechuang.storage.history.ChangeHistory` row, so
:func:`history` answers "who changed this figure, when, from what to what".

External statistics are figures kechuang does not compute (year-end resident population, the GII
cluster rank …). Each is entered with its source, publication date and how far the source is
confirmed (``confirmed`` / ``secondary`` / ``unconfirmed``, the RULES.md tags); an unconfirmed
figure is still used, and the report says it is unconfirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, NotFound
from kechuang.core.i18n import Msg
from kechuang.policy.enums import PolicyKind
from kechuang.policy.models import ExternalStatistic, PolicyItem
from kechuang.policy.schemas import (
    ExternalStatisticCreate,
    ExternalStatisticUpdate,
    PolicyItemCreate,
    PolicyItemUpdate,
)
from kechuang.storage.history import ChangeHistory, diff

__all__ = [
    "create_external_statistic",
    "create_policy_item",
    "get_external_statistic",
    "get_policy_item",
    "history",
    "list_external_statistics",
    "list_policy_items",
    "update_external_statistic",
    "update_policy_item",
]


def _record(
    session: Session,
    *,
    table: str,
    record_id: int,
    key: str,
    action: str,
    changes: dict[str, list[Any]],
    actor: str,
    source: str | None = "service",
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
        )
    )


def _check_version(record: PolicyItem | ExternalStatistic, expected: int | None, key: str) -> None:
    if expected is not None and record.version != expected:
        raise Conflict(
            Msg(
                f"{key} 已被他人修改（当前版本 {record.version}，你的版本 {expected}），请刷新后重试",
                f"{key} was changed by someone else (version {record.version}, yours {expected}); reload and retry",
            ),
            code="stale_version",
        )


def _apply(record: PolicyItem | ExternalStatistic, fields: dict[str, Any]) -> dict[str, list[Any]]:
    old = {k: getattr(record, k) for k in fields}
    changes = diff(old, fields)
    for k in changes:
        setattr(record, k, fields[k])
    return changes


# ---------------------------------------------------------------- policy items


def get_policy_item(*, session: Session, code: str) -> PolicyItem:
    """The entry with this code; :class:`NotFound` if none."""
    item = session.scalar(select(PolicyItem).where(PolicyItem.code == code))
    if item is None:
        raise NotFound(Msg(f"没有编号为 {code} 的规划/政策条目", f"no programme entry {code}"))
    return item


def list_policy_items(
    *,
    session: Session,
    year: int | None = None,
    section: str | None = None,
    kind: PolicyKind | None = None,
) -> list[PolicyItem]:
    """Entries, optionally of one year, one section (and its subsections) or one kind, in report
    order (year, section, sort order, code)."""
    stmt = select(PolicyItem)
    if year is not None:
        stmt = stmt.where(PolicyItem.year == year)
    if kind is not None:
        stmt = stmt.where(PolicyItem.kind == kind)
    if section is not None:
        stmt = stmt.where(
            (PolicyItem.section == section) | PolicyItem.section.startswith(section + ".")
        )
    stmt = stmt.order_by(
        PolicyItem.year, PolicyItem.section, PolicyItem.sort_order, PolicyItem.code
    )
    return list(session.scalars(stmt))


def create_policy_item(
    *, session: Session, item_in: PolicyItemCreate, actor: str, source: str | None = "service"
) -> PolicyItem:
    """Create an entry; :class:`Conflict` if the code exists."""
    if session.scalar(select(PolicyItem.id).where(PolicyItem.code == item_in.code)) is not None:
        raise Conflict(
            Msg(f"编号 {item_in.code} 已存在", f"entry {item_in.code} exists"), code="duplicate"
        )
    values = item_in.model_dump()
    item = PolicyItem(**values)
    session.add(item)
    session.flush()
    _record(
        session,
        table="policy_item",
        record_id=item.id,
        key=item.code,
        action="create",
        changes=diff(None, values),
        actor=actor,
        source=source,
    )
    return item


def update_policy_item(
    *,
    session: Session,
    code: str,
    item_in: PolicyItemUpdate,
    actor: str,
    expected_version: int | None = None,
) -> PolicyItem:
    """Change the given fields of an entry (``None`` = unchanged); no-op if nothing differs.

    Raises:
        NotFound: no such entry.
        Conflict: ``expected_version`` is given and stale.
    """
    item = get_policy_item(session=session, code=code)
    _check_version(item, expected_version, code)
    fields = item_in.model_dump(exclude_none=True)
    if fields:
        # Re-validate the merged record (list cleaning, key patterns).
        merged = PolicyItemCreate.model_validate(
            {
                **{k: getattr(item, k) for k in PolicyItemCreate.model_fields if k != "code"},
                **fields,
                "code": code,
            }
        )
        fields = {k: getattr(merged, k) for k in fields}
    changes = _apply(item, fields)
    if changes:
        session.flush()
        _record(
            session,
            table="policy_item",
            record_id=item.id,
            key=code,
            action="update",
            changes=changes,
            actor=actor,
        )
    return item


# ---------------------------------------------------------------- external statistics


def get_external_statistic(*, session: Session, key: str, period_year: int) -> ExternalStatistic:
    """The figure ``key`` for ``period_year``; :class:`NotFound` if none."""
    stat = session.scalar(
        select(ExternalStatistic).where(
            ExternalStatistic.key == key, ExternalStatistic.period_year == period_year
        )
    )
    if stat is None:
        raise NotFound(
            Msg(
                f"没有 {key} 的 {period_year} 年数据",
                f"no external statistic {key} for {period_year}",
            )
        )
    return stat


def list_external_statistics(
    *, session: Session, key: str | None = None, period_year: int | None = None
) -> list[ExternalStatistic]:
    """External figures, optionally of one key or one year, ordered by key and year."""
    stmt = select(ExternalStatistic)
    if key is not None:
        stmt = stmt.where(ExternalStatistic.key == key)
    if period_year is not None:
        stmt = stmt.where(ExternalStatistic.period_year == period_year)
    return list(
        session.scalars(stmt.order_by(ExternalStatistic.key, ExternalStatistic.period_year))
    )


def create_external_statistic(
    *,
    session: Session,
    stat_in: ExternalStatisticCreate,
    actor: str,
    source: str | None = "service",
) -> ExternalStatistic:
    """Record an external figure; :class:`Conflict` if (key, year) exists."""
    exists = session.scalar(
        select(ExternalStatistic.id).where(
            ExternalStatistic.key == stat_in.key,
            ExternalStatistic.period_year == stat_in.period_year,
        )
    )
    if exists is not None:
        raise Conflict(
            Msg(
                f"{stat_in.key} 的 {stat_in.period_year} 年数据已存在",
                f"{stat_in.key} for {stat_in.period_year} exists",
            ),
            code="duplicate",
        )
    values = stat_in.model_dump()
    stat = ExternalStatistic(**values)
    session.add(stat)
    session.flush()
    _record(
        session,
        table="external_statistic",
        record_id=stat.id,
        key=f"{stat.key}/{stat.period_year}",
        action="create",
        changes=diff(None, values),
        actor=actor,
        source=source,
    )
    return stat


def update_external_statistic(
    *,
    session: Session,
    key: str,
    period_year: int,
    stat_in: ExternalStatisticUpdate,
    actor: str,
    expected_version: int | None = None,
) -> ExternalStatistic:
    """Correct an external figure or its source/status (e.g. ``unconfirmed`` → ``confirmed``).

    The old value stays in :func:`history`. Raises :class:`NotFound` or :class:`Conflict`.
    """
    stat = get_external_statistic(session=session, key=key, period_year=period_year)
    _check_version(stat, expected_version, f"{key}/{period_year}")
    fields = stat_in.model_dump(exclude_none=True)
    if fields:
        merged = ExternalStatisticCreate.model_validate(
            {
                **{k: getattr(stat, k) for k in ExternalStatisticCreate.model_fields},
                **fields,
            }
        )
        fields = {k: getattr(merged, k) for k in fields}
    changes = _apply(stat, fields)
    if changes:
        session.flush()
        _record(
            session,
            table="external_statistic",
            record_id=stat.id,
            key=f"{key}/{period_year}",
            action="update",
            changes=changes,
            actor=actor,
        )
    return stat


# ---------------------------------------------------------------- history


def history(*, session: Session, table: str, record_key: str) -> Sequence[ChangeHistory]:
    """Changes of one record, oldest first: ``table`` is ``policy_item`` (key = code) or
    ``external_statistic`` (key = ``"<key>/<year>"``)."""
    return list(
        session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == table, ChangeHistory.record_key == record_key)
            .order_by(ChangeHistory.changed_at, ChangeHistory.id)
        )
    )
