"""Roles within an organisation and the principal (person or token) acting in a request."""

from dataclasses import dataclass, field
from enum import StrEnum

from algoreg.errors import Forbidden


class Role(StrEnum):
    """A role in one organisation; each role may do everything the roles before it may."""

    VIEWER = "viewer"
    EDITOR = "editor"
    PUBLISHER = "publisher"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order viewer < editor < publisher < admin."""
        return list(Role).index(self)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a display name for the audit log, roles per organisation id, superuser flag."""

    name: str
    roles: dict[int, Role] = field(default_factory=dict)
    is_superuser: bool = False

    def role_in(self, organisation_id: int) -> Role | None:
        """Return this principal's role in the organisation, if any (superusers are admins)."""
        if self.is_superuser:
            return Role.ADMIN
        return self.roles.get(organisation_id)

    def can(self, organisation_id: int, needed: Role) -> bool:
        """Tell whether this principal holds ``needed`` or a higher role in the organisation."""
        role = self.role_in(organisation_id)
        return role is not None and role.rank >= needed.rank

    def require(self, organisation_id: int, needed: Role, doing: str) -> None:
        """Raise :class:`Forbidden` unless this principal holds at least ``needed`` there."""
        if not self.can(organisation_id, needed):
            held = self.role_in(organisation_id)
            held_text = f"your role there is {held.value}" if held else "you have no role in it"
            raise Forbidden(
                f"To {doing} you need the role {needed.value} (or higher) in this organisation; {held_text}."
            )


SYSTEM = Principal(name="system", is_superuser=True)
