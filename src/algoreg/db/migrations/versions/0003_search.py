"""public search index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:00:00

Creates the search index tables and fills them from what is public now. On PostgreSQL the document
table gets a generated ``tsvector`` column (Dutch configuration) with a GIN index; on SQLite an
FTS5 table holds the stemmed text, and a trigger removes its row with the entry.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "terms_name, terms_summary, terms_body, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.algorithm_id; END",
)

_POSTGRES_VECTOR = (
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('dutch'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('dutch'::regconfig, coalesce(summary_text, '')), 'B') || "
    "setweight(to_tsvector('dutch'::regconfig, coalesce(body_text, '')), 'C')) STORED",
    "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)",
)


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("algorithm_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sort_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("publication_category", sa.String(length=64), nullable=False),
        sa.Column("has_impact_assessment", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_search_entry_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_search_entry_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("algorithm_id", name=op.f("pk_search_entry")),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_entry_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_entry_published_at"), ["published_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_entry_publication_category"), ["publication_category"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_entry_sort_name"), ["sort_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_entry_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_entry_has_impact_assessment"), ["has_impact_assessment"], unique=False
        )

    op.create_table(
        "search_document",
        sa.Column("algorithm_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description_short", sa.Text(), nullable=False),
        sa.Column("summary_text", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["search_entry.algorithm_id"],
            name=op.f("fk_search_document_algorithm_id_search_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("algorithm_id", name=op.f("pk_search_document")),
    )
    op.create_table(
        "search_theme",
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["search_entry.algorithm_id"],
            name=op.f("fk_search_theme_algorithm_id_search_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("algorithm_id", "theme", name=op.f("pk_search_theme")),
    )
    with op.batch_alter_table("search_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_theme_theme"), ["theme"], unique=False)

    op.create_table(
        "search_assessment",
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["search_entry.algorithm_id"],
            name=op.f("fk_search_assessment_algorithm_id_search_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("algorithm_id", "title", name=op.f("pk_search_assessment")),
    )
    with op.batch_alter_table("search_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_assessment_title"), ["title"], unique=False)

    bind = op.get_bind()
    statements = _POSTGRES_VECTOR if bind.dialect.name == "postgresql" else _SQLITE_FTS
    for statement in statements:
        op.execute(statement)

    # Fill the index from what is public now (the register may already hold published algorithms).
    from algoreg.register.search_index import rebuild_search_index

    with Session(bind=bind, join_transaction_mode="create_savepoint") as session:
        rebuild_search_index(session)
        session.commit()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_entry_ad")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table("search_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_assessment_title"))
    op.drop_table("search_assessment")
    with op.batch_alter_table("search_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_theme_theme"))
    op.drop_table("search_theme")
    op.drop_table("search_document")
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entry_status"))
        batch_op.drop_index(batch_op.f("ix_search_entry_sort_name"))
        batch_op.drop_index(batch_op.f("ix_search_entry_publication_category"))
        batch_op.drop_index(batch_op.f("ix_search_entry_published_at"))
        batch_op.drop_index(batch_op.f("ix_search_entry_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_search_entry_has_impact_assessment"))
    op.drop_table("search_entry")
