"""The outcome of the AI Act decision aid as the algorithm's AI Act profile, and what follows from it.

The decision tree's answers give labels; each label belongs to one family, and the families are the
ones the task registry's requirements use for their ``ai_act_profile`` (type, role, risk group,
transparency obligations, systemic risk, open source, conformity assessment body), plus the tree's
own "in use / in development" status. The label values stay exactly as the tree spells them.

Two rules read the tree's structure and are stated here so they can be checked against a new file:

* The conclusions numbered ``11.x`` are the tree's "the AI Act does not apply" group (no algorithm,
  not an AI system or model, an exemption, no role). The open-source exemption reaches ``11.2``
  without a label of its own, so whether the Act applies is read from the conclusion, not the labels.
* A conformity-assessment label together with "geen hoog-risico AI" only arises when a system in an
  Annex III area was exempted from the high-risk list (Article 6(3)): the Annex I route always gives
  "hoog-risico AI". :attr:`AIActProfile.annex_iii_exception` reads that.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from algoreg.standard.enums import PublicationCategory


class LabelFamily(StrEnum):
    """A family of labels; the values are the task registry's ``ai_act_profile`` keys where it has one."""

    SYSTEM_TYPE = "type"
    ROLE = "role"
    RISK_GROUP = "risk_group"
    TRANSPARENCY_OBLIGATIONS = "transparency_obligations"
    SYSTEMIC_RISK = "systemic_risk"
    OPEN_SOURCE = "open_source"
    CONFORMITY_ASSESSMENT_BODY = "conformity_assessment_body"
    OPERATIONAL_STATUS = "operational_status"


AI_SYSTEM = "AI-systeem"
GENERAL_PURPOSE_AI_SYSTEM = "AI-systeem voor algemene doeleinden"
GENERAL_PURPOSE_AI_MODEL = "AI-model voor algemene doeleinden"
NO_ALGORITHM = "geen algoritme"
PROVIDER = "aanbieder"
DEPLOYER = "gebruiksverantwoordelijke"
IMPORTER = "importeur"
DISTRIBUTOR = "distributeur"
PROHIBITED = "verboden AI"
HIGH_RISK = "hoog-risico AI"
NOT_HIGH_RISK = "geen hoog-risico AI"
EXEMPTED = "uitzondering van toepassing"
TRANSPARENCY = "transparantieverplichting"
NO_TRANSPARENCY = "geen transparantieverplichting"
SYSTEMIC_RISK = "systeemrisico"
NO_SYSTEMIC_RISK = "geen systeemrisico"
OPEN_SOURCE = "open-source"
NOT_OPEN_SOURCE = "geen open-source"
THIRD_PARTY_ASSESSMENT = "beoordeling door derde partij"
NO_THIRD_PARTY_ASSESSMENT = "niet van toepassing"
IN_USE = "in gebruik"
IN_DEVELOPMENT = "in ontwikkeling"

#: Every label the decision tree gives, by family, in a fixed order.
FAMILIES: Mapping[LabelFamily, tuple[str, ...]] = {
    LabelFamily.SYSTEM_TYPE: (AI_SYSTEM, GENERAL_PURPOSE_AI_SYSTEM, GENERAL_PURPOSE_AI_MODEL, NO_ALGORITHM),
    LabelFamily.ROLE: (PROVIDER, DEPLOYER, IMPORTER, DISTRIBUTOR),
    LabelFamily.RISK_GROUP: (PROHIBITED, HIGH_RISK, NOT_HIGH_RISK, EXEMPTED),
    LabelFamily.TRANSPARENCY_OBLIGATIONS: (TRANSPARENCY, NO_TRANSPARENCY),
    LabelFamily.SYSTEMIC_RISK: (SYSTEMIC_RISK, NO_SYSTEMIC_RISK),
    LabelFamily.OPEN_SOURCE: (OPEN_SOURCE, NOT_OPEN_SOURCE),
    LabelFamily.CONFORMITY_ASSESSMENT_BODY: (THIRD_PARTY_ASSESSMENT, NO_THIRD_PARTY_ASSESSMENT),
    LabelFamily.OPERATIONAL_STATUS: (IN_USE, IN_DEVELOPMENT),
}

_FAMILY_OF = {label: family for family, labels in FAMILIES.items() for label in labels}

#: Conclusions whose id starts so say the AI Act does not apply (see the module docstring).
NOT_APPLICABLE_PREFIX = "11."


def family_of(label: str) -> LabelFamily | None:
    """Return the family a label belongs to, or None for a label this module does not know."""
    return _FAMILY_OF.get(label)


class AIActProfile(BaseModel):
    """What the decision aid found about an algorithm, label family by label family.

    Each family holds the labels given from it (in the order of :data:`FAMILIES`); most hold one at
    most, the role can hold two ("aanbieder" and "gebruiksverantwoordelijke"). Labels of no known
    family (from a newer tree) are kept in ``other_labels`` rather than dropped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    conclusion_id: str | None = None
    #: Whether the AI Act applies; None while no conclusion has been reached.
    ai_act_applies: bool | None = None
    system_type: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    risk_group: tuple[str, ...] = ()
    transparency_obligations: tuple[str, ...] = ()
    systemic_risk: tuple[str, ...] = ()
    open_source: tuple[str, ...] = ()
    conformity_assessment_body: tuple[str, ...] = ()
    operational_status: tuple[str, ...] = ()
    other_labels: tuple[str, ...] = ()

    def family(self, family: LabelFamily) -> tuple[str, ...]:
        """Return the labels of one family."""
        return tuple(getattr(self, _FIELD[family]))

    @property
    def is_high_risk(self) -> bool:
        """The algorithm is a high-risk AI system under the AI Act."""
        return HIGH_RISK in self.risk_group and self.ai_act_applies is not False

    @property
    def is_prohibited(self) -> bool:
        """The algorithm is a prohibited AI practice (Article 5) without an exception."""
        return PROHIBITED in self.risk_group

    @property
    def has_transparency_obligation(self) -> bool:
        """Article 50's transparency obligations apply."""
        return TRANSPARENCY in self.transparency_obligations

    @property
    def has_systemic_risk(self) -> bool:
        """The general-purpose AI model has systemic risk."""
        return SYSTEMIC_RISK in self.systemic_risk

    @property
    def is_open_source(self) -> bool:
        """Shared under a free or open licence with its code and parameters public."""
        return OPEN_SOURCE in self.open_source

    @property
    def annex_iii_exception(self) -> bool:
        """An Annex III (high-risk area) system that the Article 6(3) exception took off the list."""
        return bool(self.conformity_assessment_body) and NOT_HIGH_RISK in self.risk_group


_FIELD: Mapping[LabelFamily, str] = {
    LabelFamily.SYSTEM_TYPE: "system_type",
    LabelFamily.ROLE: "role",
    LabelFamily.RISK_GROUP: "risk_group",
    LabelFamily.TRANSPARENCY_OBLIGATIONS: "transparency_obligations",
    LabelFamily.SYSTEMIC_RISK: "systemic_risk",
    LabelFamily.OPEN_SOURCE: "open_source",
    LabelFamily.CONFORMITY_ASSESSMENT_BODY: "conformity_assessment_body",
    LabelFamily.OPERATIONAL_STATUS: "operational_status",
}


def profile_from_labels(labels: Iterable[str], conclusion_id: str | None = None) -> AIActProfile:
    """Sort the labels into their families; with a conclusion, also say whether the AI Act applies."""
    ordered = list(labels)
    given = set(ordered)
    families = {
        _FIELD[family]: tuple(label for label in known if label in given)
        for family, known in FAMILIES.items()
    }
    other = tuple(dict.fromkeys(label for label in ordered if label not in _FAMILY_OF))
    applies = None if conclusion_id is None else not conclusion_id.startswith(NOT_APPLICABLE_PREFIX)
    return AIActProfile(conclusion_id=conclusion_id, ai_act_applies=applies, other_labels=other, **families)


class ProposalReason(StrEnum):
    """Why a publication category is proposed."""

    HIGH_RISK_AI = "high_risk_ai"
    PROHIBITED_PRACTICE = "prohibited_practice"
    TRANSPARENCY_OBLIGATION = "transparency_obligation"
    SYSTEMIC_RISK = "systemic_risk"
    ANNEX_III_EXCEPTION = "annex_iii_exception"
    NO_IMPACT_SIGNAL = "no_impact_signal"


class CategoryProposal(BaseModel):
    """A proposed publication category for the register, with the reasons for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: PublicationCategory
    #: False when the category follows from the AI Act profile; True when it is a proposal that the
    #: organisation confirms or changes (the choice between impactful and other algorithms is theirs).
    organisation_decides: bool
    reasons: tuple[ProposalReason, ...]


def propose_publication_category(profile: AIActProfile) -> CategoryProposal:
    """Propose the register's publication category from an AI Act profile.

    The rule, in order:

    1. A high-risk AI system (risk group "hoog-risico AI" and the Act applies) is published as
       "Hoog-risico AI-systeem": the standard ties that category to the AI Act classification.
    2. Otherwise the organisation chooses between "Impactvolle algoritmes" and "Overige algoritmes"
       (the Handreiking Algoritmeregister's test: legal or otherwise significant effects on people).
       The decision tree does not ask that, so the proposal is "Impactvolle algoritmes" when the
       profile itself shows that people are affected: a prohibited practice (it must stop, and while
       it runs it affects people), Article 50 transparency obligations (the system interacts with
       people or generates content about them, or recognises emotions or biometric categories), a
       general-purpose model with systemic risk, or a system in an Annex III high-risk area that the
       Article 6(3) exception took off the list (the area itself, e.g. benefits or law enforcement,
       concerns people's rights).
    3. Otherwise "Overige algoritmes", as a proposal: nothing in the profile shows impact, but the
       tree never asked about legal effects, so the organisation must still apply the Handreiking.
    """
    if profile.is_high_risk:
        return CategoryProposal(
            category=PublicationCategory.HIGH_RISK_AI,
            organisation_decides=False,
            reasons=(ProposalReason.HIGH_RISK_AI,),
        )
    signals = (
        (profile.is_prohibited, ProposalReason.PROHIBITED_PRACTICE),
        (profile.has_transparency_obligation, ProposalReason.TRANSPARENCY_OBLIGATION),
        (profile.has_systemic_risk, ProposalReason.SYSTEMIC_RISK),
        (profile.annex_iii_exception, ProposalReason.ANNEX_III_EXCEPTION),
    )
    reasons = tuple(reason for present, reason in signals if present)
    if reasons:
        return CategoryProposal(
            category=PublicationCategory.IMPACTFUL, organisation_decides=True, reasons=reasons
        )
    return CategoryProposal(
        category=PublicationCategory.OTHER,
        organisation_decides=True,
        reasons=(ProposalReason.NO_IMPACT_SIGNAL,),
    )


#: The task registry's ``ai_act_profile`` keys, in its schema's order, and the families behind them.
TASK_REGISTRY_KEYS: tuple[LabelFamily, ...] = (
    LabelFamily.SYSTEM_TYPE,
    LabelFamily.OPEN_SOURCE,
    LabelFamily.RISK_GROUP,
    LabelFamily.SYSTEMIC_RISK,
    LabelFamily.TRANSPARENCY_OBLIGATIONS,
    LabelFamily.ROLE,
    LabelFamily.CONFORMITY_ASSESSMENT_BODY,
)


def to_task_registry_profile(profile: AIActProfile) -> dict[str, list[str]]:
    """Return the profile in the shape of the task registry's ``ai_act_profile`` (key → labels).

    Every key is present (an empty list when the tree gave nothing for it). The values are the ones the
    registry's schema allows: "niet van toepassing" (no third-party conformity assessment) is left out
    of ``conformity_assessment_body``, whose only value is "beoordeling door derde partij". When the AI
    Act does not apply (a conclusion ``11.x``) the risk group is "uitzondering van toepassing" alone —
    the registry's value for "outside the Act" — so no requirement that asks for an AI Act risk group
    matches, also when the tree had already given one (the open-source exemption does so).
    """
    shaped = {family.value: list(profile.family(family)) for family in TASK_REGISTRY_KEYS}
    shaped[LabelFamily.CONFORMITY_ASSESSMENT_BODY.value] = [
        label for label in profile.conformity_assessment_body if label != NO_THIRD_PARTY_ASSESSMENT
    ]
    if profile.ai_act_applies is False:
        shaped[LabelFamily.RISK_GROUP.value] = [EXEMPTED]
    return shaped
