"""outage extension: availability record, extension rounds, outage review and TM-14 on the tutanak

The platform's own record of portal-side failures per minute (A-43, OP-12), the artırma an outage
extension round extends (S-08), and on the tutanak the reviewed outage report, the extension that
superseded it and the TM-14 alert (docs/auction.md).

Revision ID: 3f1c2a9d8e07
Revises: 6dd6fd63d9fb
Create Date: 2026-11-23 18:20:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import auction.db

revision: str = '3f1c2a9d8e07'
down_revision: str | None = '6dd6fd63d9fb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('availability_minutes',
    sa.Column('minute', auction.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_minutes')),
    sa.UniqueConstraint('minute', 'source', name=op.f('uq_availability_minutes_minute_source'))
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_of', sa.Integer(), nullable=True))

    with op.batch_alter_table('tutanaklar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outage_report', auction.db.JSONText(), nullable=True))
        batch_op.add_column(sa.Column('outage_reviewed_at', auction.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outage_reviewed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', auction.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_alerted_at', auction.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tutanaklar_outage_reviewed_by_users'), 'users', ['outage_reviewed_by'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('tutanaklar', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tutanaklar_outage_reviewed_by_users'), type_='foreignkey')
        batch_op.drop_column('overdue_alerted_at')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('outage_reviewed_by')
        batch_op.drop_column('outage_reviewed_at')
        batch_op.drop_column('outage_report')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('extension_of')

    op.drop_table('availability_minutes')
