"""Reads for the inbox."""

from collections import OrderedDict
from collections.abc import Iterable

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from flowdesigner.models import Branding, FlowVersion
from messaging.models import Message

INBOX_LIMIT = 200

# Who end users see a message from when its flow names no sender (settings.sender_name), and for messages
# of no flow. Never the flow's name: that is an internal name staff chose for themselves.
DEFAULT_SENDER_NAME = "Flowdesigner"

# Branding key -> {"background", "text", "scheme"}; a key that is not there has no branding (any more).
BrandingColors = dict[str, dict[str, str]]
# Flow version id -> (the flow's name, who its messages are from for end users).
Senders = dict[int, tuple[str, str]]


def branding_colors(messages: Iterable[Message]) -> BrandingColors:
    """The colours of the brandings these messages use, in one query (none when no message has one)."""
    keys = {m.option_values["branding"] for m in messages} - {None, ""}
    if not keys:
        return {}
    rows = Branding.objects.filter(key__in=keys).values_list(
        "key", "background_color", "text_color", "color_scheme"
    )
    return {key: {"background": bg, "text": text, "scheme": scheme} for key, bg, text, scheme in rows}


def chosen_sender_name(definition: dict) -> str:
    """The sender name a flow version's settings choose ("" when they choose none)."""
    settings = definition.get("settings") if isinstance(definition, dict) else None
    name = settings.get("sender_name") if isinstance(settings, dict) else None
    return name.strip() if isinstance(name, str) else ""


def version_sender_name(definition: dict) -> str:
    """Who a flow version's messages are from for end users: its settings.sender_name, else the default."""
    return chosen_sender_name(definition) or DEFAULT_SENDER_NAME


# Who a published version's messages are from, by (version id, publication time): its definition never
# changes, so this is kept per process and a push built from rows in memory reads no flow version.
_sender_names: OrderedDict[tuple, str] = OrderedDict()
_SENDER_NAMES_MAX = 1024


def _remember_sender(key: tuple, name: str) -> None:
    _sender_names[key] = name
    while len(_sender_names) > _SENDER_NAMES_MAX:
        _sender_names.popitem(last=False)


def version_senders(version_ids: Iterable[int | None], *, loaded: Iterable[FlowVersion] = ()) -> Senders:
    """The flow name and sender name of each flow version, in one query that reads only the sender name
    out of each definition (never the whole document: a 1,000-element flow's is hundreds of KiB).
    `loaded`: versions already in memory with their flow (an answer's); they need no query once their
    sender name is known to this process."""
    ids = set(version_ids) - {None}
    senders: Senders = {}
    for version in loaded:
        name = _sender_names.get((version.pk, version.published_at))
        if name is not None and version.pk in ids:
            senders[version.pk] = (version.flow.name, name)
    ids -= set(senders)
    if not ids:
        return senders
    rows = FlowVersion.objects.filter(pk__in=ids).values_list(
        "pk", "published_at", "flow__name", "definition__settings__sender_name"
    )
    for pk, published_at, flow_name, sender in rows:
        name = sender.strip() if isinstance(sender, str) and sender.strip() else DEFAULT_SENDER_NAME
        _remember_sender((pk, published_at), name)
        senders[pk] = (flow_name, name)
    return senders


def _loaded_versions(messages: Iterable[Message]) -> list[FlowVersion]:
    """The flow versions (with their flows) already loaded on these messages' participants."""
    versions = []
    for message in messages:
        participant = message._state.fields_cache.get("participant")
        version = participant._state.fields_cache.get("version") if participant is not None else None
        if version is not None and "flow" in version._state.fields_cache:
            versions.append(version)
    return versions


def message_version_id(message: Message) -> int | None:
    """The flow version a message belongs to: annotated by a query (`version_id`), else from its loaded
    participant, else None (a message of no flow)."""
    if not message.participant_id:
        return None
    version_id = getattr(message, "version_id", None)
    return version_id if version_id is not None else message.participant.version_id


def message_payload(
    message: Message, *, colors: BrandingColors | None = None, senders: Senders | None = None
) -> dict:
    """The JSON shape of an inbox message (the same over the API and the websocket). `colors` and
    `senders` are the brandings and the versions' senders looked up once for a batch of messages
    (branding_colors, version_senders); without, this message's own."""
    flow_name = ""
    sender_name = DEFAULT_SENDER_NAME
    version_id = message_version_id(message)
    if version_id is not None:
        if senders is None:
            senders = version_senders([version_id])
        flow_name, sender_name = senders.get(version_id, ("", DEFAULT_SENDER_NAME))
    options = message.option_values
    answered = message.answered_at is not None
    standalone = message.participant_id is None
    if colors is None:
        colors = branding_colors([message])
    return {
        "id": message.pk,
        # "out": a message to the person (a card); "in": what the person wrote in the composer (their bubble).
        "direction": message.direction,
        "flow_name": flow_name,
        "sender_name": sender_name,
        "text": message.text,
        # Rows from before button actions have none: "" is no action.
        "buttons": [
            {"id": b["id"], "caption": b["caption"], "action": b.get("action", "")} for b in message.buttons
        ],
        "allow_dismiss": options["allow_dismiss"],
        "dismiss_caption": options["dismiss_caption"],
        "branding": options["branding"],
        # The branding's colours for the card around it; null without a branding or when it was deleted.
        "branding_colors": colors.get(options["branding"]) if options["branding"] else None,
        "alert": options["alert"],
        "auto_lock": options["auto_lock"],
        "attachments": options["attachments"],
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "answered_button_id": message.answered_button_id or None,
        "answered_caption": message.answered_caption,
        "answered_at": message.answered_at.isoformat() if message.answered_at else None,
        "dismissed": message.dismissed,
        # Answered and auto-locked: no further answer counts. Without auto-lock the answer may change.
        # A form is final once answered, whatever auto_lock says (a changed answer would have to undo what
        # was saved into variables and attributes).
        # A message no flow step waits for (sent through a callback's fast path) is final once answered too.
        # A message whose step is over without an answer (a reply timeout) is closed.
        "locked": (answered and (options["auto_lock"] or message.form is not None or standalone))
        or message.status == Message.Status.EXPIRED,
        # Form messages: the form as sent, and once answered its typed result and the answer as text.
        "form": message.form,
        "form_result": message.form_result,
        "display_value": message.display_value or None,
    }


def _inbox(persons: Q):
    """Web inbox messages of these persons: those sent to them, and what they wrote in the composer.
    Button and form answers are shown on their message's card, not again on their own (their inbound
    copies never went through routing); SMS, email and voice are not in the web inbox."""
    written = Q(direction=Message.Direction.IN) & ~Q(routing="")
    return Message.objects.filter(Q(direction=Message.Direction.OUT) | written, persons, channel="web")


def inbox_messages(person_id: int) -> list[dict]:
    """The most recent INBOX_LIMIT messages of a person's web inbox, oldest first."""
    rows = messages_with_versions(_inbox(Q(person_id=person_id)).order_by("-id")[:INBOX_LIMIT])
    return message_payloads(list(reversed(rows)))


def inbox_messages_many(person_ids: Iterable[int]) -> dict[int, list[dict]]:
    """`inbox_messages` of many persons at once, in one query and one payload build (the syncs of sockets
    opening together): each person's rows numbered newest first by a window function instead of each
    person's ORDER BY ... LIMIT."""
    ids = set(person_ids)
    if not ids:
        return {}
    newest_first = Window(RowNumber(), partition_by=[F("person_id")], order_by=F("id").desc())
    rows = messages_with_versions(
        _inbox(Q(person_id__in=ids))
        .annotate(inbox_rank=newest_first)
        .filter(inbox_rank__lte=INBOX_LIMIT)
        .order_by("id")
    )
    inboxes: dict[int, list[dict]] = {person_id: [] for person_id in ids}
    for message, payload in zip(rows, message_payloads(rows), strict=True):
        inboxes[message.person_id].append(payload)
    return inboxes


def messages_with_versions(messages) -> list[Message]:
    """Messages of a queryset, each annotated with its flow version id (no participant row loaded)."""
    return list(messages.annotate(version_id=F("participant__version_id")))


def message_payloads(messages: list[Message]) -> list[dict]:
    """The inbox payloads of many messages, with the brandings and senders looked up once."""
    colors = branding_colors(messages)
    senders = version_senders((message_version_id(m) for m in messages), loaded=_loaded_versions(messages))
    return [message_payload(m, colors=colors, senders=senders) for m in messages]
