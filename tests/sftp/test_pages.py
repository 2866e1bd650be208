"""SFTP pages and API: staff manage connections, marketers see them, end users get nothing; a connection
an active flow uses cannot be edited or deleted; a flow's report shows its files and invalid rows."""

import csv
import io

import pytest
from rest_framework.authtoken.models import Token

from engine.sftp.models import SftpConnection
from flowdesigner.models import Flow


def _login(client, user):
    client.force_login(user)
    return client


def _form(connection: SftpConnection, **changes) -> dict:
    data = {
        "name": connection.name,
        "host": connection.host,
        "port": connection.port,
        "username": connection.username,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_staff_create_a_connection_and_its_secrets_are_never_shown_back(client, staff, sftp_server):
    _login(client, staff)
    response = client.post(
        "/sftp/connections/new/",
        {
            "name": "Partner",
            "host": "127.0.0.1",
            "port": sftp_server.port,
            "username": "jane",
            "password": "s3cret-pw",
        },
    )
    connection = SftpConnection.objects.get(name="Partner")
    assert response.status_code == 302 and response["Location"] == f"/sftp/connections/{connection.pk}/"
    assert connection.password == "s3cret-pw"

    page = client.get(f"/sftp/connections/{connection.pk}/").content.decode()
    assert "s3cret-pw" not in page
    assert "not pinned yet" in page
    assert "Used by no active flow." in page

    # Saving without a password keeps the stored one.
    response = client.post(f"/sftp/connections/{connection.pk}/", _form(connection, name="Partner SFTP"))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.name, connection.password) == ("Partner SFTP", "s3cret-pw")


@pytest.mark.django_db
def test_a_private_key_is_checked_and_never_shown_back(client, staff, sftp_server):
    import asyncssh

    _login(client, staff)
    response = client.post(
        "/sftp/connections/new/",
        {"name": "Keyed", "host": "127.0.0.1", "port": 22, "username": "jane", "private_key": "not a key"},
    )
    assert response.status_code == 200
    assert "This is not a private key that can be used" in response.content.decode()

    pem = asyncssh.generate_private_key("ssh-ed25519").export_private_key("openssh").decode()
    client.post(
        "/sftp/connections/new/",
        {"name": "Keyed", "host": "127.0.0.1", "port": 22, "username": "jane", "private_key": pem},
    )
    connection = SftpConnection.objects.get(name="Keyed")
    page = client.get(f"/sftp/connections/{connection.pk}/").content.decode()
    assert "logs in with a private key" in page
    assert pem.splitlines()[1] not in page


@pytest.mark.django_db
def test_the_test_connection_button_shows_the_result_and_pins_the_key(client, staff, sftp_server, folder):
    connection = SftpConnection.objects.create(
        name="Partner", host="127.0.0.1", port=sftp_server.port, username="jane", password="s3cret-pw"
    )
    _login(client, staff)

    response = client.post(f"/sftp/connections/{connection.pk}/test/", {"folder": folder.path}, follow=True)

    page = response.content.decode()
    assert f"Test connection: Connected. The folder &#x27;{folder.path}&#x27; has 0 file(s)." in page
    assert sftp_server.fingerprint in page


@pytest.mark.django_db
def test_a_connection_an_active_flow_uses_cannot_be_edited_or_deleted(client, staff, connection, sftp_flow):
    flow = sftp_flow()
    _login(client, staff)

    page = client.get(f"/sftp/connections/{connection.pk}/").content.decode()
    assert "Used by 1 active flow" in page and "Welcome via SFTP" in page

    response = client.post(f"/sftp/connections/{connection.pk}/", _form(connection, host="other.example.com"))
    assert response.status_code == 409
    assert (
        "The connection &#x27;Partner server&#x27; cannot be changed: 1 active flow(s) use it "
        "(&#x27;Welcome via SFTP&#x27;)" in response.content.decode()
    )
    response = client.post(f"/sftp/connections/{connection.pk}/delete/")
    assert response.status_code == 409
    assert "cannot be deleted: 1 active flow(s) use it" in response.content.decode()
    connection.refresh_from_db()
    assert connection.host == "127.0.0.1"

    # Once the flow is paused, the connection may change (a new host forgets the pinned key) and go.
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.PAUSED)
    response = client.post(f"/sftp/connections/{connection.pk}/", _form(connection, host="other.example.com"))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.host, connection.host_key) == ("other.example.com", "")
    assert client.post(f"/sftp/connections/{connection.pk}/delete/").status_code == 302
    assert not SftpConnection.objects.exists()


@pytest.mark.django_db
def test_marketers_see_connections_but_do_not_change_them(client, marketer, connection):
    _login(client, marketer)
    assert client.get("/sftp/connections/").status_code == 200
    page = client.get(f"/sftp/connections/{connection.pk}/")
    assert page.status_code == 200 and "Partner server" in page.content.decode()
    assert 'data-testid="connection-form"' not in page.content.decode()
    assert client.post(f"/sftp/connections/{connection.pk}/", _form(connection, name="x")).status_code == 403
    assert client.get("/sftp/connections/new/").status_code == 403
    assert client.post(f"/sftp/connections/{connection.pk}/test/").status_code == 403
    assert client.post(f"/sftp/connections/{connection.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_end_users_get_no_sftp_page_or_api(client, enduser, connection, sftp_flow):
    flow = sftp_flow()
    _login(client, enduser)
    for url in ("/sftp/connections/", f"/sftp/connections/{connection.pk}/", f"/flows/{flow.pk}/sftp/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/sftp/connections/").status_code == 403


@pytest.mark.django_db
def test_the_flow_report_shows_files_counts_and_invalid_rows(
    client, marketer, sftp_flow, folder, django_capture_on_commit_callbacks
):
    from engine.sftp import services
    from engine.sftp.models import SftpFile

    folder.write(
        "june.csv", "Phone,Email,Note\n+32470000001,,ok\n=cmd|' /C calc'!A0,,evil\n+32470000003,,ok\n"
    )
    flow = sftp_flow(text="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        services.sftp_schedule(flow.pk, "sftp")
    file = SftpFile.objects.get(flow=flow)
    _login(client, marketer)

    report = client.get(f"/flows/{flow.pk}/sftp/").content.decode()
    assert f"{folder.path}/june.csv" in report
    assert f'data-testid="file-valid-{file.pk}">2<' in report
    assert f'data-testid="file-invalid-{file.pk}">1<' in report
    assert "last checked" in report

    detail = client.get(f"/flows/{flow.pk}/sftp/files/{file.pk}/").content.decode()
    assert "is not a valid phone number." in detail

    response = client.get(f"/flows/{flow.pk}/sftp/files/{file.pk}/invalid-rows.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["line", "column", "reason", "row values"],
        # A formula from the file is neutralised before a spreadsheet opens it.
        [
            "3",
            "Phone",
            "\"=cmd|' /C calc'!A0\" is not a valid phone number.",
            "'=cmd|' /C calc'!A0",
            "",
            "evil",
        ],
    ]
    assert client.get(f"/flows/{flow.pk + 1}/sftp/files/{file.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_api_lists_connections_for_the_canvas(api_client, marketer, staff, connection):
    api_client.force_authenticate(marketer)
    response = api_client.get("/api/sftp/connections/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": connection.pk,
            "name": "Partner server",
            "host": "127.0.0.1",
            "port": connection.port,
            "username": "jane",
        }
    ]

    api_client.force_authenticate(None)
    assert api_client.get("/api/sftp/connections/").status_code == 401
    token = Token.objects.create(user=staff)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [c["id"] for c in api_client.get("/api/sftp/connections/").json()] == [connection.pk]
