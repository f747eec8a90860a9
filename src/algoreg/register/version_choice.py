"""Choosing two published versions to compare, from what a reader typed or picked.

Pure functions. A choice either names two published version numbers, or lists for each bad input
which parameter it was and why, so that a page can say so next to the right field.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from algoreg.register.algorithms import PublicAlgorithm

#: Problem messages are English source texts with a ``%(given)s`` placeholder for translation.
MISSING = "Choose a version."
NOT_A_NUMBER = "'%(given)s' is not a version number. Choose a version from the list."
NOT_PUBLISHED = "Version %(given)s was never published. Choose a version from the list."


@dataclass(frozen=True)
class ChoiceProblem:
    """What is wrong with one parameter (``"van"`` or ``"naar"``) of a comparison."""

    parameter: str
    message: str
    given: str


@dataclass(frozen=True)
class VersionChoice:
    """Two version numbers to compare (``None`` where the input was bad), and the problems."""

    from_number: int | None
    to_number: int | None
    errors: list[ChoiceProblem] = field(default_factory=list)

    @classmethod
    def default(cls, history: Sequence[PublicAlgorithm]) -> "VersionChoice":
        """Return the newest published version compared with the one before it."""
        numbers = [item.version_number for item in history]
        return cls(numbers[-2] if len(numbers) > 1 else numbers[-1], numbers[-1])

    def error_for(self, parameter: str) -> ChoiceProblem | None:
        """Return the problem with ``parameter``, if there is one."""
        return next((problem for problem in self.errors if problem.parameter == parameter), None)


def _pick(parameter: str, given: str | None, published: set[int]) -> int | ChoiceProblem:
    text = (given or "").strip()
    if not text:
        return ChoiceProblem(parameter, MISSING, "")
    if not text.isdecimal() or len(text) > 9:
        return ChoiceProblem(parameter, NOT_A_NUMBER, text[:40])
    number = int(text)
    if number not in published:
        return ChoiceProblem(parameter, NOT_PUBLISHED, str(number))
    return number


def choose_versions(
    history: Sequence[PublicAlgorithm], from_text: str | None, to_text: str | None
) -> VersionChoice:
    """Return the versions to compare; with neither given, the newest and the one before it.

    Each given value must be the number of a published version in ``history`` (which must not be
    empty); otherwise the choice carries a problem for that parameter and ``None`` as its number.
    """
    if from_text is None and to_text is None:
        return VersionChoice.default(history)
    published = {item.version_number for item in history}
    picked = [_pick("van", from_text, published), _pick("naar", to_text, published)]
    errors = [item for item in picked if isinstance(item, ChoiceProblem)]
    numbers = [item if isinstance(item, int) else None for item in picked]
    return VersionChoice(numbers[0], numbers[1], errors)
