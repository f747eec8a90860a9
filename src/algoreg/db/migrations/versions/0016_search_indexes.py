"""search indexes: the public list's order and the facet counts' groups read from an index

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 13:00:00.000000

``search_entry`` gets an index on (name, algorithm_id), the order of the JSON API's list of public
algorithms, so that a page and its cursor are read from the index instead of sorting every entry;
and one on the columns by which the search page groups entries to count its facets, so that the
grouping reads only that index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index("ix_search_entry_name_algorithm", ["name", "algorithm_id"], unique=False)
        batch_op.create_index(
            "ix_search_entry_facets",
            ["organisation_id", "status", "publication_category", "has_impact_assessment"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entry_facets")
        batch_op.drop_index("ix_search_entry_name_algorithm")
