"""Per-key rate limit: a counter row per key and minute in the database, so every web process (and every
machine) counts the same requests. One UPDATE and one SELECT per request; the first request of a minute
also inserts the row, drops the key's older rows and notes when the key was last used."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from engine.flow_api.models import ApiKey, ApiKeyUsage

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Decision:
    """Whether this request may go on; when not, how many seconds until the next window opens."""

    allowed: bool
    limit: int
    count: int
    retry_after: int


def window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def rate_limit_hit(key: ApiKey, *, now: datetime | None = None) -> Decision:
    """Count one request of `key` in the current minute and say whether it is within the key's limit."""
    now = now or timezone.now()
    start = window_start(now)
    window = ApiKeyUsage.objects.filter(key=key, window_start=start)
    with transaction.atomic():
        first = False
        if not window.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    ApiKeyUsage.objects.create(key=key, window_start=start, count=1)
                first = True
            except IntegrityError:  # another process opened the window a moment ago
                window.update(count=F("count") + 1)
        count = window.values_list("count", flat=True).get()
        if first:
            ApiKeyUsage.objects.filter(key=key, window_start__lt=start).delete()
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    limit = key.rate_limit_per_minute
    retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
    return Decision(allowed=count <= limit, limit=limit, count=count, retry_after=retry_after)
