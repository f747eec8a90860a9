"""Instruments: assessments and decision aids run as data, and the implementation framework.

Every instrument is a definition file read by an engine; a new version of an instrument is a new
file, not new code. Official definitions are imported from their published formats into our own
typed models; every question, node and requirement keeps a stable id, and every state an engine
computes is JSON-serialisable, so answers and outcomes can be stored as they are.

Subpackages:

* :mod:`.questionnaire` — questionnaires (IAMA, AIIA, DPIA and its pre-scan, our own samples): our
  definition format, the engine that says which questions are visible, how far each part is,
  whether a stop was reached and whether the assessment is complete, and importers of the
  task-registry instrument format and the assessment-definition format.
* :mod:`.decision_tree` — decision aids such as the AI Act decision tree.
* :mod:`.framework` — the implementation framework: requirements, measures, roles and phases.

Our own sample definitions live in ``definitions/``.
"""
