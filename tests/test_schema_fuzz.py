"""Schema-driven fuzzing of the whole HTTP API with schemathesis (issue 13): every operation of the
OpenAPI schema the app serves, called in-process (WSGI, no socket) as each role, with data that fits the
schema and data that does not. Any 5xx, an undocumented status code, a body that does not match its
documented schema, or an undocumented content type fails the run, listing every finding.

The budget is fixed and the run derandomized, so CI is deterministic: EXAMPLES below per operation, mode
and role, about 2 minutes in all on SQLite and 3 on PostgreSQL on a busy machine. It runs with the rest
of the suite (`make test`, .ci/run); alone: `make fuzz` or `pytest -m fuzz`.

No request ever leaves 127.0.0.0/8: while the fuzzer runs, name lookups and connections to any other
address are refused at the socket layer and recorded, and the test fails if the app attempted one (a
callback URL the fuzzer invents must be refused by the SSRF guard, not reached).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine import pokes
from engine import services as engine_services
from engine.flow_api import keys
from engine.sftp.models import SftpConnection
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.models import Channel
from people import imports
from people.models import EventDefinition
from tests.factories import (
    AttributeDefinitionFactory,
    CompanyFactory,
    FlowFactory,
    PersonFactory,
    SegmentFactory,
    TagFactory,
    UserFactory,
    two_step_definition,
)
from tests.flow_api.conftest import flow_document

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

ROLES = ["anonymous", "enduser", "marketer", "staff", "integrator"]
# Every operation is first probed with PROBE_EXAMPLES cases that fit the schema. When the role only ever
# gets 401/403 (the first thing every view checks), that is all; otherwise it gets EXAMPLES more per
# generation mode. The integrator is a staff user's token (already fuzzed as staff) plus an API key for
# the Flow API, so its budget goes to the Flow API.
PROBE_EXAMPLES = 2
EXAMPLES = {"enduser": 15, "marketer": 15, "staff": 15, "integrator": 3}
FLOW_API_EXAMPLES = 25
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _load_schema() -> schemathesis.BaseSchema:
    """The schema as the app serves it at /api/schema/, bound to the app itself (WSGI, in-process)."""
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    schema.config.generation.update(deterministic=True, database="none")
    return schema


SCHEMA = _load_schema()


# --- the world the fuzzer works in -------------------------------------------------------------------


@dataclass
class World:
    """Fixture records the operations' path parameters can point at, and each role's credentials."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    app_key: str = ""
    # (path template, parameter) -> values of existing records.
    known: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


def _token(user) -> str:
    return Token.objects.create(user=user).key


def _published(definition: dict, *, status: str = Flow.Status.ACTIVE) -> Flow:
    flow = FlowFactory(draft_definition=definition)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    flow.status = status
    flow.save(update_fields=["status"])
    return flow


def build_world(run_on_commit: Callable) -> World:
    """Users of every role (with tokens), people, flows (draft, launched, with pokes, a Flow API one),
    an import, a channel and an SFTP connection: enough for most operations to reach their real work."""
    world = World()
    marketer = UserFactory(username="mia", roles=["marketer"])
    staff = UserFactory(username="sam", roles=["staff"])
    integrator = UserFactory(username="crm", roles=["staff"])
    enduser = UserFactory(username="erin", roles=["enduser"])
    tag, other_tag = TagFactory(), TagFactory()
    company = CompanyFactory()
    erin = PersonFactory(first_name="Erin", user=enduser, tags=[tag], company=company)
    persons = [erin, PersonFactory(tags=[tag]), PersonFactory(email=None, phone="+32470000001")]
    attribute = AttributeDefinitionFactory(key="score", data_type="NUMBER")
    segment = SegmentFactory(rules={"op": "and", "rules": [{"tag": tag.pk, "operator": "has"}]})
    event = EventDefinition.objects.create(
        key="purchase", label="Purchase", properties=[{"key": "total", "label": "", "data_type": "NUMBER"}]
    )

    draft = FlowFactory()
    launched = _published(two_step_definition(tags=[tag.pk]))
    with run_on_commit(execute=True):  # the launch enters everyone: Erin gets the first question
        launch = engine_services.launch_create(version=launched.latest_version, audience=None)
    poke = pokes.poke_create(flow=launched, tag="start", label="Start")
    api_flow = _published(flow_document(variables={"orderNumber": "number"}))
    world.app_key = keys.api_key_create(name="CRM", rate_limit_per_minute=100_000).secret

    upload = SimpleUploadedFile("people.csv", b"first_name,email\nAnn,ann@example.com\n", "text/csv")
    person_import = imports.person_import_create(file=upload, created_by=marketer)
    Channel.objects.create(kind="sms", name="SMS", identities=["+32470000000"], secret="s" * 32)
    SftpConnection.objects.create(name="CRM files", host="127.0.0.1", username="crm")

    world.headers = {
        "anonymous": {},
        "enduser": {"Authorization": f"Token {_token(enduser)}"},
        "marketer": {"Authorization": f"Token {_token(marketer)}"},
        "staff": {"Authorization": f"Token {_token(staff)}"},
        "integrator": {"Authorization": f"Token {_token(integrator)}"},
    }
    message_ids = list(erin.messages.values_list("pk", flat=True))
    assert message_ids, "the launch sent Erin nothing: the inbox operations would only see 404s"
    flow_ids = [draft.pk, launched.pk, api_flow.pk]
    world.known = {
        ("/api/flows/{id}/", "id"): flow_ids,
        ("/api/flows/{id}/audience/{person_id}/", "person_id"): [p.pk for p in persons],
        ("/api/persons/{id}/", "id"): [p.pk for p in persons],
        ("/api/tags/{id}/", "id"): [tag.pk, other_tag.pk],
        ("/api/companies/{id}/", "id"): [company.pk],
        ("/api/attributes/{id}/", "id"): [attribute.pk],
        ("/api/segments/{id}/", "id"): [segment.pk],
        ("/api/event-definitions/{id}/", "id"): [event.pk],
        ("/api/imports/{id}/", "id"): [person_import.pk],
        ("/api/launches/{id}/", "id"): [launch.pk],
        ("/api/participants/{id}/", "id"): list(launch.participants.values_list("pk", flat=True)),
        ("/api/flows/{id}/report/answers/{node_id}/", "node_id"): ["ask", "thanks"],
        ("/api/pokes/{code}/", "code"): [poke.code],
        ("/api/inbox/pokes/{code}/", "code"): [poke.code],
        ("/api/inbox/messages/{id}/", "id"): message_ids,
        ("/moments/1/flows/{flowId}/", "flowId"): [api_flow.pk, draft.pk],
    }
    return world


def known_values(world: World, path: str) -> dict[str, list[Any]]:
    """For each path parameter of `path`, the existing records it can name (longest matching prefix)."""
    found: dict[str, list[Any]] = {}
    for (prefix, name), values in sorted(world.known.items(), key=lambda item: len(item[0][0])):
        if path.startswith(prefix.split("{" + name + "}")[0]) and "{" + name + "}" in path and values:
            found[name] = values
    return found


# --- no traffic beyond loopback ------------------------------------------------------------------------


def _loopback(host: Any) -> bool:
    if host in ("localhost", "testserver"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def outbound_attempts(monkeypatch) -> Iterator[list[str]]:
    """Refuse (and record) every name lookup and connection to anything but loopback."""
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            attempts.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "Name lookups are off while fuzzing")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and not _loopback(address[0]):
            attempts.append(f"connect {address!r}")
            raise OSError("Connections beyond loopback are off while fuzzing")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts


@pytest.fixture
def fresh_throttles() -> Iterator[None]:
    """No refused tokens counted yet: every request comes from 127.0.0.1, and an earlier role's (or
    test's) wrong tokens must not turn this role's right ones into 429s."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Requests through the WSGI handler without closing the test's database connection (Django's test
    client does the same): the whole run is one transaction, rolled back after each role."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def negatable(operation: schemathesis.APIOperation) -> bool:
    """Whether the operation has anything to send wrong: a body, or a parameter with a type or
    constraints. (A lone free-form string cannot be made invalid; hypothesis would give up.)"""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return True
    for parameter in definition.get("parameters", []):
        schema = parameter.get("schema", {})
        if schema.get("type", "string") != "string" or set(schema) & {
            "enum",
            "format",
            "pattern",
            "maxLength",
        }:
            return True
    return False


# --- the run -------------------------------------------------------------------------------------------


def fuzz_operation(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    *,
    examples: int,
    headers_for: Callable[[str], dict[str, str]],
    known: dict[str, list[Any]],
) -> set[int]:
    """Call `operation` with `examples` generated cases of `mode`, each checked by CHECKS; the statuses
    answered. Raises on the first finding (shrunk to a small example)."""
    statuses: set[int] = set()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=7))
    def run(case: schemathesis.Case, pick: int) -> None:
        # Most cases name existing records, so the views get past their 404 to the real work.
        if known and pick < 6 and case.path_parameters is not None:
            for name, values in known.items():
                case.path_parameters[name] = values[pick % len(values)]
        headers = headers_for(operation.path)
        response = case.call(headers=headers)
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return statuses


def budget(role: str, path: str) -> int:
    """Examples per generation mode for an operation the role gets into."""
    if path.startswith("/moments/"):
        return FLOW_API_EXAMPLES if role == "integrator" else PROBE_EXAMPLES
    return EXAMPLES.get(role, PROBE_EXAMPLES)


def _describe(exc: BaseException, limit: int = 1500) -> str:
    """A finding's text (what failed, the answer, the curl to reproduce), shortened to `limit`."""
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + " …"


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(
    role,
    settings,
    tmp_path,
    outbound_attempts,
    in_process_requests,
    fresh_throttles,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(django_capture_on_commit_callbacks)

    def headers_for(path: str) -> dict[str, str]:
        if role == "integrator" and path.startswith("/moments/"):
            return {"Authorization": f"App {world.app_key}"}
        return dict(world.headers[role])

    findings = []
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        fuzz = partial(
            fuzz_operation, operation, headers_for=headers_for, known=known_values(world, operation.path)
        )
        mode = MODES[0]
        try:
            if fuzz(mode, examples=PROBE_EXAMPLES) <= {401, 403}:
                continue  # closed to this role, as documented: nothing more to learn
            for mode in MODES if negatable(operation) else MODES[:1]:
                fuzz(mode, examples=budget(role, operation.path))
        except (Exception, BaseExceptionGroup) as exc:  # every finding is collected, reported below
            findings.append(f"{operation.label} [{mode.value}]: {_describe(exc)}")
    assert not outbound_attempts, f"The app tried to reach beyond loopback: {outbound_attempts}"
    assert not findings, f"{len(findings)} finding(s) as {role}:\n\n" + "\n\n".join(findings)
