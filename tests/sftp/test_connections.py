"""Test connection against a real SFTP server: success pins the host key, a changed key is refused with
both fingerprints, and wrong passwords, closed ports and unknown folders say so."""

import socket

import asyncssh
import pytest

from engine.sftp import services
from engine.sftp.models import SftpConnection
from tests.sftp.server import SftpTestServer


def _connection(server: SftpTestServer, **fields) -> SftpConnection:
    values = {
        "name": "Partner",
        "host": "127.0.0.1",
        "port": server.port,
        "username": server.username,
        "password": server.password,
    }
    values.update(fields)
    return SftpConnection.objects.create(**values)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once the socket is closed


@pytest.mark.django_db
def test_a_successful_test_lists_the_folder_and_pins_the_host_key(sftp_server, folder):
    folder.write("a.csv", "Phone\n")
    folder.write("b.csv", "Phone\n")
    connection = _connection(sftp_server)

    result = services.connection_test(connection=connection, folder=folder.path)

    assert result.ok
    assert f"The folder '{folder.path}' has 2 file(s)" in result.message
    assert sftp_server.fingerprint in result.message
    connection.refresh_from_db()
    assert connection.host_key_fingerprint == sftp_server.fingerprint
    assert connection.last_test_ok is True and connection.last_tested_at is not None


@pytest.mark.django_db
def test_a_changed_host_key_is_refused_naming_both_fingerprints(tmp_path):
    with SftpTestServer(tmp_path) as server:
        connection = _connection(server)
        assert services.connection_test(connection=connection).ok
        pinned = server.fingerprint

        server.change_host_key()
        result = services.connection_test(connection=connection)

        assert not result.ok
        assert "host key" in result.message and "has changed" in result.message
        assert pinned in result.message and server.fingerprint in result.message
        connection.refresh_from_db()
        assert connection.host_key_fingerprint == pinned  # still the old one
        assert connection.last_test_ok is False

        # Staff confirm the server was reinstalled: forget the key, the next test pins the new one.
        services.connection_forget_host_key(connection=connection)
        assert services.connection_test(connection=connection).ok
        connection.refresh_from_db()
        assert connection.host_key_fingerprint == server.fingerprint


@pytest.mark.django_db
def test_a_wrong_password_is_refused_clearly(sftp_server):
    result = services.connection_test(connection=_connection(sftp_server, password="wrong"))

    assert not result.ok
    assert result.message == (
        f"127.0.0.1:{sftp_server.port} refused the login of 'jane': check the username and password."
    )


@pytest.mark.django_db
def test_a_closed_port_is_reported_as_refused():
    port = _closed_port()
    connection = SftpConnection.objects.create(
        name="Nobody", host="127.0.0.1", port=port, username="jane", password="x"
    )

    result = services.connection_test(connection=connection)

    assert not result.ok
    assert (
        result.message == f"127.0.0.1:{port} refused the connection: no SFTP server listens on port {port}."
    )
    connection.refresh_from_db()
    assert connection.host_key == ""  # nothing pinned from a failed test


@pytest.mark.django_db
def test_an_unknown_folder_is_named(sftp_server):
    result = services.connection_test(connection=_connection(sftp_server), folder="/no/such/folder")

    assert not result.ok
    assert result.message == f"The folder '/no/such/folder' does not exist on 127.0.0.1:{sftp_server.port}."


@pytest.mark.django_db
def test_logging_in_with_a_private_key(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    with SftpTestServer(tmp_path, client_key=key.convert_to_public()) as server:
        pem = key.export_private_key("openssh").decode()
        connection = _connection(server, password="", private_key=pem)

        assert services.connection_test(connection=connection).ok

        other = asyncssh.generate_private_key("ssh-ed25519").export_private_key("openssh").decode()
        result = services.connection_test(connection=_connection(server, password="", private_key=other))
        assert not result.ok
        assert "check the username and private key" in result.message
