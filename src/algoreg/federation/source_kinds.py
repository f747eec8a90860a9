"""The kinds of harvest source, apart so that the command line can name them cheaply."""

from enum import StrEnum


class SourceKind(StrEnum):
    """How a source is read."""

    ALGOREG = "algoreg"
    FILE = "file"
    DELIVERY = "delivery"
