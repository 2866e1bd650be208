"""Reading an inbound email (the raw RFC 822 message a mail gateway POSTs) and writing one (the
simulator's replies).

The text kept is what the person wrote: the text/plain part (or the HTML part as text), without the
quoted previous message that mail programs append: lines starting with ">" and everything from an
"On <date>, <someone> wrote:" line on.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from messaging.transports import BodyInvalid, InboundItem

MAX_ID_CHARS = 100  # Message.gateway_id
# "On Mon, 3 Jun 2024 at 10:00, Ann <ann@example.com> wrote:", possibly wrapped over two lines.
WROTE = re.compile(r"^\s*On\s.*\bwrote:\s*$", re.IGNORECASE)
ON = re.compile(r"^\s*On\s", re.IGNORECASE)


def parse_inbound(body: bytes, *, identities: list[str]) -> InboundItem:
    """The sender (lower-cased), the recipient (the first of `identities` among To/Cc, else the first
    To), the gateway id (Message-ID, else "sha256:" + hex of the raw bytes) and the text of an RFC 822
    message; the subject when the body says nothing. Raises BodyInvalid naming the header."""
    if not body.strip():
        raise BodyInvalid("The body is empty: send the raw email (Content-Type: message/rfc822).")
    message = BytesParser(policy=policy.default).parsebytes(body)
    sender = _address(_header(message, "From"))
    if not sender:
        raise BodyInvalid("From: missing (the email's sender).")
    try:
        validate_email(sender)
    except ValidationError:
        raise BodyInvalid(f"From: {sender!r} is not an email address.") from None
    recipients = [a.lower() for _, a in getaddresses([_header(message, "To"), _header(message, "Cc")]) if a]
    ours = {identity.lower() for identity in identities}
    recipient = next((a for a in recipients if a in ours), recipients[0] if recipients else "")
    text = reply_text(_body_text(message)) or _header(message, "Subject").strip()
    return InboundItem(gateway_id=_gateway_id(message, body), sender=sender, recipient=recipient, text=text)


def reply_text(text: str) -> str:
    """`text` without the quoted previous message: lines starting with ">" are dropped, and everything
    from an "On ... wrote:" line (or an "On ..." line whose next line ends with "wrote:") is cut."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if WROTE.match(line) or (ON.match(line) and following.rstrip().endswith("wrote:")):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: block elements on their own lines, no scripts or styles, and no
    <blockquote> (where mail programs put the quoted previous message)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_build(*, sender: str, recipient: str, subject: str, text: str, in_reply_to: str = "") -> bytes:
    """An RFC 822 email as a person's mail program would send it (the simulator's replies)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    return message.as_bytes()


def _header(message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):
        # policy.default parses headers lazily; a header it cannot parse is treated as absent.
        return ""
    return str(value) if value is not None else ""


def _address(value: str) -> str:
    return parseaddr(value)[1].strip().lower()


def _gateway_id(message, body: bytes) -> str:
    message_id = _header(message, "Message-ID").strip()
    if message_id and len(message_id) <= MAX_ID_CHARS:
        return message_id
    # No Message-ID (or one too long to store): the same bytes retried give the same id all the same.
    return "sha256:" + hashlib.sha256(message_id.encode() if message_id else body).hexdigest()


def _body_text(message) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, TypeError, AttributeError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        # An unknown charset or a broken transfer encoding: read the bytes as best we can.
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr"}
    )
    SKIPPED = frozenset({"script", "style", "head", "blockquote", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)
