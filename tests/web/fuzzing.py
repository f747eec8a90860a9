"""Fuzzing API operations with schemathesis, bounded and reproducible, on the real app and database.

Cases come from schemathesis's public strategies (valid and invalid data for an operation),
through Hypothesis with ``derandomize=True`` so that every run sends the same requests. Path
parameters are swapped, about half of the time, for ids that exist in the database, so that the
fuzzer reaches the code behind the 404; Hypothesis starts from its simplest choices, so these are
ordered with the organisation whose tokens are used, and its first token, first. Every failure
of the checks is collected, one example per kind of failure, so that a run reports all that is
wrong instead of only the first thing.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from sqlalchemy import Engine

from algoreg.db.session import session_factory, transaction
from algoreg.federation import sources
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.register import accounts, algorithms, bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.organisations import list_organisations
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.seeding import seed_sample_register
from algoreg.register.workflow import State
from algoreg.web.app import create_app
from tests.database import emptied
from tests.register.test_bias_reports import document_bytes

Check = Callable[..., Any]
#: Values of a path parameter that exist: those of the organisation whose tokens are used, and others.
Known = tuple[Sequence[Any], Sequence[Any]]

#: The organisation whose publisher and admin send the authenticated requests.
OWN = "gm9901"


class SeededRegister:
    """The real app on the demo's sample register, with the tokens to send and the ids that exist.

    The register holds ten organisations and sixty algorithms in every workflow state with earlier
    published versions, two bias reports (one published) and a harvest source. ``tokens`` are
    those of a publisher and an admin of :data:`OWN`. ``known`` gives, per path parameter, the
    values of :data:`OWN` and the values of the others, so that the fuzzer tries both about as often.
    """

    def __init__(self, engine: Engine) -> None:
        with transaction(session_factory(emptied(engine))) as session:
            seed_sample_register(session, SYSTEM)
            self.tokens = [
                accounts.issue_token(session, SYSTEM, f"fuzz-{role.value}", OWN, role).secret
                for role in (Role.PUBLISHER, Role.ADMIN)
            ]
            codes = [o.code for o in list_organisations(session)]
            self.own_name = next(o.name for o in list_organisations(session) if o.code == OWN)
            views = [v for code in codes for v in algorithms.list_for_organisation(session, SYSTEM, code)]
            own_published = next(v.public_id for v in views if v.organisation_code == OWN and v.is_public)
            details = ReportDetails(title="Toets op wijk", period="2025", description="<p>Per wijk.</p>")
            reports = [
                bias_reports.attach_report(session, SYSTEM, own_published, details, document_bytes()).id
                for _ in range(2)
            ]
            bias_reports.publish_report(session, SYSTEM, own_published, reports[0])
            # A public address written as a number: adding the source resolves nothing and sends nothing.
            source = sources.add_source(
                session, SYSTEM, SourceIn(url="https://93.184.216.34/register", kind=SourceKind.ALGOREG)
            )
        assert {v.state for v in views} >= {State.CONCEPT, State.PUBLISHED, State.ARCHIVED}
        own = [
            v.public_id for v in sorted(views, key=lambda v: not v.is_public) if v.organisation_code == OWN
        ]
        others = [v.public_id for v in views if v.organisation_code != OWN]
        self.known: dict[str, Known] = {
            "code": ([OWN], [code for code in codes if code != OWN]),
            "organisation_id": ([OWN], [code for code in codes if code != OWN]),
            "public_id": (own, others),
            "algorithm_id": (own, others),
            "number": ([1, 2], [3]),
            "report_id": (reports, []),
            "source_id": ([source.id], []),
        }
        self.app: FastAPI = create_app(engine)


@dataclass
class Findings:
    """What fuzzing one operation found: one example per kind of failure, and the statuses seen."""

    failures: dict[str, str] = field(default_factory=dict)
    statuses: set[int] = field(default_factory=set)
    cases: int = 0

    def report(self) -> str:
        """A readable report of every failure found."""
        return "\n\n".join(f"--- {key}\n{text}" for key, text in self.failures.items())


def _with_known_ids(case: Case, data: st.DataObject, known: Mapping[str, Known]) -> None:
    for name in list(case.path_parameters or {}):
        own, others = known.get(name, ((), ()))
        if own and data.draw(st.sampled_from([True, False]), label=f"known {name}"):
            choices = st.one_of(
                st.sampled_from(list(own)), *([st.sampled_from(list(others))] if others else [])
            )
            case.path_parameters[name] = data.draw(choices, label=name)


def body_schema(operation: APIOperation) -> str | None:
    """The name of the component schema of the operation's JSON body, if it has one."""
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return str(reference).rsplit("/", 1)[-1] or None


def fuzz(
    operation: APIOperation,
    *,
    app: Any,
    checks: Sequence[Check],
    tokens: Sequence[str | None],
    known: Mapping[str, Known],
    max_examples: int,
    bodies: Mapping[str, Sequence[Any]] | None = None,
) -> Findings:
    """Send ``max_examples`` valid and invalid requests to ``operation`` on ``app``; check each response.

    Each request carries one of ``tokens`` as a bearer token, the first most often (``None``:
    whatever the case itself carries, usually nothing). ``known`` gives values that exist, per
    path parameter; ``bodies`` valid bodies per component schema name, sent instead of the
    generated body about half of the time, so that writes get past validation. An exception that
    escapes the app counts as a server error.
    """
    findings = Findings()
    valid_bodies = list((bodies or {}).get(body_schema(operation) or "", []))
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, token=st.sampled_from(list(tokens)), data=st.data())
    def run(case: Case, token: str | None, data: st.DataObject) -> None:
        _with_known_ids(case, data, known)
        if valid_bodies and data.draw(st.sampled_from([True, False]), label="valid body"):
            case.body = data.draw(st.sampled_from(valid_bodies), label="body")
        if token is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        findings.cases += 1
        curl = case.as_curl_command(headers={"Authorization": "[token]"} if token else None)
        try:
            response = case.call(app=app)
        except Exception as error:  # the app raised: a server error that the test client passes on
            findings.failures.setdefault(
                f"{type(error).__name__} (server error)", f"{error}\n\nReproduce: {curl}"
            )
            return
        findings.statuses.add(response.status_code)
        try:
            case.validate_response(response, checks=list(checks))
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{type(failure).__name__} {failure.title} [{response.status_code}]"
                findings.failures.setdefault(
                    key, f"{failure}\n\nResponse: {response.text[:500]}\n\nReproduce: {curl}"
                )

    run()
    return findings
