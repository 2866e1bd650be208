"""Fixtures of the SFTP Import tests: a real SFTP server on 127.0.0.1 (shared by the session; each test
gets its own folder in it), a tested connection to it, and active flows whose entry is SFTP Import."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.sftp import services
from engine.sftp.models import SftpConnection
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from tests.factories import FlowFactory
from tests.sftp.server import SftpTestServer

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory) -> SftpTestServer:
    with SftpTestServer(tmp_path_factory.mktemp("sftp-root")) as server:
        yield server


class Folder:
    """A folder of the test server: `path` is how the server names it, files are written locally."""

    def __init__(self, server: SftpTestServer, name: str) -> None:
        self.local = server.root / name
        self.local.mkdir()
        self.path = f"/{name}"

    def write(self, name: str, content: str | bytes, *, age: float = 0) -> Path:
        """Upload a file (text is written as UTF-8); `age` seconds makes it older than the files after."""
        file = self.local / name
        file.write_bytes(content.encode() if isinstance(content, str) else content)
        if age:
            stamp = time.time() - age
            os.utime(file, (stamp, stamp))
        return file


@pytest.fixture
def folder(sftp_server) -> Folder:
    return Folder(sftp_server, f"t{os.getpid()}-{next(_folders)}")


@pytest.fixture
def connection(db, sftp_server) -> SftpConnection:
    """A connection to the test server, tested once (so its host key is pinned)."""
    connection = SftpConnection.objects.create(
        name="Partner server",
        host="127.0.0.1",
        port=sftp_server.port,
        username=sftp_server.username,
        password=sftp_server.password,
    )
    assert services.connection_test(connection=connection).ok
    return connection


def sftp_definition(config: dict, *, text: str = "Hello {{ person.first_name }}", variables=()) -> dict:
    """SFTP Import -> a Message with one button -> Exit."""
    return {
        "spec_version": 1,
        "variables": list(variables),
        "nodes": [
            {"id": "sftp", "type": "sftp_import", "config": config, "exits": {"next": "hello"}},
            {
                "id": "hello",
                "type": "message",
                "config": {"text": text, "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "end"},
            },
            {"id": "end", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }


def sftp_config(connection: SftpConnection, folder: Folder, **overrides) -> dict:
    config = {
        "connection": connection.pk,
        "path": folder.path,
        "pattern": "*.csv",
        "delimiter": ",",
        "contact": {"phone": "Phone", "email": "Email"},
        "attributes": [],
        "variables": [],
    }
    config.update(overrides)
    return config


def publish(flow: Flow, definition: dict):
    """Save `definition` as the draft and publish it (a new version)."""
    flow.refresh_from_db()
    flow.draft_definition = definition
    flow.draft_revision += 1
    flow.save()
    return flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)


@pytest.fixture
def sftp_flow(db, connection, folder) -> Callable[..., Flow]:
    """An active flow whose entry is SFTP Import on this test's folder: `sftp_flow(text=..., declare=[flow
    variable declarations], **entry point config)`."""

    def make(*, text: str = "Hello {{ person.first_name }}", declare=(), **config) -> Flow:
        flow = FlowFactory(name="Welcome via SFTP")
        publish(
            flow, sftp_definition(sftp_config(connection, folder, **config), text=text, variables=declare)
        )
        flow.status = Flow.Status.ACTIVE
        flow.save()
        return flow

    return make
