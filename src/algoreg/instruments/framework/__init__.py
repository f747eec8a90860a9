"""The implementation framework (Algoritmekader) as data.

Modules:

* :mod:`.model` — lifecycle phases, roles, requirements and measures as typed values.
* :mod:`.load` — import from the task-registry format, every file and link checked.
* :mod:`.applicability` — which requirements apply to an algorithm's AI Act profile, and why;
  the measures that follow, per lifecycle phase.
* :mod:`.audit` — the ADR and Algemene Rekenkamer audit items, their link to measures, and audit
  readiness per algorithm and per organisation.
* :mod:`.catalogue` — the catalogue of instruments ("hulpmiddelen"): search, filters, links.
* :mod:`.own_instruments` — an organisation's own instruments in that catalogue.
* :mod:`.checklist` — the non-discrimination-by-design checklist, with bias-test evidence.
"""
