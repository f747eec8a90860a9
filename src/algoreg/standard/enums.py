"""Enumerations of publication standard 1.0, spelled exactly as the standard spells them."""

from enum import StrEnum


class Category(StrEnum):
    """Policy area ("Thema") in which an algorithm is used: the 16 values of standard 1.0."""

    ORGANISATION = "Organisatie en bedrijfsvoering"
    CULTURE = "Cultuur en recreatie"
    ECONOMY = "Economie"
    PUBLIC_FINANCE = "Overheidsfinanciën"
    HOUSING = "Wonen"
    INTERNATIONAL = "Internationaal"
    MIGRATION = "Migratie en integratie"
    NATURE = "Natuur en milieu"
    EDUCATION = "Onderwijs en wetenschap"
    PUBLIC_ORDER = "Openbare orde en veiligheid"
    LAW = "Recht"
    SPATIAL = "Ruimte en infrastructuur"
    SOCIAL_SECURITY = "Sociale zekerheid"
    TRAFFIC = "Verkeer"
    WORK = "Werk"
    HEALTH = "Zorg en gezondheid"


class Status(StrEnum):
    """Whether the algorithm is in development, in use, or out of use."""

    IN_DEVELOPMENT = "In ontwikkeling"
    IN_USE = "In gebruik"
    OUT_OF_USE = "Buiten gebruik"


class PublicationCategory(StrEnum):
    """The standard's publication category, which decides what must be published."""

    HIGH_RISK_AI = "Hoog-risico AI-systeem"
    IMPACTFUL = "Impactvolle algoritmes"
    OTHER = "Overige algoritmes"


class Lang(StrEnum):
    """Language of a record; standard 1.0 knows only Dutch."""

    DUTCH = "nld"


class StandardVersion(StrEnum):
    """Versions of the publication standard that Algoreg can read."""

    V0_1 = "0.1"
    V0_2_3 = "0.2.3"
    V0_3_1 = "0.3.1"
    V0_4 = "0.4"
    V1_0 = "1.0"


CURRENT_STANDARD_VERSION = StandardVersion.V1_0
