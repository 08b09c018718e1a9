"""The shared upload precheck: a file touching another organisation's rows is refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from kechuang.api.uploads import reject_foreign_rows
from kechuang.auth.errors import PermissionDenied
from kechuang.core.i18n import Msg
from kechuang.core.importspec import ParsedRow

_ROW = Msg("不属于本银行的记录", "a record of another bank")
_TOUCHED = Msg("其他银行的记录", "another bank's records")


def _rows() -> list[ParsedRow]:
    return [
        ParsedRow(row=2, values={"bank_code": "B1"}, raw={"bank_code": "银行代码"}),
        ParsedRow(row=3, values={"bank_code": "B2"}, raw={"bank_code": "银行代码"}),
        ParsedRow(row=4, values={"loan_no": "L9"}, raw={}),
        ParsedRow(row=5, values={"bank_code": "B1"}, raw={"bank_code": "银行代码"}),
    ]


def _offending(row: ParsedRow) -> tuple[str, str] | None:
    v = row.values
    if v.get("bank_code") not in (None, "B1"):
        return ("bank_code", str(v["bank_code"]))
    if v.get("loan_no") == "L9":
        return ("loan_no", "L9")
    return None


def test_every_foreign_row_is_listed_and_the_file_refused() -> None:
    with pytest.raises(PermissionDenied) as info:
        reject_foreign_rows(
            Path("/tmp/up/loans.csv"), _rows(), _offending, row_message=_ROW, touched=_TOUCHED
        )
    exc = info.value
    assert exc.code == "auth.foreign_org"
    assert exc.message == Msg(
        "loans.csv：2 行涉及其他银行的记录，整个文件未导入",
        "loans.csv: 2 row(s) touch another bank's records; nothing was imported",
    )
    got = [(i.rule, i.file, i.row, i.column, i.value, i.message) for i in exc.issues]
    assert got == [
        ("auth.foreign_org", "loans.csv", 3, "银行代码", "B2", _ROW),
        # no header recorded for the field: the field name stands in
        ("auth.foreign_org", "loans.csv", 4, "loan_no", "L9", _ROW),
    ]


def test_a_file_of_own_rows_passes() -> None:
    own = [r for r in _rows() if _offending(r) is None]
    reject_foreign_rows(Path("ok.csv"), own, _offending, row_message=_ROW, touched=_TOUCHED)
