"""Branding packages: validation of uploaded zips and rendering a message inside one.

A package is a zip with `branding.html` at its root, at most 400 KiB. It may hold images, CSS and
fonts it references by relative path. It may not run or embed code (no script, object, embed,
applet, no on* handlers, no javascript: URLs) nor reach outside itself (no http:, https:, //host
or other absolute URLs), so a branding can neither track readers nor attack the inbox. It is
shown in a sandboxed iframe with a Content-Security-Policy that enforces the same rules.

Rogerthat conventions kept: the message text goes where `<nuntiuz_message/>` stands (else at the
end of the body), and the colours come from `<meta property="rt:style:...">` tags.
"""

import html
import io
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

from django.db import transaction
from django.utils.text import slugify

from flowdesigner.models import Branding

MAX_ZIP_BYTES = 400 * 1024
MAX_UNCOMPRESSED_BYTES = 4 * 1024 * 1024  # zip bombs: refuse before reading members
MAX_MEMBERS = 200
FORBIDDEN_TAGS = {"script", "object", "embed", "applet", "iframe", "frame", "frameset", "base", "form"}
URL_ATTRIBUTES = {
    "src",
    "href",
    "background",
    "poster",
    "action",
    "formaction",
    "srcset",
    "data",
    "xlink:href",
}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]", re.IGNORECASE)
MESSAGE_PLACEHOLDER = re.compile(r"<nuntiuz_message\s*/?>(\s*</nuntiuz_message>)?", re.IGNORECASE)
CSP = (
    "sandbox; default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; media-src 'self'"
)


class BrandingRefused(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _external(url: str) -> bool:
    """Whether a URL leaves the package (absolute, protocol-relative or a script/data-less scheme)."""
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    if url.lower().startswith("data:image/") or url.lower().startswith("data:font/"):
        return False
    return url.startswith("//") or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("/")


@dataclass
class _Scan(HTMLParser):
    errors: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    in_style: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in FORBIDDEN_TAGS:
            self.errors.append(f"branding.html line {line}: <{tag}> is not allowed")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.errors.append(
                    f'branding.html line {line}: the event handler attribute "{name}" is not allowed'
                )
            elif name in URL_ATTRIBUTES and any(
                _external(part.split()[0]) for part in value.split(",") if part.strip()
            ):
                self.errors.append(
                    f'branding.html line {line}: {name}="{value[:80]}" points outside the package'
                )
            elif name == "style":
                self._check_css(value, line)
        if tag == "meta":
            values = dict(attrs)
            prop = values.get("property") or values.get("name") or ""
            if prop.startswith("rt:style:"):
                self.meta[prop.removeprefix("rt:style:")] = (values.get("content") or "").strip()
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.errors.append(f"branding.html line {line}: <meta http-equiv=refresh> is not allowed")
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self._check_css(data, self.getpos()[0])

    def _check_css(self, css: str, line: int) -> None:
        for match in CSS_URL.finditer(css):
            url = match.group(1) or match.group(2) or ""
            if _external(url):
                self.errors.append(
                    f'branding.html line {line}: the CSS url "{url[:80]}" points outside the package'
                )
        if "expression(" in css.lower() or "javascript:" in css.lower():
            self.errors.append(f"branding.html line {line}: script in CSS is not allowed")


@dataclass(frozen=True)
class CheckedPackage:
    html: str
    background_color: str
    text_color: str
    color_scheme: str


def check_package(data: bytes) -> CheckedPackage:
    """Validate a branding zip; raises BrandingRefused with every problem found."""
    if len(data) > MAX_ZIP_BYTES:
        raise BrandingRefused([f"The package is {len(data) // 1024} KiB; at most 400 KiB is allowed."])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise BrandingRefused(["This is not a zip file."]) from None
    errors: list[str] = []
    if len(members) > MAX_MEMBERS:
        raise BrandingRefused([f"The package holds {len(members)} files; at most {MAX_MEMBERS} are allowed."])
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise BrandingRefused(["The package unpacks to more than 4 MiB."])
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in member.filename:
            errors.append(f'"{member.filename}" is not a plain relative path inside the package')
    names = {m.filename for m in members}
    if "branding.html" not in names:
        errors.append("branding.html must be at the root of the zip.")
        raise BrandingRefused(errors)
    try:
        text = archive.read("branding.html").decode("utf-8")
    except UnicodeDecodeError:
        raise BrandingRefused([*errors, "branding.html must be UTF-8 text."]) from None
    scan = _Scan()
    scan.feed(text)
    scan.close()
    errors.extend(scan.errors)
    for name in names:
        if name.lower().endswith(".css"):
            css = archive.read(name).decode("utf-8", errors="replace")
            css_scan = _Scan()
            css_scan._check_css(css, 0)
            errors.extend(e.replace("branding.html line 0", name) for e in css_scan.errors)
        if name.lower().endswith((".js", ".html", ".htm", ".svg")) and name != "branding.html":
            errors.append(
                f'"{name}": only branding.html may be HTML, and no scripts or SVG files are allowed'
            )
    if errors:
        raise BrandingRefused(errors)
    scheme = scan.meta.get("color-scheme", "light").lower()
    return CheckedPackage(
        html=text,
        background_color=_colour(scan.meta.get("background-color", "")),
        text_color=_colour(scan.meta.get("text-color", "")),
        color_scheme=scheme if scheme in {"light", "dark"} else "light",
    )


def _colour(value: str) -> str:
    return value if re.fullmatch(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}", value) else ""


@transaction.atomic
def branding_create(*, name: str, data: bytes, user=None) -> Branding:
    """Store a validated package under a fresh key derived from its name."""
    checked = check_package(data)
    base = slugify(name)[:30] or "branding"
    key = base if not Branding.objects.filter(key=base).exists() else f"{base}-{secrets.token_hex(3)}"
    return Branding.objects.create(
        key=key,
        name=name.strip(),
        archive=data,
        html=checked.html,
        background_color=checked.background_color,
        text_color=checked.text_color,
        color_scheme=checked.color_scheme,
        created_by=user,
    )


def render_message(branding: Branding, text: str, *, files_url: str) -> str:
    """The branding page with the message text (escaped, line breaks kept) in its placeholder, and a
    <base> so the package's relative paths (images, CSS) load from `files_url`."""
    body = html.escape(text).replace("\n", "<br>")
    placed = f'<div class="nuntiuz-message">{body}</div>'
    if MESSAGE_PLACEHOLDER.search(branding.html):
        page = MESSAGE_PLACEHOLDER.sub(lambda _: placed, branding.html, count=1)
    elif re.search(r"</body>", branding.html, re.IGNORECASE):
        page = re.sub(r"</body>", lambda _: placed + "</body>", branding.html, count=1, flags=re.IGNORECASE)
    else:
        page = branding.html + placed
    base = f'<base href="{html.escape(files_url)}">'
    if re.search(r"<head[^>]*>", page, re.IGNORECASE):
        return re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + base, page, count=1, flags=re.IGNORECASE)
    return base + page


def package_file(branding: Branding, path: str) -> bytes | None:
    """A file of the package (images, CSS, fonts) by its relative path, or None."""
    if path == "branding.html":
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(bytes(branding.archive))).read(path)
    except KeyError:
        return None
