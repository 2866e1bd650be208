"""Branding packages: validation of uploaded zips and rendering a message inside one.

A package is a zip with `branding.html` at its root, at most 400 KiB. It may hold images, CSS and
fonts it references by relative path. It may not run or embed code (no script, object, embed,
applet, no on* handlers, no javascript: URLs) nor reach outside itself (no http:, https:, //host
or other absolute URLs), so a branding can neither track readers nor attack the inbox. It is
shown in a sandboxed iframe with a Content-Security-Policy that enforces the same rules.

What a package may hold, and how it is served (decided here, enforced at upload AND when serving):

- `branding.html` is never served as a file: its text is stored at upload and rendered only by
  the preview/message views, in the sandboxed frame with `CSP`.
- Every other member must have an extension from `MEMBER_TYPES` (PNG, JPEG, GIF, WebP images; CSS;
  WOFF, WOFF2, TTF, OTF fonts) and is served with exactly that content type, `nosniff` and `CSP`.
  Anything else (other HTML, .xhtml, .js/.mjs, SVG - which is active content -, XML, PDF, ...)
  is refused at upload with a message naming the member, and a 404 when serving a stored package.
  Directory entries are fine; macOS/Windows metadata (`__MACOSX/`, `.DS_Store`, `Thumbs.db`) is
  tolerated but ignored, and never served.
- Images and fonts are checked to be well formed for their extension (PNG chunk CRCs, JPEG
  markers, GIF blocks, WebP RIFF chunks, font headers and tables) with the small checks below
  (Pillow is not a dependency); CSS must be UTF-8, and is served as UTF-8.
- Every member is read back at upload exactly as the zip's directory describes it: stored or
  deflate only, never more bytes than the directory declares (checked while inflating), CRC
  checked, no encryption. A damaged zip is refused with a message naming the member; serving a
  stored package that fails these checks gives a 404 for that member, never a 500.
- CSS (files, <style>, style="") is checked after undoing CSS escapes and line continuations, its
  comments scanned too (nothing hides in them), for url(), @import, image-set()/image()/src() strings
  (and var() inside those, whose URL cannot be checked) and script (expression(), javascript:,
  behavior, -moz-binding). URLs are judged as a browser's URL parser reads them (tabs and newlines
  dropped, backslashes as slashes), in HTML attributes too. The check errs on refusing.

Rogerthat conventions kept: the message text goes where `<nuntiuz_message/>` stands (else at the
end of the body), and the colours come from `<meta property="rt:style:...">` tags.
"""

import html
import io
import logging
import re
import secrets
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

from django.db import transaction
from django.utils.text import slugify

from flowdesigner.branding_formats import FORMAT_CHECKS
from flowdesigner.models import Branding

logger = logging.getLogger(__name__)

MAX_ZIP_BYTES = 400 * 1024
MAX_UNCOMPRESSED_BYTES = 4 * 1024 * 1024  # zip bombs: refuse before reading members
MAX_MEMBERS = 200
# The only members served, by lower-case extension, with the only content type each is served with.
MEMBER_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".css": "text/css; charset=utf-8",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
ALLOWED_MEMBERS = (
    "a package may hold only branding.html, images (.png .jpg .jpeg .gif .webp), CSS (.css) and fonts "
    "(.woff .woff2 .ttf .otf); no other HTML, no scripts or SVG files are allowed"
)
IGNORED_NAMES = {".DS_Store", "Thumbs.db"}  # file manager metadata: tolerated, never served
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# What zipfile/zlib raise on a malformed archive (its directory, before any member is read).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    EOFError,
    ValueError,
    OSError,
    struct.error,
    zlib.error,
)
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
MESSAGE_PLACEHOLDER = re.compile(r"<nuntiuz_message\s*/?>(\s*</nuntiuz_message>)?", re.IGNORECASE)
CSP = (
    "sandbox; default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; media-src 'self'"
)


class BrandingRefused(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def _as_browser_reads(url: str) -> str:
    """A URL as a browser's URL parser reads it: outer C0 controls and spaces stripped, tabs and newlines
    dropped anywhere, backslashes taken as slashes."""
    return re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE).replace("\\", "/")


def _external(url: str) -> bool:
    """Whether a URL leaves the package (absolute, protocol-relative or a script/data-less scheme)."""
    url = _as_browser_reads(url)
    if not url or url.startswith("#"):
        return False
    if url.lower().startswith("data:image/") or url.lower().startswith("data:font/"):
        return False
    return url.startswith("//") or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("/")


# --- CSS -------------------------------------------------------------------------------------------------

_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(\n)|(.)|\Z)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
# url(...): the value after any spaces and an opening quote, up to a quote or ")"; spaces, tabs and
# newlines inside are kept (a URL parser drops tabs/newlines: "ht\9tps:" is "https:").
_URL_FUNCTION = re.compile(r"url\([\x00-\x20\"']*([^\"')]*)", re.IGNORECASE)
# @import "x" (also with comments before the string; @import url(x) is a url( above).
_IMPORT = re.compile(r"@import(?:[\x00-\x20]|/\*.*?\*/)*[\"']([^\"']*)", re.IGNORECASE | re.DOTALL)
# Functions whose string arguments are URLs: image-set() (and prefixed), image(), src(). Their arguments
# run to the end of the declaration, read past comments and strings (which may hold ; or }).
_ARGUMENT_PARTS = r"/\*.*?(?:\*/|\Z)|\"[^\"\n]*\"?|'[^'\n]*'?"
_STRING_URL_FUNCTION = re.compile(
    rf"(?:image-set|image|src)\(((?:{_ARGUMENT_PARTS}|[^;}}\"'/]+|/(?!\*))*)", re.IGNORECASE | re.DOTALL
)
_ARGUMENT_PART = re.compile(_ARGUMENT_PARTS, re.DOTALL)
_CSS_SCRIPT = re.compile(
    r"expression\s*\(|(?:java|vb)script:|-moz-binding|(?<![\w-])behavior\s*:", re.IGNORECASE
)


def _css_unescape(css: str) -> str:
    """CSS text with its escapes undone, as the CSS Syntax spec reads them: newlines normalised,
    backslash + 1-6 hex digits + one optional whitespace is that code point (0, surrogates and beyond
    U+10FFFF give U+FFFD), backslash + newline is a line continuation (nothing), backslash + any other
    character is that character. An escaped quote never opens or closes a string, so it becomes U+FFFD
    here: every quote left in the text is a real one."""
    css = css.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\0", "\ufffd")

    def one(match: re.Match) -> str:
        hex_digits, newline, char = match.groups()
        if hex_digits:
            value = int(hex_digits, 16)
            char = "\ufffd" if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF else chr(value)
        if newline:
            return ""
        return char if char is not None and char not in "\"'" else "\ufffd"

    return _CSS_ESCAPE.sub(one, css)


def _css_problems(css: str) -> list[str]:
    """What is wrong with a piece of CSS (a file, a <style> or a style attribute). It is read with its
    escapes undone. Its comments are kept and scanned too, so nothing hides in them, and also taken out
    for the script check (old IE ignored them inside expression). The check errs on refusing."""
    decoded = _css_unescape(css)
    problems: list[str] = []
    urls = set(_URL_FUNCTION.findall(decoded)) | set(_IMPORT.findall(decoded))
    for arguments in _STRING_URL_FUNCTION.findall(decoded):
        strings = [part for part in _ARGUMENT_PART.findall(arguments) if part[:1] in "\"'"]
        urls.update(part[1:].removesuffix(part[0]) for part in strings)
        if re.search(r"var\(", _ARGUMENT_PART.sub("", arguments), re.IGNORECASE):
            problems.append("var() is not allowed in image-set(), image() or src(): write its URLs out")
    problems += [
        f'the CSS url "{_as_browser_reads(url)[:80]}" points outside the package'
        for url in sorted(u for u in urls if _external(u))
    ]
    if any(_CSS_SCRIPT.search(text) for text in (decoded, _CSS_COMMENT.sub("", decoded))):
        problems.append("script in CSS is not allowed")
    return problems


@dataclass
class _Scan(HTMLParser):
    errors: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    style: list[str] | None = None  # the text of the <style> being read, checked whole at its end
    style_line: int = 0

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
            elif name in URL_ATTRIBUTES and (
                _external(value)  # one URL, read whole (a URL parser drops tabs and newlines)
                or any(_external(part.split()[0]) for part in value.split(",") if part.strip())  # srcset
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
        if tag == "style":
            self._end_style()
            self.style, self.style_line = [], line

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._end_style()

    def handle_data(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)

    def close(self) -> None:
        super().close()
        self._end_style()

    def _end_style(self) -> None:
        if self.style is not None:
            self._check_css("".join(self.style), self.style_line)
            self.style = None

    def _check_css(self, css: str, line: int) -> None:
        self.errors.extend(f"branding.html line {line}: {problem}" for problem in _css_problems(css))


# --- zip members ---------------------------------------------------------------------------------------


class _Unreadable(Exception):
    """A zip member that cannot be read back exactly as the zip's directory describes it."""


def _read_member(archive: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes straight from the archive: stored or deflate only, its local header agreeing
    with the directory, never more than the directory's size inflated (enforced while inflating), the
    exact size and CRC checked. Raises _Unreadable with a message naming the member."""
    name = info.filename

    def damaged(why: str) -> _Unreadable:
        return _Unreadable(f'"{name}" is damaged in the zip ({why}); please zip the package again')

    if info.flag_bits & 0x1:
        raise _Unreadable(f'"{name}" is encrypted; encrypted zips are not supported')
    if info.compress_type not in ZIP_METHODS:
        raise _Unreadable(
            f'"{name}" uses compression method {info.compress_type}, which is not supported; '
            "zip the package with the usual deflate compression (or none)"
        )
    if info.file_size > MAX_UNCOMPRESSED_BYTES:
        raise _Unreadable(f'"{name}" unpacks to more than 4 MiB')
    start = info.header_offset
    header = archive[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged("its local header is missing")
    (method,) = struct.unpack_from("<H", header, 8)
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"  # as zipfile decodes it
    local_name = archive[start + 30 : start + 30 + name_len].decode(encoding, errors="replace")
    if local_name != info.orig_filename or method != info.compress_type:
        raise damaged("its local header and the zip directory disagree")
    data_start = start + 30 + name_len + extra_len
    raw = archive[data_start : data_start + info.compress_size]
    if len(raw) < info.compress_size:
        raise damaged("it is cut short")
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            content = inflater.decompress(raw, info.file_size + 1)  # at most one byte more than declared
        except zlib.error:
            raise damaged("its compressed data is invalid") from None
        if len(content) <= info.file_size and not (inflater.eof and not inflater.unused_data):
            raise damaged("its compressed data is cut short or runs on")
    if len(content) > info.file_size:
        raise _Unreadable(
            f'"{name}": the zip says it holds {info.file_size} bytes but it unpacks to more; '
            "please zip the package again"
        )
    if len(content) < info.file_size:
        raise damaged(f"it holds fewer bytes than the {info.file_size} the zip says")
    if zlib.crc32(content) != info.CRC:
        raise damaged("its CRC does not match its data")
    return content


def _ignored(name: str) -> bool:
    return name.startswith("__MACOSX/") or PurePosixPath(name).name in IGNORED_NAMES


def _css_file_problem(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "must be UTF-8 text"
    return None


_FORMAT_CHECKS = {**FORMAT_CHECKS, ".css": _css_file_problem}


def _member_problem(name: str, data: bytes) -> str | None:
    """Why a member (other than branding.html) may not be in a package: its type or its content."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in MEMBER_TYPES:
        return f'"{name}" is not allowed: {ALLOWED_MEMBERS}'
    problem = _FORMAT_CHECKS[suffix](data)
    return f'"{name}" {problem}' if problem else None


# --- the package -----------------------------------------------------------------------------------------


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
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except ZIP_ERRORS:
        raise BrandingRefused(["This is not a zip file (or its directory is damaged)."]) from None
    errors: list[str] = []
    if len(members) > MAX_MEMBERS:
        raise BrandingRefused([f"The package holds {len(members)} files; at most {MAX_MEMBERS} are allowed."])
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise BrandingRefused(["The package unpacks to more than 4 MiB."])
    contents: dict[str, bytes] = {}
    names: set[str] = set()
    for member in members:
        name = member.filename
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name:
            errors.append(f'"{name}" is not a plain relative path inside the package')
            continue
        if name in names:
            errors.append(f'"{name}" is in the zip twice')
            continue
        names.add(name)
        try:
            content = _read_member(data, member)
        except _Unreadable as exc:
            errors.append(str(exc))
            continue
        if member.is_dir() or _ignored(name):
            continue
        problem = None if name == "branding.html" else _member_problem(name, content)
        if problem:
            errors.append(problem)
        else:
            contents[name] = content
    if "branding.html" not in names:
        errors.append("branding.html must be at the root of the zip.")
        raise BrandingRefused(errors)
    if "branding.html" not in contents:
        raise BrandingRefused(errors)  # unreadable: already said why
    try:
        text = contents["branding.html"].decode("utf-8")
    except UnicodeDecodeError:
        raise BrandingRefused([*errors, "branding.html must be UTF-8 text."]) from None
    scan = _Scan()
    scan.feed(text)
    scan.close()
    errors.extend(scan.errors)
    for name, content in contents.items():
        if name.lower().endswith(".css"):
            errors.extend(f"{name}: {problem}" for problem in _css_problems(content.decode("utf-8-sig")))
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


@dataclass(frozen=True)
class PackageFile:
    data: bytes
    content_type: str


def package_file(branding: Branding, path: str) -> PackageFile | None:
    """A file of the package (images, CSS, fonts) by its relative path, with the content type it is served
    with, or None: for branding.html, anything outside MEMBER_TYPES, metadata, and (for packages stored
    before these checks) a member that cannot be read back intact or is not what its extension says."""
    content_type = MEMBER_TYPES.get(PurePosixPath(path).suffix.lower())
    if path == "branding.html" or content_type is None or _ignored(path):
        return None
    archive = bytes(branding.archive)
    try:
        data = _read_member(archive, zipfile.ZipFile(io.BytesIO(archive)).getinfo(path))
    except KeyError:
        return None
    except (_Unreadable, *ZIP_ERRORS) as exc:
        logger.warning("Branding %s: not serving %r: %s", branding.key, path, exc)
        return None
    problem = _member_problem(path, data)
    if problem:
        logger.warning("Branding %s: not serving %r: %s", branding.key, path, problem)
        return None
    return PackageFile(data=data, content_type=content_type)
