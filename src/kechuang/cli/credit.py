"""``kechuang credit``: schedules, loans, claims, refinancing and bank reporting imports.

Each part lives in its own module (``credit_*.py``) and is mounted here.
"""

from __future__ import annotations

import typer

from kechuang.cli.common import t

app = typer.Typer(
    help=t(
        "科技信贷：还款计划、贷款、风险补偿、再贷款再贴现、银行报送导入",
        "Sci-tech credit: schedules, loans, compensation, refinancing, bank reporting",
    ),
    no_args_is_help=True,
)


def _mount() -> None:
    from kechuang.cli import (
        credit_claims,
        credit_import,
        credit_loans,
        credit_refinance,
        credit_schedule,
    )

    credit_schedule.register(app)
    credit_import.register(app)
    app.add_typer(credit_loans.app, name="loan")
    app.add_typer(credit_claims.app, name="claim")
    app.add_typer(credit_refinance.app, name="refinance")


_mount()
