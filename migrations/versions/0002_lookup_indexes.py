"""indexes for the lookups the scheduler and the returns log make

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:30:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Correlating a return with its tick looks up the newest tick of a channel.
    op.create_index("ix_ticks_channel_fired", "ticks", ["channel_id", "fired_at"])
    # The message list pages by channel in insertion order.
    op.create_index("ix_messages_channel_seq", "messages", ["channel_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_messages_channel_seq", table_name="messages")
    op.drop_index("ix_ticks_channel_fired", table_name="ticks")
