"""Gateways deliver concurrently: requests at the same moment carrying messages of the same new numbers
all succeed, and each number becomes one person (on PostgreSQL a request waits on another one's unique
phone and then finds the person it created)."""

import json
import threading

import pytest
from django.db import connection

from messaging.inbound import inbound_receive
from messaging.models import Channel, Message
from messaging.signatures import sign
from people.models import Person

NEW_NUMBERS = [f"+324700099{i:02d}" for i in range(12)]
REQUESTS = 6


@pytest.mark.django_db(transaction=True)
def test_requests_with_the_same_new_senders_at_once_make_one_person_each():
    channel = Channel.objects.create(
        kind="sms", name="SMS", identities=["+3225550100"], secret="s", creates_people=True
    )
    barrier = threading.Barrier(REQUESTS)
    outcomes: list[object] = []

    def deliver(request: int) -> None:
        # Each request holds its own overlapping run of the new numbers (a gateway's batches interleave).
        numbers = [NEW_NUMBERS[(request * 2 + i) % len(NEW_NUMBERS)] for i in range(5)]
        items = [
            {"id": f"r{request}-{i}", "from": number, "to": "+3225550100", "text": "hi"}
            for i, number in enumerate(numbers)
        ]
        body = json.dumps({"messages": items}).encode()
        barrier.wait()
        try:
            outcomes.append(
                inbound_receive(channel, body, {"X-Signature": sign(body, channel.secret)}).received
            )
        except Exception as exc:  # the failure a gateway would see as a 500
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(r,)) for r in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == [5] * REQUESTS
    persons = dict(Person.objects.filter(phone__in=NEW_NUMBERS).values_list("phone", "pk"))
    assert sorted(persons) == sorted(NEW_NUMBERS)
    senders = Message.objects.filter(direction="in").values_list("address", "person_id")
    assert all(persons[address] == person_id for address, person_id in senders)
