"""Registry services: create, read, update with optimistic locking, delete, list, summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from kechuang.core.errors import Conflict, NotFound
from kechuang.registry import service as registry_service
from kechuang.registry.enums import QualificationKind
from kechuang.registry.schemas import (
    EnterpriseCreate,
    EnterpriseUpdate,
    InstitutionCreate,
    QualificationCreate,
)
from kechuang.storage.db import unit_of_work

A = "91310115MA1H7K2A16"
B = "913101041234567882"


def _create(db_url: str, uscc: str = A, district: str = "浦东新区") -> None:
    with unit_of_work(db_url) as session:
        registry_service.create(
            session=session,
            enterprise_in=EnterpriseCreate(
                uscc=uscc,
                name="上海甲科技有限公司",
                district_code=district,
                registered_on=dt.date(2020, 1, 1),
                industry_code="I6513",
            ),
            actor="alice",
        )


def test_create_normalises_and_refuses_duplicates(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        ent = registry_service.create(
            session=session,
            enterprise_in=EnterpriseCreate(
                uscc=f" {A.lower()} ",
                name="甲",
                district_code="310115",
                registered_on=dt.date(2020, 1, 1),
            ),
        )
        assert ent.uscc == A
    with pytest.raises(Conflict), unit_of_work(db_url) as session:
        registry_service.create(
            session=session,
            enterprise_in=EnterpriseCreate(
                uscc=A, name="乙", district_code="310115", registered_on=dt.date(2020, 1, 1)
            ),
        )


def test_schema_rejects_bad_uscc_and_district() -> None:
    with pytest.raises(ValidationError, match=r"check character|校验码"):
        EnterpriseCreate(
            uscc=A[:-1] + "0", name="甲", district_code="310115", registered_on=dt.date(2020, 1, 1)
        )
    with pytest.raises(ValidationError, match="unknown district"):
        EnterpriseCreate(
            uscc=A, name="甲", district_code="火星区", registered_on=dt.date(2020, 1, 1)
        )
    with pytest.raises(ValidationError):
        EnterpriseCreate(
            uscc=A,
            name="甲",
            district_code="310115",
            registered_on=dt.date(2020, 1, 1),
            registered_capital=Decimal("-1"),
        )


def test_update_with_stale_version_is_refused_and_history_kept(db_url: str) -> None:
    _create(db_url)
    with unit_of_work(db_url) as session:
        ent = registry_service.get_by_uscc(session=session, uscc=A)
        registry_service.update(
            session=session,
            enterprise=ent,
            enterprise_in=EnterpriseUpdate(version=1, name="新名称", district_code="徐汇区"),
            actor="bob",
        )
    with pytest.raises(Conflict) as info, unit_of_work(db_url) as session:
        ent = registry_service.get_by_uscc(session=session, uscc=A)
        registry_service.update(
            session=session,
            enterprise=ent,
            enterprise_in=EnterpriseUpdate(version=1, name="过期修改"),
        )
    assert info.value.code == "stale_version"
    with unit_of_work(db_url) as session:
        ent = registry_service.get_by_uscc(session=session, uscc=A)
        assert (ent.name, ent.district_code, ent.version) == ("新名称", "310104", 2)
        hist = registry_service.history(session=session, uscc=A)
        assert [(h.action, h.actor) for h in hist] == [("create", "alice"), ("update", "bob")]
        assert hist[1].changes == {
            "name": ["上海甲科技有限公司", "新名称"],
            "district_code": ["310115", "310104"],
        }


def test_get_missing_and_delete(db_url: str) -> None:
    with pytest.raises(NotFound), unit_of_work(db_url) as session:
        registry_service.get_by_uscc(session=session, uscc=A)
    _create(db_url)
    with unit_of_work(db_url) as session:
        ent = registry_service.get_by_uscc(session=session, uscc=A)
        ent_id = ent.id
        registry_service.delete(session=session, enterprise=ent, actor="carol")
    with pytest.raises(NotFound), unit_of_work(db_url) as session:
        registry_service.get(session=session, enterprise_id=ent_id)


def test_list_filters_and_summary_counts_qualifications_in_force(db_url: str) -> None:
    _create(db_url)
    _create(db_url, B, "徐汇区")
    with unit_of_work(db_url) as session:
        registry_service.create_qualification(
            session=session,
            qualification_in=QualificationCreate(
                uscc=A,
                kind=QualificationKind.HIGH_TECH,
                valid_from=dt.date(2023, 1, 1),
                valid_to=dt.date(2025, 12, 31),
            ),
        )
        registry_service.create_qualification(
            session=session,
            qualification_in=QualificationCreate(
                uscc=B,
                kind=QualificationKind.TECH_SME,
                valid_from=dt.date(2022, 5, 1),
                valid_to=dt.date(2022, 12, 31),
                revoked_on=dt.date(2022, 8, 1),
            ),
        )
    with unit_of_work(db_url) as session:
        page = registry_service.list_(session=session, district_code="310104")
        assert [e.uscc for e in page.items] == [B] and page.total == 1
        held = registry_service.list_(
            session=session, qualification=QualificationKind.HIGH_TECH, as_of=dt.date(2024, 1, 1)
        )
        assert [e.uscc for e in held.items] == [A]
        assert (
            registry_service.list_(
                session=session,
                qualification=QualificationKind.HIGH_TECH,
                as_of=dt.date(2026, 1, 1),
            ).total
            == 0
        )
        assert registry_service.list_(session=session, industry_prefix="i65").total == 2
        s = registry_service.summary(session=session, as_of=dt.date(2022, 7, 1))
        assert s.by_qualification == {"tech_sme": 1}
        assert (
            registry_service.summary(session=session, as_of=dt.date(2022, 8, 1)).by_qualification
            == {}
        )
        assert s.by_district == {"310104": 1, "310115": 1}


def test_institution_with_parent(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        registry_service.create_institution(
            session=session,
            institution_in=InstitutionCreate(code="BOC", name="中国银行", kind="bank"),
        )
        branch = registry_service.create_institution(
            session=session,
            institution_in=InstitutionCreate(
                code="BOC-SH", name="中国银行上海市分行", kind="bank", parent_code="BOC"
            ),
        )
        assert branch.parent is not None and branch.parent.code == "BOC"
    with pytest.raises(NotFound), unit_of_work(db_url) as session:
        registry_service.create_institution(
            session=session,
            institution_in=InstitutionCreate(code="X", name="x", kind="bank", parent_code="NOPE"),
        )
