"""campaigns: request campaigns among organisations, their scope, reports, support and reminders

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOMENT = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", _MOMENT, nullable=True),
        sa.Column("closed_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_campaign_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_state"), ["state"], unique=False)

    op.create_table(
        "campaign_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "instrument_keys",
            _JSON,
            nullable=False,
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_action_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_action")),
        sa.UniqueConstraint("campaign_id", "key", name=op.f("uq_campaign_action_campaign_id")),
    )
    with op.batch_alter_table("campaign_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_action_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "campaign_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("added_at", _MOMENT, nullable=False),
        sa.Column("declared_at", _MOMENT, nullable=True),
        sa.Column("declared_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_target_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_campaign_target_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_target")),
        sa.UniqueConstraint("campaign_id", "organisation_id", name=op.f("uq_campaign_target_campaign_id")),
    )
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_target_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_campaign_target_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "campaign_algorithm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("human_rights_risks", sa.Text(), nullable=False),
        sa.Column("added_at", _MOMENT, nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_campaign_algorithm_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["campaign_target.id"],
            name=op.f("fk_campaign_algorithm_target_id_campaign_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_algorithm")),
        sa.UniqueConstraint("target_id", "algorithm_id", name=op.f("uq_campaign_algorithm_target_id")),
    )
    with op.batch_alter_table("campaign_algorithm", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_algorithm_algorithm_id"), ["algorithm_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_algorithm_target_id"), ["target_id"], unique=False)

    op.create_table(
        "campaign_action_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_algorithm_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("reported_at", _MOMENT, nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["campaign_action.id"],
            name=op.f("fk_campaign_action_report_action_id_campaign_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_algorithm_id"],
            ["campaign_algorithm.id"],
            name=op.f("fk_campaign_action_report_campaign_algorithm_id_campaign_algorithm"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_action_report")),
    )
    with op.batch_alter_table("campaign_action_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_action_report_item", ["campaign_algorithm_id", "action_id"], unique=False
        )

    op.create_table(
        "support_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("campaign_algorithm_id", sa.Integer(), nullable=True),
        sa.Column("expertise", sa.Boolean(), nullable=False),
        sa.Column("budget_euros", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", _MOMENT, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_algorithm_id"],
            ["campaign_algorithm.id"],
            name=op.f("fk_support_request_campaign_algorithm_id_campaign_algorithm"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["campaign_target.id"],
            name=op.f("fk_support_request_target_id_campaign_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_request")),
    )
    with op.batch_alter_table("support_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_request_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_request_target_id"), ["target_id"], unique=False)

    op.create_table(
        "campaign_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["campaign_target.id"],
            name=op.f("fk_campaign_reminder_target_id_campaign_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_reminder")),
        sa.UniqueConstraint(
            "target_id", "deadline", "days_before", name=op.f("uq_campaign_reminder_target_id")
        ),
    )
    with op.batch_alter_table("campaign_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_reminder_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    for table in (
        "campaign_reminder",
        "support_request",
        "campaign_action_report",
        "campaign_algorithm",
        "campaign_target",
        "campaign_action",
        "campaign",
    ):
        op.drop_table(table)
