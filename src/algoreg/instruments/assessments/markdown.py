"""An assessment's output as Markdown, in Dutch or English: a pure function of the gathered output.

Every text that comes from the definition or from answers is escaped, so that an answer cannot
make a heading, a link or HTML of itself.
"""

import re

from algoreg.instruments.assessments.content import Item, Lang
from algoreg.instruments.assessments.document import AssessmentOutput

_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "algorithm": "Algoritme",
        "organisation": "Organisatie",
        "instrument": "Instrument",
        "state": "Stand",
        "round": "Ronde",
        "progress": "Voortgang",
        "part": "Onderdeel",
        "answered": "Beantwoord",
        "required": "Verplicht beantwoord",
        "participants": "Deelnemers",
        "answers": "Antwoorden",
        "not_answered": "Nog niet beantwoord",
        "by": "door {author} op {when}",
        "stop": "Gestopt",
        "action_points": "Actiepunten",
        "sign_offs": "Ondertekening",
        "signed": "Ronde {round}: ondertekend als {role} op {when}",
        "signed_by": " door {who}",
        "reopened": "heropend op {when}: {reason}",
        "none": "Geen",
        "open": "open",
        "signed_off": "ondertekend",
        "reopened_state": "heropend",
    },
    "en": {
        "algorithm": "Algorithm",
        "organisation": "Organisation",
        "instrument": "Instrument",
        "state": "State",
        "round": "Round",
        "progress": "Progress",
        "part": "Part",
        "answered": "Answered",
        "required": "Required answered",
        "participants": "Participants",
        "answers": "Answers",
        "not_answered": "Not answered yet",
        "by": "by {author} on {when}",
        "stop": "Stopped",
        "action_points": "Action points",
        "sign_offs": "Sign-off",
        "signed": "Round {round}: signed off as {role} on {when}",
        "signed_by": " by {who}",
        "reopened": "reopened on {when}: {reason}",
        "none": "None",
        "open": "open",
        "signed_off": "signed off",
        "reopened_state": "reopened",
    },
}

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(text: str) -> str:
    """``text`` with every Markdown and HTML special character escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _when(moment: object) -> str:
    text = moment.isoformat(timespec="minutes") if hasattr(moment, "isoformat") else str(moment)
    return text.replace("+00:00", " UTC")


def _items(items: tuple[Item, ...], labels: dict[str, str], depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    for item in items:
        number = f"{escape(item.number)} " if item.number else ""
        if item.kind == "stop":
            lines.append(f"{indent}- **{labels['stop']}:** {escape(item.text)}")
            continue
        lines.append(f"{indent}- **{number}{escape(item.text)}**")
        if item.kind == "question":
            if item.answer is None:
                lines.append(f"{indent}  _{labels['not_answered']}_")
            else:
                lines.extend(f"{indent}  {escape(line)}" for line in item.answer)
        if item.answered is not None:
            by = labels["by"].format(
                author=escape(item.answered.author), when=_when(item.answered.answered_at)
            )
            lines.append(f"{indent}  _({by})_")
        _items(item.items, labels, depth + 1, lines)


def to_markdown(output: AssessmentOutput) -> str:
    """The output as Markdown in its language: facts, progress, answers, action points, sign-off."""
    lang: Lang = output.lang
    labels = _LABELS[lang]
    view = output.view
    state = {"open": labels["open"], "signed_off": labels["signed_off"], "reopened": labels["reopened_state"]}
    lines = [
        f"# {escape(view.title)}",
        "",
        f"- **{labels['algorithm']}:** {escape(output.algorithm_name)} ({escape(view.algorithm_public_id)})",
        f"- **{labels['organisation']}:** {escape(view.organisation_name)}",
        f"- **{labels['instrument']}:** {escape(view.instrument_key)} {escape(view.instrument_version)}",
        f"- **{labels['state']}:** {state[view.state.value]}; {labels['round'].lower()} {view.round}",
        "",
        f"## {labels['progress']}",
        "",
        f"| {labels['part']} | {labels['answered']} | {labels['required']} |",
        "|---|---|---|",
    ]
    for part in view.parts:
        if part.visible:
            title = escape(f"{part.number} {part.title}" if part.number else part.title)
            answered = f"{part.answered} / {part.questions}"
            lines.append(f"| {title} | {answered} | {part.required_answered} / {part.required} |")
    if output.participants:
        lines += ["", f"## {labels['participants']}", ""]
        lines += [f"- {escape(item.display_name)} ({escape(item.role)})" for item in output.participants]
    lines += ["", f"## {labels['answers']}"]
    for content in output.parts:
        title = escape(f"{content.number} {content.title}" if content.number else content.title)
        lines += ["", f"### {title}", ""]
        _items(content.items, labels, 0, lines)
    lines += ["", f"## {labels['action_points']}", ""]
    if output.action_points:
        for point in output.action_points:
            values = "; ".join(escape(str(value)) for value in point.values.values())
            lines.append(f"- {values}")
    else:
        lines.append(f"- {labels['none']}")
    lines += ["", f"## {labels['sign_offs']}", ""]
    if not view.sign_offs:
        lines.append(f"- {labels['none']}")
    for sign_off in view.sign_offs:
        text = labels["signed"].format(
            round=sign_off.round, role=escape(sign_off.signed_as), when=_when(sign_off.signed_at)
        )
        if sign_off.signed_by:
            text += labels["signed_by"].format(who=escape(sign_off.signed_by))
        if sign_off.reopened_at is not None:
            reason = escape(sign_off.reopen_reason or "")
            text += "; " + labels["reopened"].format(when=_when(sign_off.reopened_at), reason=reason)
        lines.append(f"- {text}")
    return "\n".join(lines) + "\n"
