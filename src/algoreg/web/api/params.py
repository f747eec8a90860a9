"""Bounds on the numbers the JSON API takes in paths and queries."""

from typing import Annotated

from fastapi import Path

#: The largest number an integer column holds (PostgreSQL's ``integer``, 32 bits signed). A larger
#: id, version number or offset names nothing; it is refused as input instead of failing in the
#: database (PostgreSQL refuses to compare an integer column with it, SQLite beyond 64 bits).
MAX_INTEGER = 2**31 - 1

#: A stored thing's number in a path (an id, a version number): from 1 up to :data:`MAX_INTEGER`.
PathNumber = Annotated[int, Path(ge=1, le=MAX_INTEGER)]
