"""HTTP through the ASGI application as daphne serves it (flowdesigner/http.py): the middleware chain and
the view run in one thread hop per request (Django's own handler made a dozen), on a thread that keeps its
database connection for the next request, and what the chain does still works: the session, CSRF, roles,
streamed downloads, error pages."""

import json
import threading

import pytest
from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started
from django.db.backends.signals import connection_created
from django.test import Client

from flowdesigner.asgi import application
from tests.factories import PersonFactory
from tests.flowdesigner.test_request_limits import http_scope, read_response

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hops(monkeypatch):
    """The functions run through sync_to_async (each a hop to a worker thread and back)."""
    calls = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    return calls


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={'c' * 32}".encode()


async def request(path: str, cookie: bytes, *, method: str = "GET", body: bytes = b""):
    headers = [(b"cookie", cookie), (b"x-csrftoken", b"c" * 32), (b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    communicator = ApplicationCommunicator(application, http_scope(path, method=method, headers=headers))
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    response = await read_response(communicator)
    await communicator.wait(timeout=5)
    return response


async def test_a_request_runs_its_middleware_and_view_in_one_thread_hop(hops, enduser):
    cookie = await sync.sync_to_async(session_cookie)(enduser)
    hops.clear()

    status, headers, body = await request("/api/inbox/pokes/", cookie)

    assert status == 200, body
    assert json.loads(body) == []
    assert headers[b"x-frame-options"] == b"DENY"  # the whole chain ran: the last middleware's header too
    # Django's request_started and request_finished signals, and the chain with the view: one hop each.
    assert hops == ["Signal.asend.<locals>.sync_send", "BaseHandler.get_response", "HttpResponseBase.close"]


async def test_requests_one_after_the_other_share_a_thread_and_its_database_connection(enduser):
    from django.db import connection

    cookie = await sync.sync_to_async(session_cookie)(enduser)
    threads, opened = [], []

    def on_request(sender, **kwargs):
        threads.append(threading.get_ident())  # Django sends it on the request's thread

    def on_connect(sender, connection, **kwargs):
        opened.append(threading.get_ident())

    request_started.connect(on_request)
    connection_created.connect(on_connect)
    try:
        for _ in range(3):
            status, _, body = await request("/api/inbox/pokes/", cookie)
            assert status == 200, body
    finally:
        request_started.disconnect(on_request)
        connection_created.disconnect(on_connect)

    # Django's handler started a thread per request, and each opened a connection of its own.
    assert len(threads) == 3 and len(set(threads)) == 1
    if connection.vendor == "sqlite":
        # At most the first opens one (the thread may have it from an earlier test). PostgreSQL's
        # connections go back to their pool after each request (CONN_MAX_AGE 0 with a pool).
        assert len(opened) <= 1, opened


async def test_a_post_is_checked_for_csrf_and_roles_as_before(staff, enduser):
    enduser_cookie = await sync.sync_to_async(session_cookie)(enduser)
    staff_cookie = await sync.sync_to_async(session_cookie)(staff)

    status, _, body = await request("/api/inbox/pokes/", staff_cookie)
    assert status == 403 and b"enduser" in body  # staff hold no inbox
    # A POST whose CSRF header does not match its cookie is refused before the view runs.
    cookie = enduser_cookie.replace(b"c" * 32, b"d" * 32)
    status, _, body = await request("/api/inbox/messages/", cookie, method="POST", body=b'{"text": "hi"}')
    assert status == 403 and b"CSRF" in body


async def test_a_streamed_download_and_an_error_page_come_through(staff):
    await sync.sync_to_async(PersonFactory)(first_name="Streamed", last_name="Person")
    cookie = await sync.sync_to_async(session_cookie)(staff)

    status, headers, body = await request("/people/export.csv", cookie)
    assert status == 200 and headers[b"content-type"].startswith(b"text/csv")
    assert b"Streamed" in body

    status, _, body = await request("/no/such/page/", cookie)
    assert status == 404 and b"<html" in body.lower()
