"""Small figures about the register for monitoring: cheap counts, no records."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm


def published_count(session: Session) -> int:
    """Return how many algorithms the public can see now (published, not retracted or archived)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Algorithm)
            .where(
                Algorithm.public_version_number.is_not(None),
                Algorithm.retracted_at.is_(None),
                Algorithm.archived_at.is_(None),
            )
        )
        or 0
    )
