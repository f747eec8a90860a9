"""Import of instruments in the assessment-definition format (``assessment-definition.v1``/``v2``).

That format nests tasks; a task's ``type`` says whether it is a group, a text, a question with
options and so on. The translation, feature by feature:

* ``urn`` and ``version`` → id and version; ``name`` → title. ``prefixQuestionIds`` and
  ``is_official_id`` decide which elements show their id as a number.
* A top-level task marked ``informational`` → the introduction (notices); any other top-level
  group → a part; a top-level question → a part holding just that question.
* ``task_group`` with tasks → a group (``repeatable`` → a repeatable group; ``item_name`` and
  ``instance_label_template`` carried over). A ``task_group`` without tasks is text to read: a
  notice, or a **stop** when it is shown only under a condition (the form then tells its user to
  go no further, as IAMA 2.0 does for prohibited AI): the task's text is the stop's reason.
* ``text_input`` → one-line text; ``open_text`` → multi-line text; ``radio_option``,
  ``select_option`` → single choice (shown as radio buttons or a drop-down);
  ``checkbox_option``, ``multiselect_option``, ``multiselect_scrollable`` → multiple choice;
  ``date`` → date; ``image`` → upload of an image; ``informational`` → notice. ``repeatable`` on
  a question → a repeatable question (a list of entries).
* Options keep their values (``true``/``false`` stay booleans); an option whose value is ``null``
  gets the value ``"null"``, because in our answers a missing value means "not answered".
* ``dependencies``: ``conditional`` with action ``show`` → ``visible_when`` (``equals`` →
  ``equals``, ``contains`` → ``contains``; a value written with quotes, ``"'x'"``, is the string
  ``x``), action ``hide`` → ``not``; several dependencies must all hold. ``source_options`` →
  ``options_from``. ``instance_mapping`` ``one_to_one`` → ``instances_from`` on a repeatable
  element and ``prefill_from`` on any other. Anything else fails, naming the location.
* ``required_status`` → required; when absent, every question counts as required, except those
  in a group of action points (a part may have none).
* ``action_point_group`` → a group whose answers are action points; ``action_point_summary`` →
  the part that shows them all; ``in_fria`` → tag ``fria``; ``category`` → tag
  ``category:<value>``; ``references`` → cross references; ``sources`` → resources;
  ``description`` → help.
* ``calculation`` (scores), the top-level ``assessments`` (advice rules) and ``defaultValue`` are
  written in another expression language or outside our model: each becomes an import note.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire.conditions import AllOf, Condition, Contains, Equals, Not, Scalar
from algoreg.instruments.questionnaire.files import read_yaml, validation_problems, with_source
from algoreg.instruments.questionnaire.importing import (
    ImportNote,
    ImportResult,
    Untranslatable,
    import_failure,
    translating,
    untranslatable,
)
from algoreg.instruments.questionnaire.model import (
    CrossReference,
    DateQuestion,
    Element,
    Group,
    Instrument,
    MultipleChoiceQuestion,
    Notice,
    Option,
    Part,
    Resource,
    SingleChoiceQuestion,
    Stop,
    TextQuestion,
    UploadQuestion,
)

KIND = "assessment-definition"
NULL_OPTION = "null"

_TaskType = Literal[
    "text_input",
    "open_text",
    "select_option",
    "multiselect_option",
    "multiselect_scrollable",
    "checkbox_option",
    "radio_option",
    "task_group",
    "informational",
    "date",
    "image",
]
_VALUE_TYPES = frozenset({"string", "boolean", "number", "string[]", "boolean|null"})
_SourceScalar = StrictBool | StrictInt | StrictFloat | StrictStr | None


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Option(_Source):
    value: _SourceScalar
    label: str | None = None


class _Condition(_Source):
    id: str | None = None
    operator: Literal["equals", "contains", "any", "all"] | None = None
    value: _SourceScalar = None


class _Target(_Source):
    id: str


class _Dependency(_Source):
    type: Literal["conditional", "source_options", "instance_mapping"]
    condition: _Condition | None = None
    source: _Target | None = None
    mapping_type: Literal["one_to_one", "one_to_many", "many_to_one"] | None = None
    action: Literal["show", "hide", "options", "sync_instances"]
    calculation: dict[str, Any] | None = None


class _Reference(_Source):
    id: str
    type: str


class _Calculation(_Source):
    scoreKey: str | None = None  # noqa: N815 (the format's own key)
    expression: str | None = None
    riskScore: list[dict[str, Any]] = []  # noqa: N815


class _Resource(_Source):
    source: str
    description: str | None = None


class _Task(_Source):
    task: str
    description: str | None = None
    category: str | None = None
    id: str
    is_official_id: bool | None = None
    in_fria: bool | None = None
    action_point_group: bool | None = None
    action_point_summary: bool | None = None
    type: list[_TaskType]
    options: list[_Option] | None = None
    valueType: str | None = None  # noqa: N815
    defaultValue: Any = None  # noqa: N815
    instance_label_template: str | None = None
    item_name: str | None = None
    references: dict[str, str | list[str] | _Reference | list[_Reference]] | None = None
    dependencies: list[_Dependency] = []
    calculation: _Calculation | None = None
    sources: list[_Resource] = []
    required_status: bool | None = None
    repeatable: bool
    tasks: list["_Task"] = []


class _Level(_Source):
    level: Literal["required", "recommended"]
    expression: str
    result: str
    explanation: str | None = None
    criteria: list[dict[str, Any]] = []


class _Assessment(_Source):
    id: str
    levels: list[_Level]


class _Definition(_Source):
    name: str
    description: str | None = None
    version: str | None = None
    urn: str
    prefixQuestionIds: bool | None = None  # noqa: N815
    tasks: list[_Task]
    assessments: list[_Assessment] = []


def import_assessment_definition(path: Path | str) -> ImportResult:
    """Return the instrument in the assessment-definition file at ``path``, translated into our model.

    A file that does not follow the format, or holds a construct without translation (a condition
    operator or dependency kind we cannot express), raises :class:`InvalidInput` naming the file
    and the location (``tasks[1].tasks[3] ('1.3.2').dependencies[0]``).
    """
    file = Path(path)
    return convert_assessment_definition(read_yaml(file), source=str(file))


def convert_assessment_definition(data: Any, *, source: str = "assessment definition") -> ImportResult:
    """Return the instrument that ``data`` (a parsed assessment-definition file) defines; see the module."""
    summary = f"{source} cannot be imported as an {KIND} instrument."
    try:
        definition = _Definition.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(problems=validation_problems(error, data, source), summary=summary) from error
    converter = _Converter(definition)
    try:
        instrument = converter.instrument()
    except Untranslatable as error:
        raise import_failure(source, error, KIND) from error
    except InvalidInput as error:
        raise with_source(error, source, summary) from error
    return ImportResult(
        instrument=instrument, source=source, source_format=KIND, notes=tuple(converter.notes)
    )


def _literal(value: Any) -> Scalar:
    if value is None:
        return NULL_OPTION
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value  # type: ignore[no-any-return]


class _Converter:
    def __init__(self, definition: _Definition) -> None:
        self.definition = definition
        self.notes: list[ImportNote] = []

    def note(self, location: str, message: str) -> None:
        self.notes.append(ImportNote(location=location, message=message))

    def instrument(self) -> Instrument:
        definition = self.definition
        if not definition.version:
            untranslatable("version", "the definition has no version; ours needs one")
        introduction: list[Notice] = []
        parts: list[Part] = []
        for index, task in enumerate(definition.tasks):
            location = f"tasks[{index}] ('{task.id}')"
            if "informational" in task.type:
                introduction.extend(self.introduction(task, location))
            else:
                parts.append(self.part(task, location))
        for index, assessment in enumerate(definition.assessments):
            for level_index, level in enumerate(assessment.levels):
                self.note(
                    f"assessments[{index}] ('{assessment.id}').levels[{level_index}]",
                    f"advice rule '{level.result}' ({level.level}) is not imported: its expression "
                    f"'{level.expression}' and criteria use scores and functions outside our condition "
                    "language",
                )
        with translating("(top)"):
            return Instrument(
                id=definition.urn,
                version=definition.version,
                title=definition.name,
                description=definition.description,
                introduction=tuple(introduction),
                parts=tuple(parts),
            )

    def introduction(self, task: _Task, location: str) -> Iterator[Notice]:
        if task.dependencies:
            untranslatable(f"{location}.dependencies", "an introduction cannot depend on answers")
        yield self.notice(task, location)
        for index, child in enumerate(task.tasks):
            child_location = f"{location}.tasks[{index}] ('{child.id}')"
            if not set(child.type) <= {"task_group", "informational"}:
                untranslatable(
                    child_location, "a question inside an informational section cannot be translated"
                )
            yield from self.introduction(child, child_location)

    def notice(self, task: _Task, location: str, visible_when: Condition | None = None) -> Notice:
        text = task.description or task.task
        if not text.strip():
            untranslatable(location, "a text block without text")
        with translating(location):
            return Notice(
                type="notice",
                id=task.id,
                title=task.task if task.description else None,
                text=text,
                visible_when=visible_when,
                resources=self.resources(task),
            )

    def part(self, task: _Task, location: str) -> Part:
        with translating(location):
            return self._part(task, location)

    def _part(self, task: _Task, location: str) -> Part:
        if "task_group" in task.type and not task.repeatable:
            if not task.tasks:
                untranslatable(location, "a top-level group without tasks cannot be a part")
            dependencies = self.dependencies(task, location)
            items = tuple(
                self.elements(task.tasks, location, task.task, in_points=False, in_repeatable=False)
            )
        else:
            dependencies = _Dependencies()
            items = (self.element(task, location, "", in_points=False, in_repeatable=False),)
        return Part(
            id=task.id,
            title=task.task,
            help=task.description,
            number=self.number(task),
            items=items,
            visible_when=dependencies.visible_when,
            action_point_summary=bool(task.action_point_summary),
            tags=self.tags(task),
            references=self.references(task),
            resources=self.resources(task),
        )

    def elements(
        self, tasks: list[_Task], location: str, title: str, *, in_points: bool, in_repeatable: bool
    ) -> Iterator[Element]:
        for index, task in enumerate(tasks):
            yield self.element(
                task,
                f"{location}.tasks[{index}] ('{task.id}')",
                title,
                in_points=in_points,
                in_repeatable=in_repeatable,
            )

    def element(
        self, task: _Task, location: str, title: str, *, in_points: bool, in_repeatable: bool
    ) -> Element:
        with translating(location):
            return self._element(task, location, title, in_points=in_points, in_repeatable=in_repeatable)

    def _element(
        self, task: _Task, location: str, title: str, *, in_points: bool, in_repeatable: bool
    ) -> Element:
        types = set(task.type)
        dependencies = self.dependencies(task, location)
        if task.calculation is not None:
            self.note(
                f"{location}.calculation",
                f"score '{task.calculation.scoreKey}' ({task.calculation.expression}) is not imported: "
                "scores are outside our format",
            )
        if "defaultValue" in task.model_fields_set:
            self.note(f"{location}.defaultValue", "a default value is not imported")
        if "task_group" in types:
            if not types <= {"task_group", "informational"}:
                untranslatable(f"{location}.type", f"a group cannot also be {sorted(types - {'task_group'})}")
            if task.tasks:
                return self.group(
                    task, location, dependencies, in_points=in_points, in_repeatable=in_repeatable
                )
            if task.repeatable:
                untranslatable(location, "a repeatable group without tasks")
            if dependencies.visible_when is not None and not in_repeatable:
                return Stop(
                    type="stop",
                    id=task.id,
                    when=dependencies.visible_when,
                    reason=task.task,
                    help=task.description,
                    resources=self.resources(task),
                )
            return self.notice(task, location, dependencies.visible_when)
        if types == {"informational"}:
            return self.notice(task, location, dependencies.visible_when)
        if len(types) != 1:
            untranslatable(f"{location}.type", f"a question of several types {sorted(types)}")
        if task.tasks:
            untranslatable(f"{location}.tasks", "only a task_group can hold tasks")
        return self.question(task, location, title, dependencies, in_points=in_points)

    def group(
        self,
        task: _Task,
        location: str,
        dependencies: "_Dependencies",
        *,
        in_points: bool,
        in_repeatable: bool,
    ) -> Group:
        points = in_points or bool(task.action_point_group)
        if dependencies.options_from is not None:
            untranslatable(f"{location}.dependencies", "a group cannot take options from answers")
        return Group(
            type="group",
            id=task.id,
            title=task.task or None,
            help=task.description,
            number=self.number(task),
            items=tuple(
                self.elements(
                    task.tasks,
                    location,
                    task.task,
                    in_points=points,
                    in_repeatable=in_repeatable or task.repeatable,
                )
            ),
            repeatable=task.repeatable,
            required=task.repeatable
            and (task.required_status if task.required_status is not None else not points),
            item_name=task.item_name,
            instance_label=task.instance_label_template,
            instances_from=dependencies.instances_from,
            action_points=bool(task.action_point_group),
            visible_when=dependencies.visible_when,
            tags=self.tags(task),
            references=self.references(task),
            resources=self.resources(task),
        )

    def question(
        self, task: _Task, location: str, title: str, dependencies: "_Dependencies", *, in_points: bool
    ) -> Element:
        if task.valueType is not None and task.valueType not in _VALUE_TYPES:
            untranslatable(f"{location}.valueType", f"value type '{task.valueType}' is not known")
        text = task.task or title
        if not text.strip():
            untranslatable(f"{location}.task", "a question without text, also in its group")
        kind = task.type[0]
        common: dict[str, Any] = {
            "id": task.id,
            "text": text,
            "help": task.description,
            "number": self.number(task),
            "required": task.required_status if task.required_status is not None else not in_points,
            "repeatable": task.repeatable,
            "item_name": task.item_name,
            "visible_when": dependencies.visible_when,
            "tags": self.tags(task),
            "references": self.references(task),
            "resources": self.resources(task),
            "prefill_from": None if task.repeatable else dependencies.instances_from,
            "instances_from": dependencies.instances_from if task.repeatable else None,
        }
        if kind in (
            "radio_option",
            "select_option",
            "checkbox_option",
            "multiselect_option",
            "multiselect_scrollable",
        ):
            options = tuple(
                Option(value=_literal(option.value), label=option.label) for option in task.options or []
            )
            if kind in ("radio_option", "select_option"):
                display: Literal["radio", "dropdown"] = "radio" if kind == "radio_option" else "dropdown"
                return SingleChoiceQuestion(
                    type="single_choice",
                    options=options,
                    options_from=dependencies.options_from,
                    display=display,
                    **common,
                )
            return MultipleChoiceQuestion(
                type="multiple_choice", options=options, options_from=dependencies.options_from, **common
            )
        if task.options:
            untranslatable(f"{location}.options", f"a '{kind}' task cannot have options")
        if dependencies.options_from is not None:
            untranslatable(f"{location}.dependencies", f"a '{kind}' task cannot take options from answers")
        if kind == "date":
            return DateQuestion(type="date", **common)
        if kind == "image":
            return UploadQuestion(type="upload", accept=("image/*",), **common)
        return TextQuestion(type="text", multiline=kind == "open_text", **common)

    def dependencies(self, task: _Task, location: str) -> "_Dependencies":
        result = _Dependencies()
        conditions: list[Condition] = []
        for index, dependency in enumerate(task.dependencies):
            where = f"{location}.dependencies[{index}]"
            if dependency.calculation is not None:
                self.note(
                    f"{where}.calculation",
                    "a score inside a dependency is not imported: scores are outside our format",
                )
            if dependency.type == "conditional":
                conditions.append(self.condition(dependency, where))
            elif dependency.type == "source_options":
                result.options_from = self.source_options(dependency, where, result.options_from)
            else:
                result.instances_from = self.instance_mapping(dependency, where, result.instances_from)
        if conditions:
            result.visible_when = (
                conditions[0] if len(conditions) == 1 else AllOf(conditions=tuple(conditions))
            )
        return result

    def condition(self, dependency: _Dependency, where: str) -> Condition:
        condition = dependency.condition
        if dependency.action not in ("show", "hide"):
            untranslatable(f"{where}.action", f"a conditional dependency with action '{dependency.action}'")
        if condition is None or not condition.id:
            untranslatable(f"{where}.condition", "a conditional dependency needs a condition on a task id")
        leaf: Condition
        if condition.operator == "equals":
            leaf = Equals(question=condition.id, equals=_literal(condition.value))
        elif condition.operator == "contains":
            leaf = Contains(question=condition.id, contains=_literal(condition.value))
        else:
            untranslatable(
                f"{where}.condition.operator",
                f"operator '{condition.operator}' in a show/hide rule has no defined meaning to translate; "
                "allowed: equals, contains",
            )
        return leaf if dependency.action == "show" else Not(condition=leaf)

    @staticmethod
    def source_options(dependency: _Dependency, where: str, earlier: str | None) -> str:
        condition = dependency.condition
        if dependency.action != "options" or condition is None or not condition.id:
            untranslatable(
                where, "source_options needs action 'options' and a condition naming the source task"
            )
        if condition.operator not in (None, "any") or condition.value is not None:
            untranslatable(f"{where}.condition", "source_options can only offer any of the source's answers")
        if earlier is not None:
            untranslatable(where, "options can come from one source only")
        return condition.id

    @staticmethod
    def instance_mapping(dependency: _Dependency, where: str, earlier: str | None) -> str:
        if dependency.action != "sync_instances" or dependency.source is None:
            untranslatable(where, "instance_mapping needs action 'sync_instances' and a source task")
        if dependency.mapping_type != "one_to_one":
            untranslatable(
                f"{where}.mapping_type",
                f"mapping '{dependency.mapping_type}' cannot be translated; allowed: one_to_one",
            )
        if earlier is not None:
            untranslatable(where, "entries can follow one source only")
        return dependency.source.id

    def number(self, task: _Task) -> str | None:
        official = task.is_official_id
        if official is None:
            official = bool(self.definition.prefixQuestionIds)
        return task.id if official else None

    @staticmethod
    def tags(task: _Task) -> tuple[str, ...]:
        tags = []
        if task.in_fria:
            tags.append("fria")
        if task.category:
            tags.append(f"category:{task.category}")
        return tuple(tags)

    @staticmethod
    def references(task: _Task) -> tuple[CrossReference, ...]:
        found: list[CrossReference] = []
        for instrument, value in (task.references or {}).items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    found.append(CrossReference(instrument=instrument, id=item))
                else:
                    found.append(CrossReference(instrument=instrument, id=item.id, relation=item.type))
        return tuple(found)

    @staticmethod
    def resources(task: _Task) -> tuple[Resource, ...]:
        return tuple(Resource(source=item.source, description=item.description) for item in task.sources)


class _Dependencies:
    """What a task's dependencies translate to."""

    def __init__(self) -> None:
        self.visible_when: Condition | None = None
        self.options_from: str | None = None
        self.instances_from: str | None = None
