"""The kinds of government organisation, apart so that the command line can name them cheaply."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    """Kind of government organisation."""

    MINISTERIE = "ministerie"
    PROVINCIE = "provincie"
    GEMEENTE = "gemeente"
    WATERSCHAP = "waterschap"
    ZBO = "zbo"
    OTHER = "other"
