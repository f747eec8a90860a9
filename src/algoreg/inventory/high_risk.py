"""The high-risk inventory: every algorithm with its AI Act profile and publication category, the
instruments applied to it, and what is missing — across the organisations the principal may see.

What counts as applied is read from the records: a signed-off assessment (by its instrument's title;
an IAMA by the IAMA keys a campaign uses), an entry in the newest version's
``impacttoetsen_grouping``, an attached bias report, the stored AI Act profile and a public version.
What is expected:

* of every algorithm: an AI Act profile (without it, its risk is unknown);
* of a high-risk or impactful one — by its publication category or by its AI Act profile — also an
  IAMA, a bias test and publication in the register;
* and a publication category that is the one its AI Act profile proposes.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    AiActProfileRecord,
    Algorithm,
    AlgorithmVersion,
    Assessment,
    BiasReport,
    Organisation,
)
from algoreg.instruments.decision_tree.profile import AIActProfile
from algoreg.inventory.campaigns.inputs import IAMA_KEYS
from algoreg.register.roles import Principal
from algoreg.standard.enums import PublicationCategory

HIGH_CATEGORIES = (PublicationCategory.HIGH_RISK_AI.value, PublicationCategory.IMPACTFUL.value)


class Missing(StrEnum):
    """Something an algorithm is expected to have and has not."""

    AI_ACT_PROFILE = "ai_act_profile"
    IAMA = "iama"
    BIAS_TEST = "bias_test"
    PUBLICATION = "publication"
    CATEGORY = "category"  # the publication category differs from what the AI Act profile proposes


@dataclass(frozen=True)
class InventoryRow:
    """One algorithm in the inventory."""

    organisation: str
    organisation_name: str
    algorithm: str
    name: str
    state: str
    public: bool
    publication_category: str
    proposed_category: str | None
    risk_group: tuple[str, ...]
    role: tuple[str, ...]
    high_risk: bool
    instruments: tuple[str, ...]
    missing: tuple[Missing, ...]


@dataclass(frozen=True)
class InventoryFilter:
    """Which rows to show: an organisation's (code), a publication category, those missing something."""

    organisation: str | None = None
    category: str | None = None
    missing: Missing | None = None
    high_risk_only: bool = False


@dataclass(frozen=True)
class Inventory:
    """The rows shown, and totals over them."""

    rows: list[InventoryRow]
    per_category: dict[str, int] = field(default_factory=dict)
    per_missing: dict[Missing, int] = field(default_factory=dict)

    @property
    def complete(self) -> int:
        """How many of the rows miss nothing."""
        return sum(1 for row in self.rows if not row.missing)


def _algorithms(
    principal: Principal, where: InventoryFilter
) -> Select[Algorithm, AlgorithmVersion, Organisation]:
    query = (
        select(Algorithm, AlgorithmVersion, Organisation)
        .join(
            AlgorithmVersion,
            (AlgorithmVersion.algorithm_id == Algorithm.id)
            & (AlgorithmVersion.number == Algorithm.latest_version_number),
        )
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(Algorithm.state != "archived")
        .order_by(Organisation.name, AlgorithmVersion.name, Algorithm.id)
    )
    if not principal.is_superuser:
        query = query.where(Algorithm.organisation_id.in_(list(principal.roles)))
    if where.organisation:
        query = query.where(Organisation.code == where.organisation.lower())
    if where.category:
        query = query.where(AlgorithmVersion.publication_category == where.category)
    return query


def _profiles(session: Session, ids: Sequence[int]) -> dict[int, AiActProfileRecord]:
    newest = (
        select(func.max(AiActProfileRecord.id))
        .where(AiActProfileRecord.algorithm_id.in_(ids))
        .group_by(AiActProfileRecord.algorithm_id)
    )
    rows = session.scalars(select(AiActProfileRecord).where(AiActProfileRecord.id.in_(newest)))
    return {row.algorithm_id: row for row in rows}


def _signed(session: Session, ids: Sequence[int]) -> dict[int, list[Assessment]]:
    found: dict[int, list[Assessment]] = {}
    query = select(Assessment).where(Assessment.algorithm_id.in_(ids), Assessment.state == "signed_off")
    for assessment in session.scalars(query):
        found.setdefault(assessment.algorithm_id, []).append(assessment)
    return found


def _bias_tested(session: Session, ids: Sequence[int]) -> set[int]:
    return set(
        session.scalars(select(BiasReport.algorithm_id).where(BiasReport.algorithm_id.in_(ids)).distinct())
    )


def _row(
    algorithm: Algorithm,
    version: AlgorithmVersion,
    organisation: Organisation,
    profile_record: AiActProfileRecord | None,
    signed: list[Assessment],
    bias_tested: bool,
) -> InventoryRow:
    profile = AIActProfile.model_validate(profile_record.profile) if profile_record else None
    titles = [
        entry.get("title", "")
        for entry in version.record.get("impacttoetsen_grouping") or []
        if isinstance(entry, dict)
    ]
    instruments = sorted(
        {a.title for a in signed} | {t for t in titles if t} | ({"Biastoets"} if bias_tested else set())
    )
    has_iama = any(a.instrument_key.lower() in IAMA_KEYS for a in signed) or any(
        "iama" in t.lower() for t in titles
    )
    high = version.publication_category in HIGH_CATEGORIES or bool(profile and profile.is_high_risk)
    missing: list[Missing] = []
    if profile_record is None:
        missing.append(Missing.AI_ACT_PROFILE)
    if high:
        if not has_iama:
            missing.append(Missing.IAMA)
        if not bias_tested:
            missing.append(Missing.BIAS_TEST)
        if algorithm.public_version_number is None:
            missing.append(Missing.PUBLICATION)
    if profile_record is not None and profile_record.proposed_category != version.publication_category:
        missing.append(Missing.CATEGORY)
    return InventoryRow(
        organisation=organisation.code,
        organisation_name=organisation.name,
        algorithm=algorithm.public_id,
        name=version.name,
        state=algorithm.state,
        public=algorithm.public_version_number is not None,
        publication_category=version.publication_category,
        proposed_category=profile_record.proposed_category if profile_record else None,
        risk_group=profile.risk_group if profile else (),
        role=profile.role if profile else (),
        high_risk=high,
        instruments=tuple(instruments),
        missing=tuple(missing),
    )


def high_risk_inventory(
    session: Session, principal: Principal, where: InventoryFilter = InventoryFilter()
) -> Inventory:
    """The inventory of the algorithms the principal may see (all of them for instance administrators),
    filtered, with totals per publication category and per missing item; five queries in all."""
    found = list(session.execute(_algorithms(principal, where)))
    ids = [algorithm.id for algorithm, _version, _organisation in found]
    profiles = _profiles(session, ids)
    signed = _signed(session, ids)
    tested = _bias_tested(session, ids)
    rows = [
        _row(
            algorithm,
            version,
            organisation,
            profiles.get(algorithm.id),
            signed.get(algorithm.id, []),
            algorithm.id in tested,
        )
        for algorithm, version, organisation in found
    ]
    if where.high_risk_only:
        rows = [row for row in rows if row.high_risk]
    if where.missing is not None:
        rows = [row for row in rows if where.missing in row.missing]
    return Inventory(
        rows=rows,
        per_category=dict(Counter(row.publication_category for row in rows)),
        per_missing=dict(Counter(item for row in rows for item in row.missing)),
    )
