"""console login lockout: failed attempts per user name

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import intake_core.storage.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('name_digest', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', intake_core.storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', intake_core.storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name_digest', name=op.f('pk_login_failures'))
    )


def downgrade() -> None:
    op.drop_table('login_failures')
