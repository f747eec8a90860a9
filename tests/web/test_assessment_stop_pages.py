"""A stop in an assessment on the real app: a stopped assessment offers no sign-off and says why (the
stop's own text, in Dutch on a page in either language), a sign-off from a page loaded before the stop
is refused in the page's language, and answers given together with the answer that makes their
questions unasked (a stop or a branch) are kept, not refused, and count again when asked again."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from algoreg.db.models import AssessmentAnswer, AssessmentSignOff
from algoreg.db.session import transaction
from algoreg.errors import InvalidInput
from algoreg.instruments import assessments
from algoreg.register.roles import SYSTEM, Role
from algoreg.web.pages.form_problems import Reasons, reason
from tests.helpers import csrf_of
from tests.instruments.assessment_support import (
    REGISTER_TITLE,
    SIGNER_ROLE,
    Factory,
    make_algorithm,
    store_test_instrument,
)
from tests.web.test_assessment_pages import start, submit
from tests.web.test_bias_report_pages import person, text_of
from tests.web.test_manage_pages import login

STOP_TEXT = "Een verboden praktijk mag niet worden gebruikt."


@pytest.fixture
def setting(factory: Factory, make_organisation: Callable[..., str]) -> tuple[str, int]:
    """gm0001 with a published algorithm and the test instrument (its stop follows 'prohibited')."""
    make_organisation("gm0001", "Gemeente Een")
    public_id = make_algorithm(factory, "gm0001")
    instrument = store_test_instrument(factory, "gm0001", REGISTER_TITLE, signing_roles=[SIGNER_ROLE])
    return public_id, instrument


def count(factory: Factory, table: type[AssessmentAnswer] | type[AssessmentSignOff]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def alert_of(html: str) -> str:
    found = re.search(r'id="alert-message">\s*<p class="utrecht-paragraph">(.*?)</p>', html, re.DOTALL)
    assert found, "the page shows no alert"
    return found[1]


def test_a_stopped_assessment_offers_no_sign_off_and_a_stale_one_is_refused_in_dutch(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "jan", Role.PUBLISHER)
    login(client, "jan")
    base = start(client, public_id, instrument)
    joined = submit(client, base, f"{base}/deelnemers", {"username": "jan", "role": SIGNER_ROLE})
    assert joined.status_code == 303
    # given jan's page, loaded while the assessment is open, offers the sign-off
    stale = client.get(base).text
    assert 'id="signoff-form"' in stale and 'id="signoff-stopped"' not in stale
    # when someone answers that it is a prohibited practice
    part = f"{base}/deel/basics"
    assert submit(client, part, part, {"q.purpose": "Iets", "q.prohibited": "0"}).status_code == 303
    # then the assessment's page no longer offers the sign-off, and says why with the stop's text
    page = client.get(base)
    assert 'id="signoff-form"' not in page.text and 'id="signoff-submit"' not in page.text
    explained = re.search(
        r'<p class="utrecht-paragraph" id="signoff-stopped">(.*?)</p>', page.text, re.DOTALL
    )
    assert explained is not None
    assert "kan niet worden afgetekend zolang de antwoorden een stop bereiken" in explained[1]
    assert f'<span lang="nl">{STOP_TEXT}</span>' in explained[1]
    assert f'href="{base}/deel/basics"' in explained[1] and "Wijzig het antwoord" in explained[1]
    english = client.get(f"{base}?lang=en").text
    assert "This assessment cannot be signed off while the answers reach a stop" in english
    assert f'<span lang="nl">{STOP_TEXT}</span>' in english and 'id="signoff-form"' not in english

    # when jan presses the sign-off of the page he loaded before
    refused = client.post(
        f"{base}/aftekenen?lang=nl", data={"note": "", "csrf_token": csrf_of(stale)}, follow_redirects=False
    )
    # then it is refused in Dutch, naming the stop and its text, and nothing is signed off
    assert refused.status_code == 409
    alert = alert_of(refused.text)
    assert alert.startswith("Deze toets kan niet worden afgetekend: de antwoorden bereikten de stop")
    assert "&#39;prohibited_stop&#39; in deel &#39;basics&#39;" in alert and STOP_TEXT in alert
    assert 'lang="en"' not in alert
    assert count(factory, AssessmentSignOff) == 0
    # and in English the stop's Dutch text is marked as Dutch
    english_refusal = client.post(
        f"{base}/aftekenen?lang=en", data={"note": "", "csrf_token": csrf_of(stale)}, follow_redirects=False
    )
    english_alert = alert_of(english_refusal.text)
    assert english_alert.startswith("This assessment cannot be signed off: the answers reached the stop")
    assert english_alert.endswith(f'<span lang="nl">{STOP_TEXT}</span>')


def test_an_answer_after_the_stop_given_with_it_is_kept_and_counts_again_when_asked(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    # when eva answers 'prohibited' with Ja and, in the same form, the question after the stop
    saved = submit(client, part, part, {"q.purpose": "Iets", "q.prohibited": "0", "q.per_year": "12"})
    # then all is saved, and she is told the later answer is kept but does not count
    assert saved.status_code == 303, text_of(saved)
    assert saved.headers["location"].endswith("?gedaan=opgeslagen-niet-gesteld")
    assert count(factory, AssessmentAnswer) == 3
    page = client.get(saved.headers["location"])
    assert "die antwoorden blijven bewaard, maar tellen pas mee" in text_of(page)
    marker = re.search(r'id="q-per_year-not-asked">(.*?)</div>', page.text, re.DOTALL)
    assert marker is not None and 'name="q.per_year"' not in page.text
    assert "Niet gesteld: de antwoorden bereikten een stop vóór deze vraag." in marker[1]
    assert 'id="q-per_year-kept"' in marker[1] and "Het gegeven antwoord blijft bewaard" in marker[1]
    assert "Beantwoord door De eva" in marker[1] and f'href="{base}/vraag/per_year"' in marker[1]
    assert "Gestopt" in text_of(client.get(base))
    # when she changes 'prohibited' to Nee, the question is asked again with her answer
    assert submit(client, part, part, {"q.purpose": "Iets", "q.prohibited": "1"}).status_code == 303
    again = client.get(part).text
    assert re.search(r'id="q-per_year" name="q.per_year" value="12"', again)
    assert "q-per_year-not-asked" not in again


def test_a_kept_answer_must_still_be_valid_and_a_branch_is_marked_as_a_branch(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    # when the answer after the stop is not a number
    refused = submit(client, part, part, {"q.prohibited": "0", "q.per_year": "veel"})
    # then nothing is saved and the problem stands at that question
    assert refused.status_code == 422 and count(factory, AssessmentAnswer) == 0
    assert 'id="q-per_year-error"' in refused.text and "is geen getal" in text_of(refused)
    # when the system learns, and then 'learning' is changed to Nee while the training is typed
    assert submit(client, part, part, {"q.learning": "0"}).status_code == 303
    branch = submit(client, part, part, {"q.learning": "1", "q.training": "Aanvragen van 2024"})
    # then the training is kept too, marked as not asked because of the answers (not a stop)
    assert branch.headers["location"].endswith("?gedaan=opgeslagen-niet-gesteld")
    marker = re.search(r'id="q-training-not-asked">(.*?)</div>', client.get(part).text, re.DOTALL)
    assert marker is not None and "Niet gesteld met de antwoorden tot nu toe." in marker[1]
    assert "Het gegeven antwoord blijft bewaard" in marker[1]


def test_the_domain_refuses_such_an_answer_unless_the_form_asks_to_keep_it(
    factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    given = {"prohibited": True, "per_year": 12}
    with transaction(factory) as session:
        assessment_id = assessments.start_assessment(session, SYSTEM, public_id, instrument).id
    # given answers through the API (no form): the answer after the stop is refused, naming the stop
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        assessments.record_answers(session, SYSTEM, public_id, assessment_id, given)
    assert [problem.field for problem in refused.value.problems] == ["per_year"]
    assert "the answers reached the stop 'prohibited_stop'" in refused.value.problems[0].reason
    # and a question that was not asked with the current answers is refused even when keeping
    with pytest.raises(InvalidInput), transaction(factory) as session:
        assessments.record_answers(
            session, SYSTEM, public_id, assessment_id, {"training": "Data"}, keep_made_unasked=True
        )
    # when kept, both are stored
    with transaction(factory) as session:
        stored = assessments.record_answers(
            session, SYSTEM, public_id, assessment_id, given, keep_made_unasked=True
        )
    assert sorted(item.question_id for item in stored) == ["per_year", "prohibited"]


TABLE = Reasons(
    reason(r"stopped at (?P<stop>'.*'): (?P<why>.*)", "Stopped at %(stop)s: %(why)s", data=("why",)),
    reason(r"Not done\. (?P<rest>.*)", "Not done. %(rest)s", nested=("rest",)),
)


def test_a_refusal_is_markup_with_each_part_in_its_language() -> None:
    # a known reason: its values escaped, its data marked as Dutch on a page in English
    assert TABLE.shown("en", "stopped at '<1>': Niet <doen>") == (
        'Stopped at &#39;&lt;1&gt;&#39;: <span lang="nl">Niet &lt;doen&gt;</span>'
    )
    assert TABLE.shown("nl", "stopped at '1': Niet doen") == "Stopped at &#39;1&#39;: Niet doen"
    # a text no pattern knows is the English original, marked as such on a Dutch page only
    assert TABLE.shown("nl", "Some <new> refusal") == '<span lang="en">Some &lt;new&gt; refusal</span>'
    assert TABLE.shown("en", "Some refusal") == "Some refusal"
    # a nested reason is shown the same way
    assert TABLE.shown("nl", "Not done. Odd") == 'Not done. <span lang="en">Odd</span>'
