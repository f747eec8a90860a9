"""Assessments: an instrument answered for an algorithm by several people, signed off, reopened.

Modules, each with one job:

* :mod:`.library` — instruments imported from files (any format the questionnaire importers read)
  and stored, per organisation or for all; their register title and signing roles.
* :mod:`.access` — finding an assessment, and who may read, answer, sign off.
* :mod:`.overview` — starting an assessment; its state, progress per part and current answers.
* :mod:`.participants` — people taking part in the instrument's roles.
* :mod:`.answering` — answers checked by the engine, stored append-only with author, time, round.
* :mod:`.signing` — sign-off (refused while unfinished or stopped), the register's
  ``impacttoetsen_grouping`` entry for IAMA and DPIA, reopening.
* :mod:`.document` and :mod:`.markdown` — the output as JSON and as Markdown (HTML and PDF are
  drawn by the web's report module from the same content).

Every function that writes runs in the caller's transaction, checks who acts, and records an
audit event; it completes whole or raises.
"""

from algoreg.instruments.assessments.access import AssessmentState
from algoreg.instruments.assessments.answering import AnswerView, answer_history, record_answers
from algoreg.instruments.assessments.library import (
    InstrumentView,
    import_instrument_file,
    list_instruments,
    store_instrument,
)
from algoreg.instruments.assessments.overview import (
    AssessmentView,
    PartView,
    assessments_of_algorithm,
    get_assessment,
    start_assessment,
)
from algoreg.instruments.assessments.participants import (
    ParticipantView,
    add_participant,
    list_participants,
    remove_participant,
)
from algoreg.instruments.assessments.signing import assessment_link, reopen, sign_off

__all__ = [
    "AnswerView",
    "AssessmentState",
    "AssessmentView",
    "InstrumentView",
    "PartView",
    "ParticipantView",
    "add_participant",
    "answer_history",
    "assessment_link",
    "assessments_of_algorithm",
    "get_assessment",
    "import_instrument_file",
    "list_instruments",
    "list_participants",
    "record_answers",
    "remove_participant",
    "reopen",
    "sign_off",
    "start_assessment",
    "store_instrument",
]
