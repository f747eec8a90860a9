"""Finding a register's change feed from its root, discovery document or feed address: against a
real ``algoreg serve`` on loopback, and against a plain static HTTP server that has a feed but no
discovery document, neither, or a discovery document of its own making."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.errors import InvalidInput
from algoreg.federation.discovery_client import (
    ResolvedRegister,
    base_of_feed,
    discovery_settings,
    resolve_register,
)
from algoreg.register import organisations, transfer
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM
from tests.federation.fault_server import LOOPBACK, add_source, harvest, public_names
from tests.federation.static_site import StaticSite, discovery_document, feed_page, static_site
from tests.helpers import free_port
from tests.samples import sample_record
from tests.served import ServedInstance, served_instance

pytestmark = pytest.mark.database  # the served register runs on a database beside the test database

#: Loopback allowed, and no retry, so that failures are quick.
SETTINGS = replace(discovery_settings(LOOPBACK), max_attempts=1, timeout=5)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedInstance]:
    """A real Algoreg, served, that publishes one high-risk algorithm."""
    with served_instance(tmp_path_factory.mktemp("discovered")) as instance:
        with transaction(instance.factory) as session:
            organisations.create_organisation(
                session,
                SYSTEM,
                OrganisationIn(code="gm0599", name="Gemeente Rotterdam", kind=OrganisationKind.GEMEENTE),
            )
            transfer.import_records(
                session,
                SYSTEM,
                "gm0599",
                [
                    sample_record(
                        organization="Gemeente Rotterdam", publication_category="Hoog-risico AI-systeem"
                    )
                ],
                publish=True,
            )
        yield instance


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """Static registers: /feedonly has a feed and no discovery document, /empty has neither,
    /prefixed has a discovery document naming its feed relatively, /broken names a missing feed,
    /foreign speaks another protocol and /elsewhere names a feed at a path the harvester cannot read."""
    with static_site(tmp_path_factory.mktemp("static")) as started:
        started.write("/feedonly/api/v1/feed", feed_page(head_seq=7))
        started.write("/prefixed/api/v1/register", discovery_document("feed"))
        started.write("/prefixed/api/v1/feed", feed_page(head_seq=3))
        started.write("/broken/api/v1/register", discovery_document("/broken/api/v1/feed"))
        started.write("/foreign/api/v1/register", discovery_document("/foreign/api/v1/feed", "other/2"))
        started.write("/elsewhere/api/v1/register", discovery_document("/elsewhere/changes"))
        started.write("/elsewhere/changes", feed_page())
        yield started


@pytest.mark.parametrize(
    ("given", "found_through"),
    [
        ("", "/api/v1/register"),
        ("/", "/api/v1/register"),
        ("/api/v1/register", "/api/v1/register"),
        ("/.well-known/algorithm-register", "/api/v1/register"),  # redirected
        ("/api/v1/feed", None),
        ("/api/v1/feed/", None),
    ],
)
def test_every_address_of_a_served_algoreg_leads_to_its_feed(
    remote: ServedInstance, given: str, found_through: str | None
) -> None:
    # when the register is looked up by one of its addresses
    resolved = resolve_register(remote.root + given, SETTINGS)
    # then the base address is its root, the feed is where the protocol puts it, and the
    # discovery document was read (after the well-known redirect) unless the feed was given
    assert resolved == ResolvedRegister(
        base_url=remote.root,
        feed_url=remote.root + "/api/v1/feed",
        discovery_url=remote.root + found_through if found_through else None,
        name="Algoreg" if found_through else None,
        head_seq=1,
    )


def test_a_source_added_by_its_discovery_document_is_harvested(
    remote: ServedInstance, factory: sessionmaker[Session]
) -> None:
    # given the base address found through the well-known address
    resolved = resolve_register(remote.root + "/.well-known/algorithm-register", SETTINGS)
    # when it is added as a source and harvested
    source_id = add_source(factory, resolved.base_url)
    report = harvest(factory)[source_id]
    # then the published algorithm arrives
    assert (report.outcome, report.new) == ("ok", 1)
    assert public_names(factory) == {"gm0599": ["Controle parkeervergunningen"]}


def test_a_plain_server_with_a_feed_and_no_discovery_document_is_found_by_its_feed(site: StaticSite) -> None:
    # when a plain server with only a feed is looked up by its root
    resolved = resolve_register(site.url("/feedonly"), SETTINGS)
    # then the discovery document was tried first, and the feed found at the default path
    assert resolved == ResolvedRegister(
        site.url("/feedonly"), site.url("/feedonly/api/v1/feed"), None, None, head_seq=7
    )
    assert "/feedonly/api/v1/register" in site.paths
    assert "/.well-known/algorithm-register" not in site.paths, (
        "a well-known address is only for a host's root"
    )


def test_a_relative_feed_endpoint_is_resolved_against_the_discovery_document(site: StaticSite) -> None:
    # given a discovery document under /prefixed/api/v1/register that names its feed "feed"
    resolved = resolve_register(site.url("/prefixed/api/v1/register"), SETTINGS)
    # then "feed" resolves (RFC 3986) to /prefixed/api/v1/feed, and the base is /prefixed
    assert (resolved.base_url, resolved.feed_url) == (
        site.url("/prefixed"),
        site.url("/prefixed/api/v1/feed"),
    )
    assert (resolved.name, resolved.head_seq) == ("Statisch register", 3)
    assert resolved.how().startswith(f"the discovery document at {site.url('/prefixed/api/v1/register')}")


def test_a_server_with_neither_is_refused_naming_every_address_tried(site: StaticSite) -> None:
    # when a server with no discovery document and no feed is looked up
    with pytest.raises(InvalidInput) as refused:
        resolve_register(site.url("/empty/"), SETTINGS)
    # then the error names the address, every address tried, and why each failed
    assert site.url("/empty") in refused.value.message
    [problem] = refused.value.problems
    assert problem.field == "url"
    assert (
        f"the discovery document at {site.url('/empty/api/v1/register')}: answered HTTP 404" in problem.reason
    )
    assert f"the change feed at {site.url('/empty/api/v1/feed')}: answered HTTP 404" in problem.reason


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/broken", "names the change feed {root}/broken/api/v1/feed, which answered HTTP 404"),
        ("/foreign/api/v1/register", "speaks protocol 'other/2'; this harvester reads algoreg-harvest/1"),
        (
            "/elsewhere",
            "the change feed is at {root}/elsewhere/changes, but this harvester reads a feed only",
        ),
    ],
)
def test_a_discovery_document_that_does_not_lead_to_a_readable_feed_is_explained(
    site: StaticSite, path: str, why: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        resolve_register(site.url(path), SETTINGS)
    assert why.format(root=site.root) in refused.value.problems[0].reason


def test_a_register_that_does_not_answer_is_refused_saying_so() -> None:
    # given an address where nothing listens
    root = f"http://127.0.0.1:{free_port()}"
    # when it is looked up
    with pytest.raises(InvalidInput) as refused:
        resolve_register(root, SETTINGS)
    # then the root's discovery document, the well-known address and the feed were tried, each
    # failing to connect
    reason = refused.value.problems[0].reason
    for tried in ("/api/v1/register", "/.well-known/algorithm-register", "/api/v1/feed"):
        assert f"{root}{tried}: failed 1 times; last: connection failed" in reason


def test_an_internal_address_is_refused_unless_allowed(site: StaticSite) -> None:
    # when loopback is not among the allowed networks
    asked = len(site.paths)
    with pytest.raises(InvalidInput) as refused:
        resolve_register(site.url("/feedonly"), replace(SETTINGS, allowed_networks=()))
    # then nothing is fetched, and the reason says the address was refused
    assert "refused" in refused.value.problems[0].reason
    assert len(site.paths) == asked


def test_the_base_of_a_feed_address() -> None:
    assert base_of_feed("https://r.example/api/v1/feed?after=3") == "https://r.example"
    assert base_of_feed("https://r.example/gemeente/api/v1/feed/") == "https://r.example/gemeente"
    with pytest.raises(ValueError, match="ending in /api/v1/feed"):
        base_of_feed("https://r.example/changes")
