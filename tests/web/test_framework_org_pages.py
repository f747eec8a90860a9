"""An organisation's framework pages on the real app: audit readiness over its algorithms (numbers
checked against the domain on a constructed case, filters, chart), its own measures (adding and
changing them through the forms, errors at their fields), the dashboard's links, and refusals."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm, AuditEvent, FrameworkTask, FrameworkTaskEvent, OwnMeasure
from algoreg.db.session import transaction
from algoreg.instruments.framework import definitions, profile_store, progress, tasks
from algoreg.instruments.framework.audit import OrganisationReadiness
from algoreg.instruments.framework.tasks import TaskChange
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of
from tests.instruments.framework_tasks_support import (
    ORGANISATIONS,
    answers,
    audit_items,
    high_risk_path,
    import_official,
    make_algorithm,
)
from tests.web.test_bias_report_pages import alert_of, person, text_of
from tests.web.test_manage_pages import login

Factory = sessionmaker[Session]
READINESS = "/beheer/organisatie/gm0001/auditgereedheid"
OWN = "/beheer/organisatie/gm0001/eigen-maatregelen"


def fragment_text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def table(page: Response, table_id: str) -> list[list[str]]:
    """The body rows of the table with this id, each as its cells' texts."""
    assert f'id="{table_id}"' in page.text, table_id
    body = page.text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    return [
        [fragment_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


def post(client: TestClient, path: str, data: dict[str, Any], page: str) -> Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def count(factory: Factory, model: Any, *where: Any) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def organisations(make_organisation: Callable[..., str]) -> None:
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)


def profiled(factory: Factory) -> str:
    """A draft algorithm of gm0001 with a high-risk AI Act profile, so with framework tasks."""
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        profile_store.record_profile(session, SYSTEM, public_id, answers(high_risk_path()))
    return public_id


def task_ids(factory: Factory, public_id: str) -> dict[str, int]:
    """The algorithm's framework tasks in scope: measure id → task id."""
    with transaction(factory) as session:
        rows = session.execute(
            select(FrameworkTask.measure_id, FrameworkTask.id).where(
                FrameworkTask.algorithm_id
                == select(Algorithm.id).where(Algorithm.public_id == public_id).scalar_subquery(),
                FrameworkTask.in_scope.is_(True),
                FrameworkTask.measure_id.is_not(None),
            )
        ).all()
    return {str(measure): task_id for measure, task_id in rows}


def set_status(factory: Factory, public_id: str, task_id: int, status: str) -> None:
    reason = "Geen persoonsgegevens" if status == "not_applicable" else None
    with transaction(factory) as session:
        tasks.update_task(session, SYSTEM, public_id, task_id, TaskChange(status=status, reason=reason))


@pytest.fixture
def constructed(factory: Factory, organisations: None) -> dict[str, Any]:
    """Two profiled algorithms of gm0001, four measures mapped to four audit items, statuses set:

    ======  ==========  ==========  ===========================================
    item    measures    A           B
    ======  ==========  ==========  ===========================================
    ADR 1   m1, m2      covered     partly (m1 done, m2 to do)
    ADR 2   m3          not         covered (not applicable)
    ADR 3   m4          not         not
    ARK 1   m1          covered     covered
    ARK 2   (none: the mapping gives a reason why no measure serves it)
    ======  ==========  ==========  ===========================================
    """
    import_official(factory)
    first, second = profiled(factory), profiled(factory)
    of_first, of_second = task_ids(factory, first), task_ids(factory, second)
    m1, m2, m3, m4 = sorted(set(of_first) & set(of_second))[:4]
    adr = [item for item in audit_items() if item.framework == "ADR"][:3]
    ark = [item for item in audit_items() if item.framework == "ARK"][:2]
    mapping = {
        "measures": {
            m1: {"ADR": [adr[0].number], "ARK": [ark[0].number]},
            m2: {"ADR": [adr[0].number]},
            m3: {"ADR": [adr[1].number]},
            m4: {"ADR": [adr[2].number]},
        },
        "unmapped": {"ARK": {ark[1].number: "No measure asks for this in our judgement."}},
    }
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, audit_items(), mapping)
    for measure, status in ((m1, "done"), (m2, "done")):
        set_status(factory, first, of_first[measure], status)
    for measure, status in ((m1, "done"), (m3, "not_applicable")):
        set_status(factory, second, of_second[measure], status)
    return {"first": first, "second": second, "adr": adr, "ark": ark}


# --- audit readiness ------------------------------------------------------------------------------------


def test_the_readiness_page_counts_as_the_domain_does_per_framework_item_and_algorithm(
    client: TestClient, factory: Factory, constructed: dict[str, Any]
) -> None:
    login(client, person(factory, "vera", Role.VIEWER))
    page = client.get(READINESS)
    assert page.status_code == 200, page.text
    adr_total = sum(1 for item in audit_items() if item.framework == "ADR")
    ark_total = len(audit_items()) - adr_total
    # the charts' tables: audit items per coverage over the organisation
    assert table(page, "table-adr") == [
        ["Gedekt", "0"],
        ["Deels gedekt", "2"],
        ["Niet gedekt", "1"],
        ["Geen maatregelen gekoppeld", str(adr_total - 3)],
    ]
    assert [row[1] for row in table(page, "table-ark")] == ["1", "0", "0", str(ark_total - 1)]
    # the same as the domain gives
    with transaction(factory) as session:
        found = progress.organisation_audit_readiness(session, SYSTEM, "gm0001")
    assert isinstance(found.result, OrganisationReadiness)
    for framework, counts in found.result.summary.items():
        shown = [int(row[1]) for row in table(page, f"table-{framework.lower()}")]
        assert shown == [counts["covered"], counts["partly"], counts["not"], counts["unmapped"]]
    # per algorithm, linked to its readiness on its tasks page
    first, second = constructed["first"], constructed["second"]
    per_algorithm = {
        re.search(r'data-algorithm="([^"]+)"', row).group(1): row  # type: ignore[union-attr]
        for row in re.findall(
            r"<tr[^>]*data-algorithm[^>]*>.*?</tr>",
            page.text.split('id="algorithms-adr"', 1)[1].split("</table>", 1)[0],
            re.DOTALL,
        )
    }
    assert set(per_algorithm) == {first, second}
    assert f'href="/beheer/algoritme/{first}/maatregelen#readiness-title"' in per_algorithm[first]
    cells = {key: re.findall(r"<td[^>]*>(\d+)</td>", row) for key, row in per_algorithm.items()}
    assert cells[first] == ["1", "0", "2", str(adr_total - 3)]
    assert cells[second] == ["1", "1", "1", str(adr_total - 3)]
    # the item no measure serves says why, as the mapping gives it; others do not
    assert page.text.count("No measure asks for this in our judgement.") == 1
    reason_id = f'id="unserved-ARK-{constructed["ark"][1].number.replace(".", "-")}"'
    assert reason_id in page.text
    # every item with its text, coverage and algorithms per coverage
    rows = {row[0]: row for row in table(page, "items-table")}
    assert len(rows) == len(audit_items())
    adr, ark = constructed["adr"], constructed["ark"]
    assert rows[f"ADR {adr[0].number}"][2:] == ["Deels gedekt", "1", "1", "0", "0", "2"]
    assert rows[f"ADR {adr[1].number}"][2:] == ["Deels gedekt", "1", "0", "1", "0", "1"]
    assert rows[f"ADR {adr[2].number}"][2:] == ["Niet gedekt", "0", "0", "2", "0", "1"]
    assert rows[f"ARK {ark[0].number}"][2:] == ["Gedekt", "2", "0", "0", "0", "1"]
    assert " ".join(adr[0].text.split()) in rows[f"ADR {adr[0].number}"][1]
    assert 'id="readiness-unmapped"' not in page.text
    # the chart is an image with a text alternative, drawn as SVG
    assert re.search(
        r'<img[^>]+src="/beheer/organisatie/gm0001/auditgereedheid/grafiek/adr\.svg\?lang=nl"', page.text
    )
    svg = client.get(f"{READINESS}/grafiek/adr.svg?lang=nl")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<title>ADR: auditpunten naar dekking</title>" in svg.text
    assert client.get(f"{READINESS}/grafiek/bestaat-niet.svg").status_code == 404


def test_the_readiness_page_filters_by_framework_and_coverage_and_reports_unknown_values(
    client: TestClient, factory: Factory, constructed: dict[str, Any]
) -> None:
    login(client, person(factory, "vera", Role.VIEWER))
    ark = client.get(READINESS, params={"kader": "ARK"})
    assert ark.status_code == 200
    assert 'id="table-ark"' in ark.text and 'id="table-adr"' not in ark.text
    assert {row[0].split()[0] for row in table(ark, "items-table")} == {"ARK"}
    assert re.search(r'<option value="ARK" selected>', ark.text)
    not_covered = client.get(READINESS, params={"dekking": "not"})
    assert [row[0] for row in table(not_covered, "items-table")] == [f"ADR {constructed['adr'][2].number}"]
    nothing = client.get(READINESS, params={"kader": "ARK", "dekking": "not"})
    assert 'id="items-none"' in nothing.text
    unknown = client.get(READINESS, params={"kader": "XYZ", "dekking": "alles"})
    assert unknown.status_code == 422 and 'id="alert-message"' in unknown.text
    shown = text_of(unknown)
    assert "Het toetsingskader 'XYZ' is hier niet bekend; kies uit: ADR, ARK." in shown
    assert "De dekking 'alles' is niet bekend" in shown
    assert shown.startswith("Fout:")
    assert 'id="table-adr"' in unknown.text and 'id="table-ark"' in unknown.text  # everything shown
    english = client.get(READINESS, params={"lang": "en", "kader": "ADR"})
    assert "Audit readiness of Gemeente Een" in text_of(english)
    assert table(english, "table-adr")[0][0] == "Covered"


def test_the_readiness_page_says_what_is_missing_and_how_to_import_it(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    # nothing imported
    page = client.get(READINESS)
    assert page.status_code == 200 and 'id="readiness-not-imported"' in page.text
    assert "docs/instruments/audit-mapping.md" in text_of(page)
    assert "algoreg framework import --audit-items" in text_of(page)
    # items imported without a mapping, no algorithm with tasks
    import_official(factory)
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, audit_items(), None)
    make_algorithm(factory)
    assert 'id="readiness-no-tasks"' in client.get(READINESS).text
    # an algorithm with tasks: every item unmapped, and the page says how to import a mapping
    profiled(factory)
    page = client.get(READINESS)
    assert 'id="readiness-unmapped"' in page.text and "docs/instruments/audit-mapping.md" in text_of(page)
    assert [row[1] for row in table(page, "table-adr")][:3] == ["0", "0", "0"]


def test_other_organisations_and_anonymous_visitors_get_nothing(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    for url in (READINESS, OWN, f"{READINESS}/grafiek/adr.svg"):
        anonymous = client.get(url, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/inloggen")
    login(client, person(factory, "otto", Role.ADMIN, "gm0002"))
    assert client.get(READINESS).status_code == 403
    assert client.get(OWN).status_code == 403
    assert client.get("/beheer/organisatie/gm9999/eigen-maatregelen").status_code == 404
    token = csrf_of(client.get("/beheer").text)
    refused = client.post(OWN, data={"code": "x", "name": "X", "csrf_token": token})
    assert refused.status_code == 403
    assert count(factory, OwnMeasure) == 0


# --- own measures ---------------------------------------------------------------------------------------


def test_an_editor_adds_an_own_measure_and_bad_input_is_shown_at_its_field(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    import_official(factory)
    public_id = profiled(factory)
    login(client, person(factory, "eva", Role.EDITOR))
    page = client.get(OWN)
    assert page.status_code == 200 and 'id="own-measures-none"' in page.text
    assert 'id="own-measure-form"' in page.text and 'name="phases" value="ontwerp"' in page.text
    # every problem at its field, what was typed kept, nothing stored
    bad = post(
        client,
        OWN,
        {"code": "Eigen 01", "name": " ", "description": "x" * 10_001, "phases": ["ontwerp", "maan"]},
        OWN,
    )
    assert bad.status_code == 422
    for field in ("code", "name", "description", "phases"):
        assert f'id="measure-{field}-error"' in bad.text, field
    assert 'value="Eigen 01"' in bad.text and re.search(r'value="ontwerp" checked', bad.text)
    assert 'aria-invalid="true"' in bad.text and 'href="#measure-code"' in bad.text
    shown = text_of(bad)
    assert shown.startswith("Fout:")
    assert "Gebruik 1 tot 64 kleine letters (a-z), cijfers en koppeltekens" in shown
    assert "Geef een naam van 1 tot 200 tekens." in shown
    assert "Deze tekst is 10001 tekens lang" in shown
    assert "Kies fasen van het Algoritmekader." in shown
    assert count(factory, OwnMeasure) == 0
    # a good one: stored, listed, a task for the algorithm with tasks, audited
    good = post(
        client,
        OWN,
        {
            "code": "eigen-01",
            "name": "Toets door de ethische commissie",
            "description": "",
            "phases": ["ontwerp"],
        },
        OWN,
    )
    assert good.status_code == 303 and good.headers["location"].endswith("?gedaan=toegevoegd")
    listed = client.get(good.headers["location"])
    assert "De eigen maatregel is toegevoegd" in text_of(listed)
    rows = table(listed, "own-measures-table")
    assert rows[0][:2] == ["eigen-01", "Toets door de ethische commissie"]
    with transaction(factory) as session:
        measure = session.scalar(select(OwnMeasure))
        assert measure is not None and measure.phases == ["ontwerp"]
        task = session.scalar(select(FrameworkTask).where(FrameworkTask.own_measure_id == measure.id))
        assert task is not None
        assert (
            session.scalar(select(Algorithm.public_id).where(Algorithm.id == task.algorithm_id)) == public_id
        )
    assert count(factory, AuditEvent, AuditEvent.action == "own_measure.add") == 1
    # the same code again is refused at the code
    again = post(client, OWN, {"code": "eigen-01", "name": "Nog eens"}, OWN)
    assert again.status_code == 422 and 'id="measure-code-error"' in again.text
    assert "'eigen-01' is al de code van een eigen maatregel" in text_of(again)
    assert count(factory, OwnMeasure) == 1


def test_a_viewer_reads_own_measures_but_cannot_add_or_change_them(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    assert post(client, OWN, {"code": "eigen-01", "name": "Eigen"}, OWN).status_code == 303
    with transaction(factory) as session:
        measure_id = session.scalar(select(OwnMeasure.id))
    client.cookies.clear()
    login(client, person(factory, "vera", Role.VIEWER))
    page = client.get(OWN)
    assert page.status_code == 200 and 'id="own-measure-form"' not in page.text
    assert table(page, "own-measures-table")[0][0] == "eigen-01"
    one = client.get(f"{OWN}/{measure_id}")
    assert one.status_code == 200 and 'id="own-measure-form"' not in one.text
    assert post(client, OWN, {"code": "eigen-02", "name": "Eigen"}, OWN).status_code == 403
    assert post(client, f"{OWN}/{measure_id}", {"name": "Anders"}, OWN).status_code == 403
    assert count(factory, OwnMeasure) == 1


def test_phases_before_the_framework_is_imported_are_refused_in_the_readers_language(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    # given no Algoritmekader imported, and an editor who sends phases anyway
    login(client, person(factory, "eva", Role.EDITOR))
    given = {"code": "eigen-01", "name": "Eigen", "phases": ["ontwerp"]}
    # when she adds the measure, then it is refused in Dutch with what to do, and nothing is stored
    refused = post(client, OWN, given, OWN)
    assert refused.status_code == 409
    assert alert_of(refused.text) == (
        "De maatregelen van het Algoritmekader (het takenregister) zijn nog niet in dit register ingelezen; "
        "een beheerder leest ze in met: algoreg framework import --task-registry &lt;folder&gt;"
    )
    assert 'value="eigen-01"' in refused.text and count(factory, OwnMeasure) == 0
    # and in English on an English page
    english = post(client, f"{OWN}?lang=en", given, OWN)
    assert english.status_code == 409 and alert_of(english.text).startswith(
        "The measures of the Algoritmekader (its task registry) have not been imported"
    )
    # and so is a change of an existing measure
    assert post(client, OWN, {"code": "eigen-01", "name": "Eigen"}, OWN).status_code == 303
    with transaction(factory) as session:
        measure_id = session.scalar(select(OwnMeasure.id))
    changed = post(client, f"{OWN}/{measure_id}?lang=nl", {"name": "Anders", "phases": ["ontwerp"]}, OWN)
    assert changed.status_code == 409 and alert_of(changed.text).startswith(
        "De maatregelen van het Algoritmekader"
    )
    assert client.get(f"{OWN}/{(measure_id or 0) + 1}").status_code == 404


def test_an_own_measure_is_changed_its_tasks_follow_and_the_history_shows_it(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    import_official(factory)
    profiled(factory)
    login(client, person(factory, "eva", Role.EDITOR))
    post(client, OWN, {"code": "eigen-01", "name": "Eigen", "phases": ["ontwerp"]}, OWN)
    with transaction(factory) as session:
        measure_id = session.scalar(select(OwnMeasure.id))
    url = f"{OWN}/{measure_id}"
    page = client.get(url)
    assert page.status_code == 200 and 'value="Eigen"' in page.text and 'name="code"' not in page.text
    # a bad name: refused at its field, what was typed kept
    bad = post(client, url, {"name": "", "description": "Nieuw", "phases": ["ontwerp"]}, url)
    assert (
        bad.status_code == 422 and 'id="measure-name-error"' in bad.text and ">Nieuw</textarea>" in bad.text
    )
    # a good change moves the tasks to the new phases and is in the history
    changed = post(
        client, url, {"name": "Eigen toets", "description": "", "phases": ["monitoring-en-beheer"]}, url
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("?gedaan=gewijzigd")
    shown = client.get(changed.headers["location"])
    history = fragment_text(shown.text.split('id="measure-history"', 1)[1].split("</ol>", 1)[0])
    assert "Toegevoegd" in history and "Gewijzigd (Naam, Levenscyclusfasen)" in history
    with transaction(factory) as session:
        task = session.scalar(select(FrameworkTask).where(FrameworkTask.own_measure_id == measure_id))
        assert task is not None and task.phases == ["monitoring-en-beheer"]
        events = session.scalars(
            select(FrameworkTaskEvent.action).where(FrameworkTaskEvent.task_id == task.id)
        )
        assert list(events) == ["create", "refresh"]
    assert count(factory, AuditEvent, AuditEvent.action == "own_measure.change") == 1
    # the same values again change nothing
    post(client, url, {"name": "Eigen toets", "description": "", "phases": ["monitoring-en-beheer"]}, url)
    assert count(factory, AuditEvent, AuditEvent.action == "own_measure.change") == 1


def test_the_own_measure_api_changes_and_tells_its_history(
    client: TestClient, factory: Factory, organisations: None, make_token: Callable[..., dict[str, str]]
) -> None:
    editor = make_token("gm0001", Role.EDITOR)
    viewer = make_token("gm0001", Role.VIEWER)
    other = make_token("gm0002", Role.ADMIN)
    base = "/api/v1/organisations/gm0001/own-measures"
    added = client.post(base, json={"code": "eigen-01", "name": "Eigen"}, headers=editor).json()
    path = f"{base}/{added['id']}"
    changed = client.patch(path, json={"description": "Wat het team doet"}, headers=editor)
    assert changed.status_code == 200 and changed.json()["description"] == "Wat het team doet"
    assert changed.json()["name"] == "Eigen"
    null = client.patch(path, json={"name": None}, headers=editor)
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "name"
    empty = client.patch(path, json={"name": ""}, headers=editor)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "name"
    assert client.patch(path, json={"name": "X"}, headers=viewer).status_code == 403
    assert client.patch(path, json={"name": "X"}, headers=other).status_code == 403
    assert client.patch(f"{base}/{added['id'] + 1}", json={"name": "X"}, headers=editor).status_code == 404
    history = client.get(f"{path}/history", headers=viewer).json()
    assert [event["action"] for event in history] == ["add", "change"]
    assert history[1]["changes"] == {"description": ["", "Wat het team doet"]}


def test_the_dashboard_links_to_both_pages_of_each_organisation(
    client: TestClient, factory: Factory, organisations: None
) -> None:
    login(client, person(factory, "vera", Role.VIEWER))
    dashboard = client.get("/beheer").text
    assert f'href="{READINESS}"' in dashboard and f'href="{OWN}"' in dashboard
    assert "/beheer/organisatie/gm0002/" not in dashboard
