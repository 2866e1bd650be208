"""API keys for integrators: created by staff, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from engine.flow_api.models import ApiKey, default_rate_limit

KEY_PREFIX = "fdk_"
# What staff see of a key: "fdk_" and the first characters of its random part.
VISIBLE_CHARS = 12
MAX_RATE_LIMIT = 100_000


@dataclass(frozen=True)
class CreatedKey:
    """A new key and its secret: `secret` exists only here, never in the database."""

    key: ApiKey
    secret: str


def key_hash(secret: str) -> str:
    """The hex SHA-256 stored for a key. A key is 32 random bytes, so a plain fast hash is enough: there
    is nothing to guess, unlike a password."""
    return hashlib.sha256(secret.encode("utf-8", errors="surrogatepass")).hexdigest()


@transaction.atomic
def api_key_create(
    *, name: str, created_by: AbstractBaseUser | None = None, rate_limit_per_minute: int | None = None
) -> CreatedKey:
    """Create a key; the returned `secret` is the only copy of the key (show it once)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name.strip()[:100],
        prefix=secret[:VISIBLE_CHARS],
        key_hash=key_hash(secret),
        rate_limit_per_minute=rate_limit_per_minute or default_rate_limit(),
        created_by=created_by,
    )
    return CreatedKey(key=key, secret=secret)


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Stop accepting the key from now on (kept, for the operations it made)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_find(secret: str) -> ApiKey | None:
    """The active key with this secret, or None (unknown or revoked)."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    return ApiKey.objects.filter(key_hash=key_hash(secret), revoked_at__isnull=True).first()
