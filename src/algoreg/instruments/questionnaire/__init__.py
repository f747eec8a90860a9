"""Questionnaires as data: our definition format, the engine, and importers of official formats.

Modules:

* :mod:`.conditions` — the small condition language (``equals``, ``in``, ``contains``,
  ``not_empty``, ``at_least``/``at_most``, combined with ``all``, ``any``, ``not``).
* :mod:`.model` — the definition: instrument, parts, questions of eight types, groups (repeatable
  or not), notices and stops; :mod:`.checks` — the consistency rules a definition must meet;
  :mod:`.structure` — where each element sits.
* :mod:`.answers` — one answer checked against its question.
* :mod:`.engine` — visible questions, progress per part, stop reached, completeness, action points.
* :mod:`.our_format` — our YAML format, its JSON Schema and our sample definitions.
* :mod:`.import_task_registry` and :mod:`.import_assessment_definition` — the official task-registry
  and assessment-definition formats, translated into our model (:mod:`.importing` holds the result
  type and notes).
"""

from algoreg.instruments.questionnaire.answers import validate_answer
from algoreg.instruments.questionnaire.engine import (
    ActionPoint,
    AssessmentState,
    FieldState,
    PartProgress,
    StopReached,
    accepted_answers,
    action_points,
    answer_problems,
    check_answers,
    evaluate,
    is_complete,
    options_of,
    progress,
    reached_stop,
    visible_questions,
)
from algoreg.instruments.questionnaire.import_assessment_definition import import_assessment_definition
from algoreg.instruments.questionnaire.import_task_registry import import_task_registry
from algoreg.instruments.questionnaire.importing import ImportNote, ImportResult
from algoreg.instruments.questionnaire.model import Group, Instrument, Notice, Part, Question, Stop
from algoreg.instruments.questionnaire.our_format import (
    definition_json_schema,
    dump_definition,
    load_definition,
    parse_definition,
    sample_definitions,
)

__all__ = [
    "ActionPoint",
    "AssessmentState",
    "FieldState",
    "Group",
    "ImportNote",
    "ImportResult",
    "Instrument",
    "Notice",
    "Part",
    "PartProgress",
    "Question",
    "Stop",
    "StopReached",
    "accepted_answers",
    "action_points",
    "answer_problems",
    "check_answers",
    "definition_json_schema",
    "dump_definition",
    "evaluate",
    "import_assessment_definition",
    "import_task_registry",
    "is_complete",
    "load_definition",
    "options_of",
    "parse_definition",
    "progress",
    "reached_stop",
    "sample_definitions",
    "validate_answer",
    "visible_questions",
]
