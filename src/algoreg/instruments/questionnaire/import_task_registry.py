"""Import of instruments in the task-registry format (``schema_instruments.json``, version 1.1.0).

That format lists tasks without parts or conditions. The translation:

* the instrument's ``urn`` ``urn:nl:aivt:tr:iama:1.0`` gives id ``urn:nl:aivt:tr:iama`` and
  version ``1.0``; ``name`` the title;
* consecutive tasks with the same ``topic`` label form a part titled by the topic (its id the
  topic in lower case with dashes; ``-2``, ``-3`` … when a topic comes back later); other labels
  become tags ``key:value``;
* each task becomes a question whose id is the task's ``urn`` and whose number is the urn's last
  segment: ``open_question`` a multi-line text, ``sign_task`` and ``statement`` a statement to
  sign, ``upload_document`` an upload. ``closed_question`` cannot carry options in this format, so
  it becomes a text question, with a note. A task with an upload beside another type gets a second
  question for the upload, id ``<urn>:upload``. Types ``requirement`` and ``measure`` fail;
* ``suggested_roles`` → roles, ``lifecycle`` → lifecycle, ``links`` → links (empty placeholders
  ``{}`` left out), ``required_status`` (or ``status: optional``) → required, default required;
* ``depends_on`` → shown only when every task it names has been answered;
* ``template``, ``signature``, ``expiration_date``, ``owners``, ``date`` and ``systemcard_path``
  are slots for answers and for the system card, not part of the definition.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire.conditions import AllOf, Condition, NotEmpty
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
    Instrument,
    Link,
    Part,
    Question,
    StatementQuestion,
    TextQuestion,
    UploadQuestion,
)

KIND = "task-registry"
_URN = re.compile(r"^(?P<id>urn:nl:aivt:tr:[a-z]+):(?P<version>[0-9]+\.[0-9]+)$")
_TaskType = Literal[
    "open_question", "closed_question", "sign_task", "upload_document", "statement", "requirement", "measure"
]


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Label(_Source):
    key: str
    value: str


class _Link(_Source):
    text: str | None = None
    url: str | None = None
    urn: str | None = None
    systemcard_path: str | None = None
    version: str | None = None


class _Dependency(_Source):
    text: str | None = None
    urn: str | None = None


class _Owner(_Source):
    organization: str
    name: str
    email: str
    role: str


class _Task(_Source):
    question: str | None = None
    urn: str = Field(pattern=r"^urn:nl:aivt:tr:[a-z]+:[0-9]+\.[0-9]+:[0-9A-Za-z\.]+$")
    labels: list[_Label]
    type: list[_TaskType]
    suggested_roles: list[str]
    lifecycle: list[str]
    links: list[_Link]
    required_status: bool | None = None
    status: Literal["optional", "required"] | None = None
    depends_on: list[_Dependency] = []
    signature: list[dict[str, Any]] | None = None
    expiration_date: str | None = None
    template: dict[str, Any]


class _Definition(_Source):
    systemcard_path: str
    schema_version: Literal["1.1.0"]
    name: str
    description: str
    urn: str
    language: str
    owners: list[_Owner]
    date: str
    url: str
    template: dict[str, Any] | None = None
    tasks: list[_Task] = []


def import_task_registry(path: Path | str) -> ImportResult:
    """Return the instrument in the task-registry file at ``path``, translated into our model.

    A file that does not follow the format, or holds a construct without translation, raises
    :class:`InvalidInput` naming the file and the location (``tasks[3] ('urn:…')``).
    """
    file = Path(path)
    return convert_task_registry(read_yaml(file), source=str(file))


def convert_task_registry(data: Any, *, source: str = "task-registry instrument") -> ImportResult:
    """Return the instrument that ``data`` (a parsed task-registry file) defines; see the module."""
    summary = f"{source} cannot be imported as a {KIND} instrument."
    try:
        definition = _Definition.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(problems=validation_problems(error, data, source), summary=summary) from error
    notes: list[ImportNote] = []
    try:
        instrument = _instrument(definition, notes)
    except Untranslatable as error:
        raise import_failure(source, error, KIND) from error
    except InvalidInput as error:
        raise with_source(error, source, summary) from error
    return ImportResult(instrument=instrument, source=source, source_format=KIND, notes=tuple(notes))


def _instrument(definition: _Definition, notes: list[ImportNote]) -> Instrument:
    match = _URN.match(definition.urn)
    if match is None:
        untranslatable("urn", f"'{definition.urn}' is not of the form urn:nl:aivt:tr:<name>:<major>.<minor>")
    if not definition.tasks:
        untranslatable("tasks", "the instrument has no tasks")
    parts = tuple(_parts(definition, notes))
    with translating("(top)"):
        return Instrument(
            id=match["id"],
            version=match["version"],
            title=definition.name,
            description=definition.description or None,
            language=definition.language,
            url=definition.url or None,
            parts=parts,
        )


def _topic(task: _Task) -> str:
    return next((label.value for label in task.labels if label.key == "topic"), "")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _parts(definition: _Definition, notes: list[ImportNote]) -> Iterator[Part]:
    runs: list[tuple[str, list[tuple[int, _Task]]]] = []
    for index, task in enumerate(definition.tasks):
        topic = _topic(task)
        if runs and runs[-1][0] == topic:
            runs[-1][1].append((index, task))
        else:
            runs.append((topic, [(index, task)]))
    used: dict[str, int] = {}
    for number, (topic, tasks) in enumerate(runs, start=1):
        base = _slug(topic) or f"part-{number}"
        used[base] = used.get(base, 0) + 1
        part_id = base if used[base] == 1 else f"{base}-{used[base]}"
        items: list[Question] = []
        for index, task in tasks:
            items.extend(_questions(task, f"tasks[{index}] ('{task.urn}')", notes))
        with translating(f"tasks[{tasks[0][0]}].labels"):
            yield Part(id=part_id, title=topic or definition.name, items=tuple(items))


def _required(task: _Task, location: str) -> bool:
    conflicting = task.status is not None and task.required_status is not None
    if conflicting and (task.status == "required") != task.required_status:
        untranslatable(location, f"status '{task.status}' contradicts required_status {task.required_status}")
    if task.required_status is not None:
        return task.required_status
    return task.status != "optional"


def _visible_when(task: _Task, location: str) -> Condition | None:
    conditions: list[Condition] = []
    for index, dependency in enumerate(task.depends_on):
        if not dependency.urn:
            untranslatable(
                f"{location}.depends_on[{index}]",
                "a dependency without a task urn cannot be turned into a condition",
            )
        conditions.append(NotEmpty(question=dependency.urn, not_empty=True))
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else AllOf(conditions=tuple(conditions))


def _questions(task: _Task, location: str, notes: list[ImportNote]) -> list[Question]:
    with translating(location):
        return list(_task_questions(task, location, notes))


def _task_questions(task: _Task, location: str, notes: list[ImportNote]) -> Iterator[Question]:
    types = set(task.type)
    for framework_type in ("requirement", "measure"):
        if framework_type in types:
            untranslatable(
                f"{location}.type", f"type '{framework_type}' names a framework element, not a question"
            )
    if not task.question:
        untranslatable(f"{location}.question", "a task without question text cannot be asked")
    if not types:
        untranslatable(f"{location}.type", "a task needs a type")
    common: dict[str, Any] = {
        "text": task.question,
        "number": task.urn.rsplit(":", 1)[-1],
        "required": _required(task, location),
        "visible_when": _visible_when(task, location),
        "roles": tuple(task.suggested_roles),
        "lifecycle": tuple(task.lifecycle),
        "links": tuple(
            Link(
                urn=link.urn,
                url=link.url,
                text=link.text,
                systemcard_path=link.systemcard_path,
                version=link.version,
            )
            for link in task.links
            if link.urn or link.url or link.text or link.systemcard_path
        ),
        "tags": tuple(f"{label.key}:{label.value}" for label in task.labels if label.key != "topic"),
    }
    if types & {"sign_task", "statement"}:
        yield StatementQuestion(type="statement", id=task.urn, **common)
    elif types & {"closed_question", "open_question"}:
        if "closed_question" in types:
            notes.append(
                ImportNote(
                    location=f"{location}.type",
                    message="a closed question without options in this format: imported as a text question",
                )
            )
        yield TextQuestion(type="text", id=task.urn, multiline=True, **common)
    if "upload_document" in types:
        alone = types == {"upload_document"}
        upload_id = task.urn if alone else f"{task.urn}:upload"
        yield UploadQuestion(
            type="upload", id=upload_id, **{**common, "number": None if not alone else common["number"]}
        )
