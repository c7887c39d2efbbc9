"""dist: payouts.netted, the part of a buying creditor's line settled by its netting (A-57, OP-21)

Revision ID: 3b8d5f0a6c12
Revises: e7a4c21b9d50
Create Date: 2026-12-05 23:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import auction.db

revision: str = '3b8d5f0a6c12'
down_revision: str | None = 'e7a4c21b9d50'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('netted', auction.db.Kurus(), server_default=sa.text('0'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_column('netted')
