"""Idle inbox websockets stay up: the channel layer's Redis connections must not time out while
channels-redis waits for a socket's next message (a blocking pop of brpop_timeout seconds)."""

import json
import os
import subprocess
import sys

import pytest
from channels.layers import get_channel_layer
from channels_redis.utils import create_pool

from messaging.layers import ScaleChannelLayer
from messaging.services import inbox_group
from tests.messaging.test_inbox_ws import connect, sync_to_async


def test_redis_connections_outlast_the_blocking_pop():
    # The channel layer the settings build in scale mode (read in a child process with REDIS_URL set;
    # nothing connects to it), and the connections its pool would open.
    code = (
        "import json; from flowdesigner import settings; "
        "print(json.dumps(settings.CHANNEL_LAYERS['default']))"
    )
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6390/0")
    child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    layers = json.loads(child.stdout)
    assert layers["BACKEND"] == "messaging.layers.ScaleChannelLayer"
    layer = ScaleChannelLayer(**layers["CONFIG"])
    pool = create_pool(layer.hosts[0])
    assert pool.connection_kwargs["socket_timeout"] >= 3 * layer.brpop_timeout


@pytest.mark.django_db(transaction=True)
async def test_an_idle_socket_is_still_open_and_pushed_to_after_two_blocking_pops(enduser):
    person_id = await sync_to_async(lambda: enduser.person.pk)()
    communicator = await connect(enduser)
    layer = get_channel_layer()
    # Idle across two of channels-redis's blocking pops (in scale mode; other layers simply idle).
    assert await communicator.receive_nothing(timeout=2 * getattr(layer, "brpop_timeout", 5) + 1)
    await layer.group_send(
        inbox_group(person_id), {"type": "inbox.message", "message": {"id": 1, "text": "Hi"}}
    )
    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed == {"type": "message", "message": {"id": 1, "text": "Hi"}}
    await communicator.disconnect()
