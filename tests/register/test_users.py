"""Managing accounts: who sees and changes which accounts, roles and passwords."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, User
from algoreg.db.session import transaction
from algoreg.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from algoreg.register import accounts, users
from algoreg.register.accounts import authenticate_password, principal_of_user
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.sessions import resolve_session, start_session

PASSWORD = "een-lang-wachtwoord"


@pytest.fixture
def world(factory: sessionmaker[Session], make_organisation) -> None:  # type: ignore[no-untyped-def]
    """Two organisations; ada administers gm0001, bob edits there, cas has roles in both, dirk in gm0002."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        for name in ("ada", "bob", "cas", "dirk"):
            accounts.create_user(session, SYSTEM, name, name.title(), PASSWORD)
        accounts.create_user(session, SYSTEM, "root", "Root", PASSWORD, is_superuser=True)
        accounts.grant_role(session, SYSTEM, "ada", "gm0001", Role.ADMIN)
        accounts.grant_role(session, SYSTEM, "bob", "gm0001", Role.EDITOR)
        accounts.grant_role(session, SYSTEM, "cas", "gm0001", Role.VIEWER)
        accounts.grant_role(session, SYSTEM, "cas", "gm0002", Role.PUBLISHER)
        accounts.grant_role(session, SYSTEM, "dirk", "gm0002", Role.ADMIN)


def principal(session: Session, username: str) -> Principal:
    return principal_of_user(accounts.find_user(session, username))


def actions(session: Session) -> list[str]:
    return [event.action for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_instance_admin_sees_every_account_with_all_roles(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        # when root lists the users
        listed = users.list_users(session, principal(session, "root"))
        # then every account is there with all of its roles
        assert [u.username for u in listed] == ["ada", "bob", "cas", "dirk", "root"]
        cas = next(u for u in listed if u.username == "cas")
        assert {(r.organisation_code, r.role) for r in cas.roles} == {
            ("gm0001", Role.VIEWER),
            ("gm0002", Role.PUBLISHER),
        }
        assert cas.manageable


def test_an_organisation_admin_sees_only_its_members_and_their_roles_there(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        listed = users.list_users(session, principal(session, "ada"))
        assert [u.username for u in listed] == ["ada", "bob", "cas"]
        cas = next(u for u in listed if u.username == "cas")
        assert [r.organisation_code for r in cas.roles] == ["gm0001"], "gm0002's role stays hidden"
        # bob only has a role in ada's organisation; cas also has one elsewhere; ada is herself
        manageable = {u.username: u.manageable for u in listed}
        assert manageable == {"ada": False, "bob": True, "cas": False}
        with pytest.raises(NotFound):
            users.get_user(session, principal(session, "ada"), "dirk")


@pytest.mark.parametrize("username", ["bob", "cas"])
def test_people_without_an_admin_role_may_not_manage_users(
    factory: sessionmaker[Session], world: None, username: str
) -> None:
    with transaction(factory) as session, pytest.raises(Forbidden):
        users.list_users(session, principal(session, username))


def test_only_instance_admins_create_accounts_and_every_problem_is_reported(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        with pytest.raises(Forbidden):
            users.create_account(session, principal(session, "ada"), "eva", "Eva", PASSWORD)
        root = principal(session, "root")
        with pytest.raises(InvalidInput) as bad:
            users.create_account(session, root, "bob", "x" * 201, "kort", "gm0001", "koning")
        assert {p.field: p.reason for p in bad.value.problems} == {
            "username": "is already taken by another account",
            "display_name": "is too long; use at most 200 characters",
            "password": "is too short; use at least 12 characters",
            "role": "choose viewer, editor, publisher or admin",
        }
        with pytest.raises(InvalidInput) as odd:
            users.create_account(session, root, "eva de vries", "Eva", PASSWORD)
        assert odd.value.problems[0].field == "username"
    with transaction(factory) as session:
        # when the input is right, the account is made with its first role
        users.create_account(
            session, principal(session, "root"), " Eva ", "Eva", PASSWORD, "gm0002", "editor"
        )
    with transaction(factory) as session:
        eva = accounts.find_user(session, "eva")
        assert [(m.organisation.code, m.role) for m in eva.memberships] == [("gm0002", "editor")]
        assert actions(session)[-2:] == ["user.create", "membership.grant"]


def test_an_organisation_admin_grants_changes_and_revokes_roles_only_in_her_organisation(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        ada = principal(session, "ada")
        # when ada gives dirk (of another organisation) a role in hers, and promotes bob
        users.grant(session, ada, "dirk", "gm0001", "viewer")
        users.grant(session, ada, "bob", "gm0001", "publisher")
        # then both roles are stored
        assert {u.username for u in users.list_users(session, ada)} == {"ada", "bob", "cas", "dirk"}
        # but ada cannot touch gm0002
        with pytest.raises(Forbidden):
            users.grant(session, ada, "bob", "gm0002", "viewer")
        with pytest.raises(Forbidden):
            users.revoke(session, ada, "cas", "gm0002")
    with transaction(factory) as session:
        users.revoke(session, principal(session, "ada"), "bob", "gm0001")
    with transaction(factory) as session:
        assert accounts.find_user(session, "bob").memberships == []
        assert actions(session)[-3:] == ["membership.grant", "membership.grant", "membership.revoke"]
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.actor == "ada" and event.detail["username"] == "bob"
        with pytest.raises(NotFound):
            users.revoke(session, principal(session, "ada"), "bob", "gm0001")


def test_granting_to_an_unknown_account_names_the_field(factory: sessionmaker[Session], world: None) -> None:
    with transaction(factory) as session, pytest.raises(InvalidInput) as bad:
        users.grant(session, principal(session, "ada"), "niemand", "gm0001", "viewer")
    assert [(p.field, p.reason) for p in bad.value.problems] == [
        ("username", "there is no account with this username")
    ]


def test_an_organisation_admin_cannot_lower_her_own_admin_role(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        ada = principal(session, "ada")
        with pytest.raises(Forbidden):
            users.grant(session, ada, "ada", "gm0001", "editor")
        with pytest.raises(Forbidden):
            users.revoke(session, ada, "ada", "gm0001")


def test_deactivating_ends_sessions_and_login_and_reactivating_restores_login(
    factory: sessionmaker[Session], world: None
) -> None:
    # given bob is logged in
    with transaction(factory) as session:
        secret = start_session(session, accounts.find_user(session, "bob").id)
    # when ada deactivates him
    with transaction(factory) as session:
        users.set_active(session, principal(session, "ada"), "bob", False)
    # then his session is gone and he cannot log in
    with transaction(factory) as session:
        assert resolve_session(session, secret) is None
        with pytest.raises(NotAuthenticated):
            authenticate_password(session, "bob", PASSWORD)
        assert actions(session)[-1] == "user.deactivate"
    with transaction(factory) as session:
        users.set_active(session, principal(session, "ada"), "bob", True)
    with transaction(factory) as session:
        assert authenticate_password(session, "bob", PASSWORD).name == "bob"
        assert actions(session)[-1] == "user.reactivate"


def test_accounts_with_roles_elsewhere_or_oneself_cannot_be_deactivated_by_an_organisation_admin(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        ada = principal(session, "ada")
        for username in ("cas", "ada", "root"):
            with pytest.raises((Forbidden, NotFound)):
                users.set_active(session, ada, username, False)
        with pytest.raises(Forbidden):
            users.reset_password(session, ada, "cas", "nieuw-wachtwoord-1", "nieuw-wachtwoord-1")
        # an instance admin may
        users.set_active(session, principal(session, "root"), "cas", False)


def test_an_admin_resets_a_password_which_ends_the_sessions(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        secret = start_session(session, accounts.find_user(session, "bob").id)
    with transaction(factory) as session:
        ada = principal(session, "ada")
        with pytest.raises(InvalidInput) as bad:
            users.reset_password(session, ada, "bob", "nieuw-wachtwoord-1", "anders-wachtwoord-1")
        assert bad.value.problems[0].field == "new_password_repeat"
        users.reset_password(session, ada, "bob", "nieuw-wachtwoord-1", "nieuw-wachtwoord-1")
    with transaction(factory) as session:
        assert resolve_session(session, secret) is None
        assert authenticate_password(session, "bob", "nieuw-wachtwoord-1").name == "bob"
        assert actions(session)[-1] == "user.password_reset"


def test_changing_ones_own_password_needs_the_current_one_and_ends_other_sessions(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        bob = accounts.find_user(session, "bob")
        other = start_session(session, bob.id)
        bob_id = bob.id
    with transaction(factory) as session:
        me = principal(session, "bob")
        with pytest.raises(InvalidInput) as bad:
            users.change_own_password(session, me, bob_id, "fout-wachtwoord", "kort", "anders")
        assert {p.field for p in bad.value.problems} == {
            "current_password",
            "new_password",
            "new_password_repeat",
        }
        with pytest.raises(InvalidInput) as same:
            users.change_own_password(session, me, bob_id, PASSWORD, PASSWORD, PASSWORD)
        assert same.value.problems[0].reason == "must differ from your current password"
        fresh = users.change_own_password(
            session, me, bob_id, PASSWORD, "nieuw-wachtwoord-1", "nieuw-wachtwoord-1"
        )
    with transaction(factory) as session:
        assert resolve_session(session, other) is None
        assert resolve_session(session, fresh) is not None
        with pytest.raises(NotAuthenticated):
            authenticate_password(session, "bob", PASSWORD)
        assert actions(session)[-1] == "user.password_change"


def test_external_login_finds_only_existing_active_accounts(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        assert users.find_login_user(session, "BOB").username == "bob"
        with pytest.raises(NotAuthenticated):
            users.find_login_user(session, "onbekend")
        session.scalars(select(User).where(User.username == "bob")).one().is_active = False
        with pytest.raises(NotAuthenticated):
            users.find_login_user(session, "bob")


def test_organisation_admins_issue_list_and_revoke_only_their_tokens(
    factory: sessionmaker[Session], world: None
) -> None:
    with transaction(factory) as session:
        ada, dirk = principal(session, "ada"), principal(session, "dirk")
        issued = users.issue_organisation_token(session, ada, "Koppeling", "gm0001", "editor")
        users.issue_organisation_token(session, dirk, "Andere", "gm0002", "viewer")
        with pytest.raises(InvalidInput) as bad:
            users.issue_organisation_token(session, ada, " ", "gm0001", "editor")
        assert bad.value.problems[0].field == "name"
        with pytest.raises(Forbidden):
            users.issue_organisation_token(session, ada, "Niet van mij", "gm0002", "editor")
        assert [t.name for t in users.list_organisation_tokens(session, ada)] == ["Koppeling"]
        assert issued.secret.startswith("algoreg_")
        with pytest.raises(NotFound):
            users.revoke_organisation_token(session, dirk, issued.id)
        users.revoke_organisation_token(session, ada, issued.id)
        with pytest.raises(NotAuthenticated):
            accounts.authenticate_token(session, issued.secret)
