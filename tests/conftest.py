import os

import pytest
from django_q.conf import Conf

from flowdesigner import services as flow_services
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory, two_step_definition


def pytest_configure(config):
    # Registered here rather than in pyproject.toml (addopts has --strict-markers).
    config.addinivalue_line(
        "markers", "fuzz: schema-driven API fuzzing with schemathesis (part of the normal run; -m fuzz alone)"
    )


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # django-q2 runs tasks in-process, and every outbox event is handled in the publishing process after
    # commit; the real worker and cluster processes are exercised by the end-to-end tests.
    Conf.SYNC = True
    settings.OUTBOX_RELAY_ALL = True
    # Our loopback test servers are "internal": allow them explicitly, as an operator would.
    settings.CALLBACK_ALLOWED_PRIVATE = ["127.0.0.0/8"]
    if not os.environ.get("REDIS_URL"):
        # One process: the in-memory layer. The SQLite layer across processes is covered by e2e.
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    yield


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Refused logins and tokens are counted in a cache, which outlives each test's rolled-back database:
    # one test's wrong tokens must not throttle the next test's right ones.
    from django.core.cache import caches

    caches["throttle"].clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs seconds per user on a slow machine; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def marketer(db):
    return UserFactory(username="mia", roles=["marketer"])


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", roles=["staff"])


@pytest.fixture
def enduser(db):
    user = UserFactory(username="erin", roles=["enduser"])
    PersonFactory(first_name="Erin", user=user)
    return user


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def published_flow(db):
    """A published two-step flow whose audience is one tag with the end user in it."""

    def make(*, persons=(), tags=(), callback_url=""):
        tag = TagFactory()
        for person in persons:
            person.tags.add(tag)
        flow = FlowFactory(
            callback_url=callback_url, draft_definition=two_step_definition(tags=[tag.pk, *tags])
        )
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        return flow, version, tag

    return make


__all__ = ["PersonFactory"]
