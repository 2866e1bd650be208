"""Pokes: a person starts a flow by themself (Rogerthat's poke) from the inbox's service menu, a QR
code or an action link. Marketers and staff define them per flow; every poke that starts a run is
reported to the flow's callback URL.
"""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from engine import effects, entries
from engine.definitions import LaunchRefused, default_entry_id, version_definition
from engine.models import CallbackDelivery, Participant, Poke
from engine.results import PokeSource, poke_payload
from flowdesigner.models import Flow, FlowVersion
from people.models import Person

SOURCES: tuple[PokeSource, ...] = ("button", "qr", "link")
# A second tap on the same poke within this window returns the run the first one started.
DOUBLE_TAP_WINDOW = timedelta(seconds=10)
QR_SCALE = 8


class PokeRefused(ValueError):
    """A poke that cannot start its flow (inactive, flow not published...) or an invalid definition."""


@dataclass(frozen=True)
class PokeStart:
    participant: Participant
    # False when this was a double tap and `participant` is the run the first tap started.
    started: bool


def pokes_available() -> QuerySet[Poke]:
    """The pokes a person can start: active ones of flows with a published version."""
    published = FlowVersion.objects.filter(flow_id=OuterRef("flow_id"))
    return Poke.objects.filter(active=True).filter(Exists(published)).select_related("flow")


def _check_tag_free(*, flow: Flow, tag: str, exclude: int | None = None) -> None:
    if Poke.objects.filter(flow=flow, tag=tag).exclude(pk=exclude).exists():
        raise PokeRefused(f"This flow already has a poke with the tag {tag!r}.")


@transaction.atomic
def poke_create(*, flow: Flow, tag: str, label: str, description: str = "", active: bool = True) -> Poke:
    """Define a poke on a flow; the tag is unique per flow, the code is random and unique."""
    _check_tag_free(flow=flow, tag=tag)
    for _ in range(5):
        try:
            with transaction.atomic():
                return Poke.objects.create(
                    flow=flow, tag=tag, label=label, description=description, active=active
                )
        except IntegrityError:
            # A code collision (48 random bits: rare) or a concurrent create with the same tag.
            _check_tag_free(flow=flow, tag=tag)
    raise PokeRefused("Could not pick a unique code for this poke; please try again.")


@transaction.atomic
def poke_update(*, poke: Poke, **fields: object) -> Poke:
    """Change a poke's tag, label, description or active flag (its code never changes)."""
    allowed = {"tag", "label", "description", "active"}
    if unknown := set(fields) - allowed:
        raise PokeRefused(f"A poke has no editable field {', '.join(sorted(unknown))}.")
    if "tag" in fields:
        _check_tag_free(flow=poke.flow, tag=str(fields["tag"]), exclude=poke.pk)
    for name, value in fields.items():
        setattr(poke, name, value)
    poke.save(update_fields=list(fields) or None)
    return poke


@transaction.atomic
def poke_start(*, poke: Poke, person: Person, source: PokeSource, now: datetime | None = None) -> PokeStart:
    """Start the poke's flow for `person`: the flow's newest published version, entered through its
    Predefined Audience entry like a launch (whether or not the person is in that audience). One
    transaction; the first messages are pushed and the "poke" callback sent after commit.

    A double tap (the same person started the same poke less than DOUBLE_TAP_WINDOW ago) starts
    nothing and returns the run the first tap started. PokeRefused when the poke is inactive or the
    flow has no published version or no entry to start from.
    """
    if source not in SOURCES:
        raise PokeRefused(f"Unknown poke source {source!r}.")
    now = now or timezone.now()
    # Serialise this person's pokes (two taps arriving together): the second one sees the first's run.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    poke = Poke.objects.select_related("flow").get(pk=poke.pk)
    if not poke.active:
        raise PokeRefused("This service is no longer available.")
    version = poke.flow.latest_version
    if version is None:
        raise PokeRefused(f"{poke.label} cannot start yet: its flow has not been published.")
    recent = (
        Participant.objects.filter(poke=poke, person=person, created_at__gt=now - DOUBLE_TAP_WINDOW)
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        return PokeStart(participant=recent, started=False)
    try:
        entry_id = default_entry_id(version_definition(version))
    except LaunchRefused as exc:
        raise PokeRefused(str(exc)) from None
    entry = entries.enter(
        version=version, person=person, entry_id=entry_id, source=f"poke {poke.tag}", poke=poke, now=now
    )
    if entry.participant is None:
        raise PokeRefused(entry.refusal)
    participant = entry.participant
    Flow.objects.filter(pk=poke.flow_id, status=Flow.Status.DRAFT).update(status=Flow.Status.ACTIVE)
    flow = poke.flow
    if flow.callback_url:
        payload = poke_payload(participant, poke=poke, source=source, poked_at=now)
        advance = effects.Advance()
        advance.deliver(participant, CallbackDelivery.Kind.POKE, payload)
        advance.persist()
    return PokeStart(participant=participant, started=True)


def poke_qr_png(url: str) -> bytes:
    """A PNG QR code of `url` (a regular QR code, never a Micro QR that phone cameras may not read):
    error correction M, 8 px modules, the standard 4-module quiet zone."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()
