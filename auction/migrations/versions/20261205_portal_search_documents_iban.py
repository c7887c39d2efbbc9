"""portal: Turkish search (trigram GIN / FTS5), lot viewing info, refund IBAN changes

Revision ID: 5e7a0c3d9b21
Revises: 5eca0a1f1605
Create Date: 2026-12-05 07:30:00

Search (auction.watch.search) matches the folded `lots.search_text` (auction.lots.searchtext). On
PostgreSQL a trigram GIN index (pg_trgm) serves its `LIKE '%word%'`; on SQLite an FTS5 table with the
trigram tokenizer, `lots_fts`, holds the same column (external content: no copy of the text) and three
triggers keep it in step with every insert, update and delete of a lot.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import auction.db
from auction.lots.searchtext import fold

revision: str = '5e7a0c3d9b21'
down_revision: str | None = '5eca0a1f1605'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE lots_fts USING fts5(search_text, content='lots', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER lots_fts_ai AFTER INSERT ON lots BEGIN "
    "INSERT INTO lots_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER lots_fts_ad AFTER DELETE ON lots BEGIN "
    "INSERT INTO lots_fts(lots_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER lots_fts_au AFTER UPDATE OF search_text ON lots BEGIN "
    "INSERT INTO lots_fts(lots_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO lots_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def _backfill() -> None:
    """The folded text of the lots already there (the same parts, in the same order, as
    `auction.lots.searchtext.lot_search_text`)."""
    lots = sa.table('lots', sa.column('id'), sa.column('title'), sa.column('district'), sa.column('province'),
                    sa.column('address'), sa.column('location'), sa.column('ada'), sa.column('parsel'),
                    sa.column('plate'), sa.column('category'), sa.column('description'),
                    sa.column('search_text'))
    conn = op.get_bind()
    rows = conn.execute(sa.select(lots.c.id, lots.c.title, lots.c.district, lots.c.province, lots.c.address,
                                  lots.c.location, lots.c.ada, lots.c.parsel, lots.c.plate, lots.c.category,
                                  lots.c.description)).all()
    for r in rows:
        ada, parsel, plate = r.ada, r.parsel, r.plate
        parts = [r.title, r.district, r.province, r.address, r.location, f"ada {ada}" if ada else None,
                 f"parsel {parsel}" if parsel else None, f"{ada}/{parsel}" if ada and parsel else None,
                 plate, (plate or "").replace(" ", "") or None, r.category, r.description]
        text = " ".join(f for f in (fold(p) for p in parts) if f)
        conn.execute(lots.update().where(lots.c.id == r.id).values(search_text=text))


def upgrade() -> None:
    op.create_table('refund_iban_changes',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', auction.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', auction.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refund_iban_changes_user_id_users'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_iban_changes'))
    )
    with op.batch_alter_table('refund_iban_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_iban_changes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('viewing_info', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _backfill()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index('ix_lots_search_trgm', 'lots', ['search_text'], unique=False, postgresql_using='gin',
                        postgresql_ops={'search_text': 'gin_trgm_ops'})
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO lots_fts(lots_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_lots_search_trgm', table_name='lots', postgresql_using='gin')
    else:
        for name in ('lots_fts_au', 'lots_fts_ad', 'lots_fts_ai'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS lots_fts")
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_column('search_text')
        batch_op.drop_column('viewing_info')

    with op.batch_alter_table('refund_iban_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_iban_changes_user_id'))

    op.drop_table('refund_iban_changes')
