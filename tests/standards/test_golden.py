"""Golden cases that a policy expert can read: ``tests/standards/cases/*.yaml``.

Each case has a full-sentence ``name``, the ``standard``, the ``as_of`` date, the ``input`` profile
(field names exactly as in the CLI's JSON input, amounts in 元) and ``expected``:

``outcome`` (required), and optionally ``route``, ``score``, ``score_range``, ``unverified``
(list of parameter keys that must be flagged), ``overrides`` (what-if ``--set`` values applied
before evaluating) and ``checks`` — per criterion either ``true`` / ``false`` / ``null`` (passed)
or a mapping with ``passed`` and/or ``points``.

Every case is evaluated twice: one profile in Python, and the same profile screened in a batch on
DuckDB. Both must give the expected result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from kechuang.standards.catalog import get
from kechuang.standards.engine import evaluate_profile, profile_row, screen_rows

CASES_DIR = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
            params.append(pytest.param(case, id=f"{file.stem}: {case['name']}"))
    return params


CASES = _load()


def _as_of(case: dict[str, Any]) -> dt.date:
    value = case["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: dict[str, Any]) -> None:
    standard = get(case["standard"])
    expected = case["expected"]
    overrides = case.get("overrides") or {}
    ev = evaluate_profile(standard, case["input"], as_of=_as_of(case), overrides=overrides)
    assert ev.outcome == expected["outcome"], [c.message.zh for c in ev.checks]
    if "route" in expected:
        assert ev.route == expected["route"]
    if "score" in expected:
        assert ev.score == expected["score"]
    if "score_range" in expected:
        want = expected["score_range"]
        assert (list(ev.score_range) if ev.score_range else None) == want
    checks = {c.criterion: c for c in ev.checks}
    for key, want in (expected.get("checks") or {}).items():
        assert key in checks, f"no criterion {key}"
        if isinstance(want, dict):
            if "passed" in want:
                assert checks[key].passed == want["passed"], checks[key].message.zh
            if "points" in want:
                got = (
                    checks[key].points
                    if checks[key].points_high == checks[key].points
                    else [checks[key].points, checks[key].points_high]
                )
                assert got == want["points"], checks[key].message.zh
        else:
            assert checks[key].passed == want, checks[key].message.zh
    for key in expected.get("unverified", []):
        assert key in {u["key"] for u in ev.unverified_parameters}
    for check in ev.checks:
        assert check.message.zh and check.message.en

    # The same profile screened as a population on DuckDB gives the same answer.
    row = profile_row(
        standard, {**case["input"], "id": case["input"].get("id") or "case"}, as_of=_as_of(case)
    )
    [batch] = screen_rows(standard, [row], as_of=_as_of(case), overrides=overrides)
    assert batch["outcome"] == ev.outcome
    if standard.score is not None:
        low = ev.score if ev.score is not None else (ev.score_range[0] if ev.score_range else None)
        assert batch["score"] == low


def test_golden_cases_present() -> None:
    counts: dict[str, int] = {}
    for p in CASES:
        case = p.values[0]
        counts[case["standard"]] = counts.get(case["standard"], 0) + 1
    assert counts.get("tech_sme", 0) >= 30
    assert counts.get("high_tech", 0) >= 30
