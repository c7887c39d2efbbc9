"""cases: hacizler (with their claims' interest periods and part payments) and asset taxes on a lot, the
sıra cetveli's input besides the pledges (issue 12)

Revision ID: cc040fb75b53
Revises: d35c0013a7e1
Create Date: 2026-12-05 11:23:29
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import auction.db


revision: str = 'cc040fb75b53'
down_revision: str | None = 'd35c0013a7e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('asset_taxes',
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tax', sa.String(length=16), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('amount', auction.db.Kurus(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', auction.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', auction.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_asset_taxes_lot_id_lots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_taxes'))
    )
    with op.batch_alter_table('asset_taxes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_taxes_lot_id'), ['lot_id'], unique=False)

    op.create_table('hacizler',
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('haciz_date', sa.Date(), nullable=True),
    sa.Column('takip_date', sa.Date(), nullable=True),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('sira', sa.Integer(), nullable=True),
    sa.Column('joins_creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('principal', auction.db.Kurus(), nullable=False),
    sa.Column('interest_accrued', auction.db.Kurus(), nullable=False),
    sa.Column('costs', auction.db.Kurus(), nullable=False),
    sa.Column('vekalet_ucreti', auction.db.Kurus(), nullable=False),
    sa.Column('imputation', sa.String(length=10), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', auction.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', auction.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_hacizler_creditor_id_creditors'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['joins_creditor_id'], ['creditors.id'], name=op.f('fk_hacizler_joins_creditor_id_creditors'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_hacizler_lot_id_lots'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hacizler')),
    sa.UniqueConstraint('lot_id', 'creditor_id', name=op.f('uq_hacizler_lot_id_creditor_id'))
    )
    with op.batch_alter_table('hacizler', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hacizler_lot_id'), ['lot_id'], unique=False)

    op.create_table('haciz_interest_periods',
    sa.Column('haciz_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('rate', auction.db.DecimalText(length=32), nullable=True),
    sa.Column('rate_table', sa.String(length=16), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['haciz_id'], ['hacizler.id'], name=op.f('fk_haciz_interest_periods_haciz_id_hacizler'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_haciz_interest_periods'))
    )
    with op.batch_alter_table('haciz_interest_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_haciz_interest_periods_haciz_id'), ['haciz_id'], unique=False)

    op.create_table('haciz_payments',
    sa.Column('haciz_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', auction.db.Kurus(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['haciz_id'], ['hacizler.id'], name=op.f('fk_haciz_payments_haciz_id_hacizler'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_haciz_payments'))
    )
    with op.batch_alter_table('haciz_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_haciz_payments_haciz_id'), ['haciz_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('haciz_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_haciz_payments_haciz_id'))
    op.drop_table('haciz_payments')
    with op.batch_alter_table('haciz_interest_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_haciz_interest_periods_haciz_id'))
    op.drop_table('haciz_interest_periods')
    with op.batch_alter_table('hacizler', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hacizler_lot_id'))
    op.drop_table('hacizler')
    with op.batch_alter_table('asset_taxes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_taxes_lot_id'))
    op.drop_table('asset_taxes')
