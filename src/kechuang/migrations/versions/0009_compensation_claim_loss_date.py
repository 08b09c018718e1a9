"""compensation claim: the loss date as it was when the claim was filed

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 08:30:23.682116

The eligible loss is computed from the loan's loss date (the day it entered its defaulted or
written-off status, ``loan.status_since``). A later write-off moves ``status_since``, so the
claim now stores the date it used. Existing claims are backfilled where the date is certain: the
loan's ``status_since`` when it is on or before the filing date (the status has not changed since
the claim was filed); otherwise the column stays NULL and the loan's date is used as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BACKFILL = (
    "UPDATE compensation_claim SET loss_date = ("
    " SELECT loan.status_since FROM loan"
    " WHERE loan.id = compensation_claim.loan_id"
    " AND loan.status_since <= compensation_claim.filed_on"
    ") WHERE loss_date IS NULL"
)
"""The loan's ``status_since`` where it is certain to be the loss date at filing."""


def upgrade() -> None:
    with op.batch_alter_table("compensation_claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loss_date", sa.Date(), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("compensation_claim", schema=None) as batch_op:
        batch_op.drop_column("loss_date")
