"""The harvest management pages."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of

PASSWORD = "een-lang-wachtwoord"


def sign_in(client: TestClient, factory: sessionmaker[Session], username: str, superuser: bool) -> str:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, username, PASSWORD, is_superuser=superuser)
    form = client.get("/inloggen")
    client.post(
        "/inloggen",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    return csrf_of(client.get("/beheer").text)


def test_an_instance_admin_adds_lists_and_switches_off_a_source(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    # given a signed-in instance administrator
    token = sign_in(client, factory, "beheerder", superuser=True)
    # when a source with a bad address is added, the form says why and keeps what was typed
    bad = client.post("/beheer/oogst", data={"url": "ftp://x", "kind": "algoreg", "csrf_token": token})
    assert bad.status_code == 422 and "https://" in bad.text and 'value="ftp://x"' in bad.text
    # and a file source without organisation is refused with the reason
    no_org = client.post(
        "/beheer/oogst", data={"url": "https://r.example/a.json", "kind": "file", "csrf_token": token}
    )
    assert no_org.status_code == 422 and "organisation" in no_org.text
    # when a good source is added
    added = client.post(
        "/beheer/oogst", data={"url": "https://register.example/", "kind": "algoreg", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303
    # then it is listed as healthy, and its own page offers switching it off
    listing = client.get("/beheer/oogst")
    assert "https://register.example/" in listing.text and "gezond" in listing.text
    page = client.get("/beheer/oogst/1")
    assert page.status_code == 200 and "Uitzetten" in page.text
    client.post("/beheer/oogst/1/aan-uit", data={"enabled": "0", "csrf_token": token})
    assert "uitgezet" in client.get("/beheer/oogst").text
    assert "Aanzetten" in client.get("/beheer/oogst/1").text


def test_others_may_not_manage_sources(
    client: TestClient, factory: sessionmaker[Session], make_organisation
) -> None:  # type: ignore[no-untyped-def]
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = sign_in(client, factory, "eva", superuser=False)
    with transaction(factory) as session:
        accounts.grant_role(session, SYSTEM, "eva", "gm0001", Role.ADMIN)
    assert client.get("/beheer/oogst").status_code == 403
    refused = client.post(
        "/beheer/oogst", data={"url": "https://r.example/", "kind": "algoreg", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert (
        client.post("/beheer/oogst", data={"url": "https://r.example/", "kind": "algoreg"}).status_code == 403
    )


def test_an_unknown_source_is_404(client: TestClient, factory: sessionmaker[Session]) -> None:
    sign_in(client, factory, "beheerder", superuser=True)
    assert client.get("/beheer/oogst/99").status_code == 404
