"""Forms of the staff pages for channels: the channel form (kind, gateway, identities, the gateway's settings)
and the gateway simulator's reply and call forms."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from messaging.models import Channel
from messaging.transports import channel_config_problems
from people.attributes import AttributeValueError, normalise_phone

# Which gateways carry which kind of channel.
GATEWAYS_BY_KIND: dict[str, tuple[str, ...]] = {
    Channel.Kind.SMS: (Channel.Gateway.SIMULATOR, Channel.Gateway.HTTP),
    Channel.Kind.EMAIL: (Channel.Gateway.SIMULATOR, Channel.Gateway.SMTP),
    Channel.Kind.VOICE: (Channel.Gateway.SIMULATOR, Channel.Gateway.HTTP),
}
MAX_IDENTITIES = 50
MAX_HEADERS = 20
# An HTTP header name is a "token" (RFC 9110 section 5.6.2).
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Headers we set ourselves on every gateway request: a channel may not replace them.
RESERVED_HEADERS = {
    "content-type",
    "content-length",
    "host",
    "x-signature",
    "transfer-encoding",
    "connection",
}


def normalise_identity(kind: str, value: str) -> str:
    """One of our numbers (E.164, for SMS and voice) or addresses (lower-cased, for email); ValidationError
    with the reason when it is neither."""
    value = value.strip()
    if kind == Channel.Kind.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(f"{value!r} is not an email address, e.g. news@example.com.") from None
        return value
    try:
        number = normalise_phone(value)
    except AttributeValueError:
        raise ValidationError(f"{value!r} is not a phone number: enter it like +32470123456.") from None
    assert number is not None  # value is not blank here
    return number


def parse_identities(kind: str, text: str) -> list[str]:
    """The identities of a channel from one per line: normalised, duplicates dropped, order kept.
    ValidationError listing every bad line (with its line number)."""
    identities: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            identity = normalise_identity(kind, line)
        except ValidationError as exc:
            problems.append(f"Line {number}: {exc.messages[0]}")
            continue
        if identity not in identities:
            identities.append(identity)
    if problems:
        raise ValidationError(problems)
    if not identities:
        what = "address" if kind == Channel.Kind.EMAIL else "number"
        raise ValidationError(f"Give at least one {what} of this channel (one per line).")
    if len(identities) > MAX_IDENTITIES:
        raise ValidationError(f"At most {MAX_IDENTITIES} numbers or addresses per channel.")
    return identities


def parse_headers(text: str) -> dict[str, str]:
    """Extra HTTP headers from one `Name: value` per line; ValidationError listing every bad line."""
    headers: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name:
            problems.append(f"Line {number}: write a header as Name: value, e.g. Authorization: Bearer abc.")
        elif not HEADER_NAME.match(name):
            problems.append(f"Line {number}: {name!r} is not a header name (letters, digits and - only).")
        elif name.lower() in RESERVED_HEADERS:
            problems.append(f"Line {number}: {name} is set by Flowdesigner itself and cannot be replaced.")
        elif any(ord(ch) < 32 and ch != "\t" for ch in value):
            problems.append(f"Line {number}: the value of {name} has control characters.")
        elif name.lower() in {known.lower() for known in headers}:
            problems.append(f"Line {number}: {name} is given twice.")
        else:
            headers[name] = value
    if len(headers) > MAX_HEADERS:
        problems.append(f"At most {MAX_HEADERS} extra headers.")
    if problems:
        raise ValidationError(problems)
    return headers


class ChannelForm(forms.ModelForm):
    """Create or edit a channel. The gateway's settings are plain fields here and stored in `config`;
    the transport's own check (messaging.transports.channel_config_problems) runs last and its problems are
    shown on the field they are about."""

    identities_text = forms.CharField(
        label="Numbers or addresses",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Ours, one per line: what persons write or call to and what we send from. "
        "SMS and voice: phone numbers (+32470123456); email: addresses.",
    )
    http_url = forms.CharField(
        label="Gateway URL",
        required=False,
        max_length=2000,
        help_text="HTTP gateway only: where outbound messages are POSTed, e.g. https://gateway.example.com/send.",
    )
    http_headers = forms.CharField(
        label="Extra headers",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="HTTP gateway only: one Name: value per line, e.g. Authorization: Bearer abc.",
    )
    email_subject = forms.CharField(
        label="Email subject",
        required=False,
        max_length=200,
        help_text='Email only: the subject of the emails sent (default "A message for you").',
    )

    class Meta:
        model = Channel
        fields = ["kind", "name", "gateway", "creates_people", "active"]
        labels = {"creates_people": "Create a person for an unknown sender"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        channel = self.instance
        if channel.pk is not None:
            # The messages, webhooks and flows of a channel are all of its kind: it never changes.
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "The kind of a channel cannot change."
            config = channel.config or {}
            self.initial["identities_text"] = "\n".join(channel.identities)
            self.initial["http_url"] = config.get("url", "")
            self.initial["http_headers"] = "\n".join(
                f"{name}: {value}" for name, value in (config.get("headers") or {}).items()
            )
            self.initial["email_subject"] = config.get("subject", "")
        allowed = ", ".join(
            f"{Channel.Kind(kind).label}: {' or '.join(Channel.Gateway(g).label for g in gateways)}"
            for kind, gateways in GATEWAYS_BY_KIND.items()
        )
        self.fields["gateway"].help_text = f"{allowed}."

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Give the channel a name.")
        return name

    def clean_http_url(self) -> str:
        return self.cleaned_data["http_url"].strip()

    def clean_http_headers(self) -> dict[str, str]:
        return parse_headers(self.cleaned_data["http_headers"])

    def clean_email_subject(self) -> str:
        subject = self.cleaned_data["email_subject"].strip()
        if "\n" in subject or "\r" in subject:
            raise ValidationError("The subject is one line.")
        return subject

    def clean(self) -> dict:
        data = super().clean()
        kind, gateway = data.get("kind"), data.get("gateway")
        if kind and "identities_text" in data:
            try:
                data["identities"] = parse_identities(kind, data["identities_text"])
            except ValidationError as exc:
                self.add_error("identities_text", exc)
        if kind and gateway and gateway not in GATEWAYS_BY_KIND[kind]:
            allowed = " or ".join(Channel.Gateway(g).label for g in GATEWAYS_BY_KIND[kind])
            self.add_error("gateway", f"{Channel.Kind(kind).label} channels go through the {allowed}.")
        if kind and gateway == Channel.Gateway.HTTP:
            url = data.get("http_url", "")
            if not url:
                self.add_error("http_url", "Give the URL the gateway receives messages at.")
            elif not url.lower().startswith(("https://", "http://")):
                self.add_error("http_url", "The URL starts with https:// (or http://).")
        if not self.errors:
            self._check_with_transport(data)
        return data

    def _config(self, data: dict) -> dict:
        config: dict = {}
        if data["gateway"] == Channel.Gateway.HTTP:
            config["url"] = data["http_url"]
            config["headers"] = data["http_headers"]
        if data["kind"] == Channel.Kind.EMAIL and data["email_subject"]:
            config["subject"] = data["email_subject"]
        return config

    def _check_with_transport(self, data: dict) -> None:
        # The identities and config are set on the instance here, so save() stores what was checked.
        channel = self.instance
        channel.kind, channel.gateway = data["kind"], data["gateway"]
        channel.identities, channel.config = data["identities"], self._config(data)
        for problem in channel_config_problems(channel):
            self.add_error(_problem_field(problem, channel.gateway), problem)


def _problem_field(problem: str, gateway: str) -> str | None:
    """The form field a transport's problem is about, guessed from its words (None: the whole form)."""
    words = problem.lower()
    if "header" in words:
        return "http_headers"
    if "subject" in words:
        return "email_subject"
    if "url" in words:
        return "http_url" if gateway == Channel.Gateway.HTTP else None
    if any(word in words for word in ("identit", "number", "address", "e.164")):
        return "identities_text"
    return None


# --- the gateway simulator ------------------------------------------------------------------------------


class SimulatorForm(forms.Form):
    """What a phone or mailbox sends through a simulator channel: the sender (a conversation's number or
    address, or a new one), which of our identities it goes to, and the text (no text for a call)."""

    sender = forms.CharField(max_length=254, label="From")
    recipient = forms.ChoiceField(label="To")
    text = forms.CharField(
        max_length=2000, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, channel: Channel, call: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.call = call
        self.fields["recipient"].choices = [(identity, identity) for identity in channel.identities]
        if call:
            del self.fields["text"]
            self.fields["sender"].label = "Caller"

    def clean_sender(self) -> str:
        return normalise_identity(self.channel.kind, self.cleaned_data["sender"])

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError("Write the text to send.")
        return text
