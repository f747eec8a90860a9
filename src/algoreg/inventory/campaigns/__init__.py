"""Request campaigns ("uitvraag"): a central organisation asks others to apply an IAMA to their
algorithms with human-rights risks and to publish them in an algorithm register.

* :mod:`.inputs` — what a campaign, an answer, a report or a support request consists of, validated.
* :mod:`.access` — who may do what: the central organisation runs a campaign, each asked
  organisation answers for itself and sees only its own part.
* :mod:`.campaigns` — preparing, opening and closing a campaign, and the organisations it asks.
* :mod:`.answers` — an asked organisation's scope (its algorithms and their risks) and reports.
* :mod:`.action_states` — the state of every asked action, read from the records themselves (the
  assessments and the register), so that a campaign's progress cannot drift from them.
* :mod:`.support` — requests for expertise or budget, granted or declined with a reason.
* :mod:`.progress` — progress per organisation and in total, for dashboards and exports.
* :mod:`.reminders` — reminders before deadlines, always recorded, e-mailed when SMTP is configured.
"""
