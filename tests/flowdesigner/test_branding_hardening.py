"""Branding packages, hardened: only allow-listed member types served with fixed content types, images and
fonts checked to be well formed, CSS checked after undoing its escapes, and damaged zips refused with a
clear message (never a 500, neither at upload nor when a stored package is served)."""

import html
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from flowdesigner.branding import CSP, BrandingRefused, branding_create, check_package
from flowdesigner.models import Branding
from tests.factories import UserFactory
from tests.flowdesigner.test_branding import GOOD_HTML, PNG, package

# --- sample files: small but well formed --------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


JPEG = (
    b"\xff\xd8"
    + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    + _jpeg_segment(0xDB, b"\x00" + bytes(range(1, 65)))
    + _jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + _jpeg_segment(0xC4, b"\x00" + b"\x00" * 15 + b"\x00" * 0 + b"\x01" + b"\x00")
    + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x12\x34\xff\x00\x56\xff\xd0\x78"  # entropy-coded data with a stuffed 0xFF and a restart marker
    + b"\xff\xd9"
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_VP8L = b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
WEBP = b"RIFF" + struct.pack("<I", 4 + 8 + len(_VP8L)) + b"WEBP" + b"VP8L" + struct.pack("<I", 13) + _VP8L


def _sfnt(tag: bytes = b"\x00\x01\x00\x00") -> bytes:
    table = b"\x00\x01\x00\x00" + b"\x00" * 12
    directory = b"head" + struct.pack(">III", 0, 12 + 16, len(table))
    return tag + struct.pack(">HHHH", 1, 16, 0, 0) + directory + table


TTF = _sfnt()
OTF = _sfnt(b"OTTO")
_WOFF_TABLE = b"\x00" * 16
WOFF = (
    b"wOFF"
    + struct.pack(
        ">4sIHHIHHIIIII", b"\x00\x01\x00\x00", 44 + 20 + 16, 1, 0, 12 + 16 + 16, 1, 0, 0, 0, 0, 0, 0
    )
    + b"head"
    + struct.pack(">IIII", 44 + 20, 16, 16, 0)
    + _WOFF_TABLE
)
WOFF2 = b"wOF2" + struct.pack(">4sIHHIIHHIIIII", b"\x00\x01\x00\x00", 48 + 4, 1, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0)
WOFF2 += b"\x00" * 4

SAMPLES = {
    "logo.png": PNG,
    "photo.jpg": JPEG,
    "photo.jpeg": JPEG,
    "anim.gif": GIF,
    "pic.webp": WEBP,
    "style.css": "body { color: #333; }",
    "font.woff": WOFF,
    "font.woff2": WOFF2,
    "font.ttf": TTF,
    "font.otf": OTF,
}
SERVED_AS = {
    "logo.png": "image/png",
    "photo.jpg": "image/jpeg",
    "photo.jpeg": "image/jpeg",
    "anim.gif": "image/gif",
    "pic.webp": "image/webp",
    "style.css": "text/css; charset=utf-8",
    "font.woff": "font/woff",
    "font.woff2": "font/woff2",
    "font.ttf": "font/ttf",
    "font.otf": "font/otf",
}


def refused(data: bytes) -> list[str]:
    with pytest.raises(BrandingRefused) as exc:
        check_package(data)
    return exc.value.errors


def with_member(name: str, content: bytes | str) -> bytes:
    return package({"branding.html": "<p>hi</p>", name: content})


# --- zip byte patching ----------------------------------------------------------------------------------


def build_zip(files: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return bytearray(buffer.getvalue())


def _headers(data: bytearray, name: str) -> tuple[int, int]:
    """Offsets of the central directory entry and the local header of `name`."""
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == encoded:
            return central, struct.unpack_from("<I", data, central + 42)[0]
        central = data.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{name} not in the zip")


def patch(data: bytearray, name: str, **fields: int) -> bytes:
    """Overwrite header fields of `name` in both the central directory and the local header."""
    central, local = _headers(data, name)
    layout = {"flags": (8, 6, "<H"), "method": (10, 8, "<H"), "crc": (16, 14, "<I"), "size": (24, 22, "<I")}
    for field, value in fields.items():
        central_at, local_at, fmt = layout[field]
        struct.pack_into(fmt, data, central + central_at, value)
        struct.pack_into(fmt, data, local + local_at, value)
    return bytes(data)


def flip_data_byte(data: bytearray, name: str) -> bytes:
    """Corrupt the stored bytes of `name` (a ZIP_STORED member), leaving its recorded CRC as it was."""
    _, local = _headers(data, name)
    name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
    data[local + 30 + name_len + extra_len] ^= 0xFF
    return bytes(data)


BRANDING_HTML = "<p>" + "hello branding " * 20 + "</p>"


def damaged_zips() -> dict[str, tuple[bytes, str, str]]:
    """name -> (zip bytes, the member the message must name, what the message must say)."""
    stored = {"branding.html": BRANDING_HTML, "logo.png": PNG}
    lying = build_zip(stored)
    forged = build_zip(stored)
    return {
        "bad CRC in branding.html": (
            flip_data_byte(build_zip(stored, zipfile.ZIP_STORED), "branding.html"),
            "branding.html",
            "CRC",
        ),
        "bad CRC in logo.png": (
            flip_data_byte(build_zip(stored, zipfile.ZIP_STORED), "logo.png"),
            "logo.png",
            "CRC",
        ),
        "recorded CRC wrong": (
            patch(
                build_zip(stored),
                "logo.png",
                crc=zipfile.ZipFile(io.BytesIO(lying)).getinfo("logo.png").CRC ^ 1,
            ),
            "logo.png",
            "CRC",
        ),
        "unknown method (99)": (
            patch(build_zip(stored), "branding.html", method=99),
            "branding.html",
            "method 99",
        ),
        "unknown method on an image": (
            patch(build_zip(stored), "logo.png", method=15),
            "logo.png",
            "method 15",
        ),
        "bzip2 (not allowed)": (bytes(build_zip(stored, zipfile.ZIP_BZIP2)), "branding.html", "method 12"),
        "lying size": (patch(lying, "branding.html", size=10), "branding.html", "says it holds 10 bytes"),
        "lying size, CRC forged to match the first 10 bytes": (
            patch(forged, "branding.html", size=10, crc=zlib.crc32(BRANDING_HTML[:10].encode())),
            "branding.html",
            "says it holds 10 bytes",
        ),
        "size says more than there is": (
            patch(build_zip(stored), "branding.html", size=len(BRANDING_HTML) + 5),
            "branding.html",
            "damaged",
        ),
        "encrypted": (patch(build_zip(stored), "logo.png", flags=1), "logo.png", "encrypted"),
    }


def _corrupt_deflate() -> bytes:
    data = build_zip({"branding.html": BRANDING_HTML, "logo.png": PNG})
    _, local = _headers(data, "branding.html")
    start = local + 30 + len("branding.html")
    data[start : start + 4] = b"\xff\xff\xff\xff"  # an invalid deflate block type
    return bytes(data)


# --- finding 1: member types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "page.xhtml",
        "module.mjs",
        "app.js",
        "logo.svg",
        "logo.svgz",
        "other.html",
        "other.htm",
        "page.shtml",
        "doc.xml",
        "doc.pdf",
        "run.wasm",
        "data.json",
        "notes.txt",
        "movie.swf",
        "noextension",
        "img/Logo.XHTML",
    ],
)
def test_members_outside_the_allow_list_are_refused_naming_them(name):
    errors = refused(with_member(name, b"<x/>"))
    assert any(f'"{name}"' in e and "is not allowed" in e for e in errors), errors


def test_allow_listed_members_directories_and_mac_metadata_are_accepted():
    files = {
        "branding.html": GOOD_HTML,
        **SAMPLES,
        "__MACOSX/._logo.png": b"\x00\x05\x16\x07junk",
        ".DS_Store": b"x",
    }
    files["img/"] = b""
    files["img/LOGO.PNG"] = PNG
    check_package(package(files))


@pytest.mark.django_db
def test_allow_listed_members_are_served_with_a_fixed_content_type(client, marketer):
    branding = branding_create(name="All types", data=package({"branding.html": GOOD_HTML, **SAMPLES}))
    client.force_login(marketer)
    for name, content_type in SERVED_AS.items():
        response = client.get(f"/brandings/{branding.key}/files/{name}")
        assert response.status_code == 200, name
        assert response["Content-Type"] == content_type, name
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == CSP
        expected = SAMPLES[name]
        assert response.content == (expected.encode() if isinstance(expected, str) else expected)


@pytest.mark.django_db
def test_a_stored_package_never_serves_active_or_unlisted_members(client, marketer):
    """Rows stored before the allow list existed: such members are simply not served."""
    archive = build_zip(
        {
            "branding.html": "<p>hi</p>",
            "page.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
            "module.mjs": "alert(1)",
            "app.js": "alert(1)",
            "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "other.html": "<script>alert(1)</script>",
            "notes.txt": "hi",
            "__MACOSX/._logo.png": b"\x00\x05\x16\x07",
            ".DS_Store": b"x",
            "logo.png": PNG,
        }
    )
    Branding.objects.create(key="legacy", name="Legacy", archive=bytes(archive), html="<p>hi</p>")
    client.force_login(marketer)
    for name in ["page.xhtml", "module.mjs", "app.js", "logo.svg", "other.html", "notes.txt"]:
        assert client.get(f"/brandings/legacy/files/{name}").status_code == 404, name
    for name in ["__MACOSX/._logo.png", ".DS_Store", "branding.html", "missing.png"]:
        assert client.get(f"/brandings/legacy/files/{name}").status_code == 404, name
    assert client.get("/brandings/legacy/files/logo.png").status_code == 200


# --- finding 2: images and fonts are checked; serving never fails -----------------------------------


def _png_with(*chunks: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


IHDR = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
IDAT = _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
IEND = _png_chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("logo.png", _png_with(IHDR, _png_chunk(b"IDAT", b"abc", crc=1), IEND), "CRC of its IDAT chunk"),
        ("logo.png", _png_with(_png_chunk(b"IHDR", IHDR[8:21], crc=7), IDAT, IEND), "CRC of its IHDR chunk"),
        ("logo.png", _png_with(IHDR, IDAT), "damaged PNG"),
        ("logo.png", _png_with(IDAT, IHDR, IEND), "damaged PNG"),
        ("logo.png", _png_with(IHDR, IEND), "damaged PNG"),
        (
            "logo.png",
            _png_with(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 1, 8, 2, 0, 0, 0)), IDAT, IEND),
            "damaged PNG",
        ),
        ("logo.png", JPEG, "not a PNG image"),
        ("logo.png", b"\x89PNG...", "not a PNG image"),
        ("photo.jpg", JPEG[:-2], "damaged JPEG"),
        ("photo.jpg", PNG, "not a JPEG image"),
        ("photo.jpg", JPEG.replace(b"\xff\xc0", b"\xff\xc4", 1), "damaged JPEG"),
        ("anim.gif", GIF[:-1], "damaged GIF"),
        ("anim.gif", b"GIF90a" + GIF[6:], "not a GIF image"),
        ("pic.webp", WEBP[:-3], "damaged WebP"),
        ("pic.webp", WEBP.replace(b"VP8L", b"ABCD"), "damaged WebP"),
        ("font.woff", WOFF[:-1], "damaged WOFF"),
        ("font.woff2", b"wOFF" + WOFF2[4:], "not a WOFF2 font"),
        ("font.ttf", b"<html>", "not a TrueType or OpenType font"),
        ("font.otf", TTF[:-4], "damaged TrueType or OpenType font"),
        ("style.css", "body{}".encode("utf-16"), "must be UTF-8 text"),
    ],
)
def test_corrupt_images_and_fonts_are_refused_naming_the_member(name, content, says):
    errors = refused(with_member(name, content))
    assert any(e.startswith(f'"{name}"') and says in e for e in errors), errors


@pytest.mark.parametrize("name", [n for n in SAMPLES if n != "style.css"])
def test_every_truncation_of_an_image_or_font_is_refused_cleanly(name):
    content = SAMPLES[name]
    for size in range(len(content)):
        errors = refused(with_member(name, content[:size]))
        assert any(f'"{name}"' in e for e in errors), (size, errors)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", [*damaged_zips(), "not a zip", "corrupt deflate stream", "bad PNG chunk CRC"]
)
def test_serving_a_damaged_stored_package_gives_404_never_500(client, marketer, case):
    """Rows stored before these checks: a member that cannot be read back intact is a 404, the rest is
    served, and the page itself (its HTML is stored apart) still shows."""
    damaged = "logo.png"
    if case == "not a zip":
        archive = b""
    elif case == "corrupt deflate stream":
        archive, damaged = _corrupt_deflate(), "branding.html"
    elif case == "bad PNG chunk CRC":
        archive = bytes(build_zip({"branding.html": "<p>x</p>", "logo.png": PNG[:-4] + b"\x00\x00\x00\x00"}))
    else:
        archive, damaged, _ = damaged_zips()[case]
    Branding.objects.create(key="stored", name="Stored", archive=archive, html="<p>stored</p>")
    client.force_login(marketer)
    logo = client.get("/brandings/stored/files/logo.png")
    assert logo.status_code == (404 if damaged == "logo.png" or case == "bzip2 (not allowed)" else 200)
    assert client.get("/brandings/stored/files/branding.html").status_code == 404
    assert client.get("/brandings/stored/preview/").status_code == 200


# --- finding 3: CSS escapes and comments ---------------------------------------------------------------

EVIL_CSS = [
    r"a{background:u\72l(https://evil.example/a.png)}",
    r"a{background:\75\72\6c(https://evil.example/a.png)}",
    r"a{background:\000075rl(https://evil.example/a.png)}",
    r"a{background:\75 rl(https://evil.example/a.png)}",
    r"a{background:U\RL(https://evil.example/a.png)}",
    r"a{background:url(\68ttps://evil.example/a.png)}",
    r"a{background:url(/\/evil.example/a.png)}",
    r"a{background:url(ht\9tps://evil.example/a.png)}",
    r"a{background:url('\5c\5c evil.example/a.png')}",
    r"a{background:url( '\20https://evil.example/a.png' )}",
    r'a{content:"/*"; background:u\72l(https://evil.example/a.png); content:"*/"}',
    'a{background:image-set("htt\\\nps://evil.example/a.png" 1x)}',
    r'a{background-image:image-set("https://evil.example/a.png" 1x)}',
    r'a{background-image:-webkit-image-set("//evil.example/a.png" 1x)}',
    r'a{background-image:image-set("/api/brandings/" 1x)}',
    r'a{background-image:\69mage-set("\2f\2f evil.example/a.png" 1x)}',
    r'@\69mport "https://evil.example/a.css";',
    r'@import/**/"https://evil.example/a.css";',
    r"@import'//evil.example/a.css';",
    r'@import "/static/app.css";',
    r'@font-face{font-family:x;src:src("https://evil.example/f.woff")}',
    r'a{background-image:image-set("a;b}.png" 1x, "https://evil.example/a.png" 2x)}',
    r'a{background-image:image-set(/* " */ "https://evil.example/a.png" 1x)}',
    r'a{background-image:image-set("a\22 .png" 1x, "https://evil.example/a.png" 2x)}',
]
SCRIPT_CSS = [
    r"a{width:e\78pression(alert(1))}",
    r"a{width:\65\78\70\72\65\73\73\69\6f\6e(alert(1))}",
    r"a{background:url(\6a\61vascript:alert(1))}",
    r"a{-moz-binding:url(x.xml#x)}",
    r"a{behavior:url(x.htc)}",
]


def _in_html(css: str, where: str) -> bytes:
    if where == "style element":
        return package({"branding.html": f"<html><head><style>{css}</style></head><body></body></html>"})
    if where == "style attribute":
        declarations = css[css.index("{") + 1 : css.rindex("}")] if "{" in css else css
        return package({"branding.html": f'<p style="{html.escape(declarations)}">x</p>'})
    return package({"branding.html": '<link rel="stylesheet" href="s.css">', "s.css": css})


@pytest.mark.parametrize(
    ("css", "where"),
    [
        (css, where)
        for css in EVIL_CSS
        for where in ("style element", "style attribute", "css file")
        # At-rules (@import) do not exist in a style attribute.
        if not (where == "style attribute" and css.startswith("@"))
    ],
)
def test_escaped_or_hidden_external_urls_in_css_are_refused(css, where):
    errors = refused(_in_html(css, where))
    assert any("points outside the package" in e for e in errors), errors
    if where == "css file":
        assert any(e.startswith("s.css: ") for e in errors), errors


@pytest.mark.parametrize("where", ["style element", "style attribute", "css file"])
@pytest.mark.parametrize("css", SCRIPT_CSS)
def test_escaped_script_in_css_is_refused(css, where):
    errors = refused(_in_html(css, where))
    assert any("not allowed" in e or "points outside the package" in e for e in errors), errors


@pytest.mark.parametrize(
    "css",
    [
        r"a{background:url(im\61ges/logo.png)}",
        r"a{background:url('logo.png')}",
        r'a{background-image:image-set("logo.png" 1x, "img/logo@2x.png" 2x)}',
        r'a:before{content:"Note: see the manual"}',
        '/*! Bootstrap v5.3 (https://getbootstrap.com/) | MIT */ body{font-family:"Helvetica Neue"}',
        r'@font-face{font-family:x;src:url(font.woff2) format("woff2"),url("font.woff") format("woff")}',
        r'@import "theme.css";',
        r"a{background:url(data:image/png;base64,iVBORw0KGgo=)}",
        r"a{color:\72\65\64}",
        # Bootstrap 4/5: inline SVG icons, whose xmlns is a URL inside the data: URL's string.
        r"""a{background-image:url("data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e%3c/svg%3e")}""",
        # print stylesheets: a selector on absolute links.
        r'@media print{a[href^="http://"]:after{content:" (" attr(href) ")"}}',
    ],
)
def test_harmless_css_is_still_accepted(css):
    check_package(package({"branding.html": f"<style>{css}</style>", "theme.css": "b{}"}))


@pytest.mark.parametrize("where", ["style element", "style attribute", "css file"])
def test_var_in_image_set_is_refused_as_its_url_cannot_be_checked(where):
    css = r'a{--x:"https://evil.example/a.png";background-image:image-set(v\61r(--x) 1x)}'
    errors = refused(_in_html(css, where))
    assert any("var() is not allowed in image-set()" in e for e in errors), errors


@pytest.mark.parametrize(
    "url", ["\\\\evil.example/x.png", "/\\evil.example/x.png", " https://evil.example/x", "ht\ttps://e.x"]
)
def test_html_urls_are_checked_as_a_browser_reads_them(url):
    errors = refused(package({"branding.html": f'<img src="{html.escape(url)}">'}))
    assert any("points outside the package" in e for e in errors), errors


# --- finding 4: damaged zips ------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(damaged_zips()))
def test_damaged_zips_are_refused_naming_the_member(case):
    data, member, says = damaged_zips()[case]
    errors = refused(data)
    assert any(f'"{member}"' in e and says in e for e in errors), errors


def test_a_corrupt_deflate_stream_and_a_truncated_zip_are_refused():
    assert any('"branding.html"' in e and "damaged" in e for e in refused(_corrupt_deflate()))
    whole = bytes(build_zip({"branding.html": BRANDING_HTML, "logo.png": PNG}))
    for size in range(0, len(whole), 7):
        refused(whole[:size])


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(damaged_zips()))
def test_the_api_answers_400_for_a_damaged_zip(api_client, case):
    data, member, says = damaged_zips()[case]
    api_client.force_authenticate(UserFactory(roles=["marketer"]))
    upload = SimpleUploadedFile("b.zip", data, "application/zip")
    response = api_client.post("/api/brandings/", {"name": "Damaged", "package": upload}, format="multipart")
    assert response.status_code == 400
    assert any(f'"{member}"' in e and says in e for e in response.json()["package"]), response.json()
    assert not Branding.objects.exists()


@pytest.mark.django_db
def test_the_page_shows_why_a_damaged_zip_is_refused(client, marketer):
    data, _, _ = damaged_zips()["lying size"]
    client.force_login(marketer)
    response = client.post("/brandings/", {"name": "Damaged", "package": SimpleUploadedFile("b.zip", data)})
    assert response.status_code == 200
    assert html.escape('"branding.html": the zip says it holds 10 bytes') in response.content.decode()
    assert not Branding.objects.exists()
