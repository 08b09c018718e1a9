"""Property-based API tests with schemathesis (v4) against the OpenAPI schema, in process.

Every operation of ``/api/openapi.json`` gets a bounded number of generated requests — valid ones
(positive mode) and schema-violating ones (negative mode) — sent as a government administrator and
as a bank officer through API tokens on a small SQLite world. No request may produce a 5xx, and
every answer must use a documented status code and match its documented response schema (errors:
``{code, message_zh, message_en, details}``).

The operations are driven through schemathesis' Python API (``operation.as_strategy()`` under
Hypothesis) rather than its pytest plugin, whose lazy-fixture loader does not work with pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from kechuang.api import create_app
from kechuang.auth import service as auth_service
from kechuang.migrations import upgrade
from kechuang.storage.db import reset_engines, sqlite_url, unit_of_work
from tests.api.world import build

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 5
"""Generated requests per operation, mode and role (bounded so the whole file runs in < 2 min)."""


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, dict[str, str]]]:
    url = sqlite_url(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    upgrade(url)
    build(url)
    tokens: dict[str, str] = {}
    with unit_of_work(url) as session:
        for username in ("gov", "bank_a"):
            user = auth_service.get_by_username(session=session, username=username)
            tokens[username] = auth_service.issue_api_token(
                session=session, user=user, name="fuzz", scopes={"read", "write"}
            ).token
    app = create_app(url)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app), tokens
    reset_engines()


def _run(schema: object, token: str) -> list[str]:
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    operations = [r.ok() for r in schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # negative mode of an operation with no parameter that can be made invalid
                assert mode is GenerationMode.NEGATIVE
            except Exception as exc:  # collect every operation's failure, then report all
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode.value}]: {exc}"
                )
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("username", ["gov", "bank_a"])
def test_generated_requests_never_fail_the_server(
    fuzz: tuple[object, dict[str, str]], username: str
) -> None:
    schema, tokens = fuzz
    failures = _run(schema, tokens[username])
    assert failures == [], "\n\n".join(failures)
