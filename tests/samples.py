"""Sample records for tests, written by us."""

from typing import Any


def sample_record(**overrides: Any) -> dict[str, Any]:
    """Return a valid standard 1.0 record of a fictional municipality, with ``overrides`` applied."""
    record: dict[str, Any] = {
        "name": "Controle parkeervergunningen",
        "description_short": "Het algoritme helpt aanvragen voor parkeervergunningen te controleren.",
        "organization": "Gemeente Voorbeeld",
        "category": ["Verkeer"],
        "status": "In gebruik",
        "begin_date": "2024-03",
        "contact_email": "algoritmes@voorbeeld.example",
        "publication_category": "Impactvolle algoritmes",
        "goal": "<p>Aanvragen sneller beoordelen, zodat inwoners eerder hun vergunning krijgen.</p>",
        "lang": "nld",
    }
    record.update(overrides)
    return record
