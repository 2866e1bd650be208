"""Branding packages: what is accepted, what is refused and why, and how a message is shown."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from flowdesigner.branding import CSP, BrandingRefused, branding_create, check_package
from flowdesigner.models import Branding
from messaging.models import Message
from tests.factories import PersonFactory, UserFactory

GOOD_HTML = """<!doctype html><html><head>
<meta property="rt:style:background-color" content="#123456">
<meta property="rt:style:text-color" content="#fefefe">
<meta property="rt:style:color-scheme" content="dark">
<link rel="stylesheet" href="style.css"></head>
<body><img src="logo.png" alt="Logo"><nuntiuz_message/></body></html>"""


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# A real 1x1 PNG: packages are checked to hold well-formed images.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    + _png_chunk(b"IEND", b"")
)


def package(files: dict[str, bytes | str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            files or {"branding.html": GOOD_HTML, "logo.png": PNG, "style.css": "b{}"}
        ).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_clean_package_is_accepted_with_its_colour_scheme():
    checked = check_package(package())
    assert (checked.background_color, checked.text_color, checked.color_scheme) == (
        "#123456",
        "#fefefe",
        "dark",
    )


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<script>alert(1)</script>", "<script> is not allowed"),
        ('<object data="x.swf"></object>', "<object> is not allowed"),
        ('<embed src="x.swf">', "<embed> is not allowed"),
        ('<applet code="X"></applet>', "<applet> is not allowed"),
        ('<img src="logo.png" onerror="alert(1)">', 'the event handler attribute "onerror" is not allowed'),
        ('<img src="https://tracker.example/p.gif">', "points outside the package"),
        ('<img src="//tracker.example/p.gif">', "points outside the package"),
        ('<a href="javascript:alert(1)">x</a>', "points outside the package"),
        (
            "<style>body{background:url(http://evil.example/x.png)}</style>",
            'the CSS url "http://evil.example/x.png"',
        ),
        ('<div style="background: url(https://evil.example/a)"></div>', "points outside the package"),
        ("<style>@import 'https://evil.example/a.css';</style>", "points outside the package"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "refresh> is not allowed"),
    ],
)
def test_unsafe_html_is_refused_naming_the_problem(html, error):
    with pytest.raises(BrandingRefused) as exc:
        check_package(package({"branding.html": f"<html><body>{html}</body></html>"}))
    assert any(error in e for e in exc.value.errors), exc.value.errors


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"index.html": "<p>hi</p>"}, "branding.html must be at the root of the zip."),
        ({"sub/branding.html": "<p>hi</p>"}, "branding.html must be at the root of the zip."),
        ({"branding.html": "<p>hi</p>", "../evil.png": b"x"}, "is not a plain relative path"),
        ({"branding.html": "<p>hi</p>", "app.js": "alert(1)"}, "no scripts or SVG files are allowed"),
        (
            {"branding.html": "<p>hi</p>", "s.css": "a{background:url(https://x.example/y)}"},
            "s.css: the CSS url",
        ),
        ({"branding.html": b"\xff\xfe"}, "branding.html must be UTF-8 text."),
    ],
)
def test_bad_packages_are_refused(files, error):
    with pytest.raises(BrandingRefused) as exc:
        check_package(package(files))
    assert any(error in e for e in exc.value.errors), exc.value.errors


def test_too_big_not_a_zip_and_zip_bombs_are_refused():
    with pytest.raises(BrandingRefused, match="at most 400 KiB"):
        check_package(b"x" * (400 * 1024 + 1))
    with pytest.raises(BrandingRefused, match="not a zip file"):
        check_package(b"plain text")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("branding.html", "<p>x</p>")
        archive.writestr("filler.png", b"\0" * (5 * 1024 * 1024))  # compresses to a few KiB
    assert len(bomb.getvalue()) < 400 * 1024
    with pytest.raises(BrandingRefused, match="unpacks to more than 4 MiB"):
        check_package(bomb.getvalue())


@pytest.mark.django_db
def test_marketer_uploads_on_the_page_and_sees_errors(client, marketer):
    client.force_login(marketer)
    bad = SimpleUploadedFile("b.zip", package({"branding.html": "<script>x</script>"}), "application/zip")
    response = client.post("/brandings/", {"name": "Evil", "package": bad})
    assert response.status_code == 200
    assert "&lt;script&gt; is not allowed" in response.content.decode()
    assert not Branding.objects.exists()
    good = SimpleUploadedFile("g.zip", package(), "application/zip")
    response = client.post("/brandings/", {"name": "Summer fest", "package": good}, follow=True)
    assert Branding.objects.get().key == "summer-fest"
    assert "Summer fest" in response.content.decode()


@pytest.mark.django_db
def test_a_message_is_shown_in_its_branding_escaped_isolated_and_only_to_its_reader(client):
    branding = branding_create(name="Summer fest", data=package())
    reader = UserFactory(roles=["enduser"])
    person = PersonFactory(user=reader)
    message = Message.objects.create(person=person, direction="out", text="<b>Hi</b>\nsee you")
    client.force_login(reader)
    response = client.get(f"/brandings/{branding.key}/messages/{message.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="nuntiuz-message">&lt;b&gt;Hi&lt;/b&gt;<br>see you</div>' in page
    assert '<base href="/brandings/summer-fest/files/">' in page
    assert response["Content-Security-Policy"] == CSP and CSP.startswith("sandbox;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    logo = client.get("/brandings/summer-fest/files/logo.png")
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", PNG)
    assert client.get("/brandings/summer-fest/files/branding.html").status_code == 404

    stranger = UserFactory(roles=["enduser"])
    PersonFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(f"/brandings/{branding.key}/messages/{message.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "list_status", "upload_status"),
    [("marketer", 200, 201), ("staff", 200, 403), ("enduser", 403, 403)],
)
def test_brandings_api_roles(api_client, role, list_status, upload_status):
    api_client.force_authenticate(UserFactory(roles=[role]))
    assert api_client.get("/api/brandings/").status_code == list_status
    upload = SimpleUploadedFile("g.zip", package(), "application/zip")
    response = api_client.post("/api/brandings/", {"name": "Fest", "package": upload}, format="multipart")
    assert response.status_code == upload_status
    if upload_status == 201:
        assert response.json()["color_scheme"] == "dark"
        assert [b["key"] for b in api_client.get("/api/brandings/").json()["results"]] == ["fest"]
