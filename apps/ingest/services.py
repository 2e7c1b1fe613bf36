"""Ingest tokens: per data source, stored hashed, shown once, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.indicators.models import DataSource
from apps.ingest.models import IngestToken

TOKEN_PREFIX = "cio_"  # noqa: S105  (a recognisable prefix, not a secret)
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def ingest_token_create(*, source_code: str, name: str, user: Any = None) -> tuple[str, IngestToken]:
    """A new token for a data source; returns (the token, shown once, and its record)."""
    source = DataSource.objects.filter(code=source_code).first()
    if source is None:
        raise ApplicationError(f"no data source with the code {source_code!r}", fields={"source": ["unknown"]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IngestToken.objects.create(source=source, name=name, prefix=plain[:10], token_hash=_hash(plain))
    log_action(token, "ingest.token.create", user=user, data={"source": source_code, "name": name})
    return plain, token


def ingest_token_authenticate(*, token: str) -> IngestToken | None:
    """The active token record for a presented token, or None. Marks when it was last used (to the
    minute: a feed posting every second should not write the token row every second)."""
    record = IngestToken.objects.select_related("source").filter(token_hash=_hash(token), revoked_at=None).first()
    now = timezone.now()
    if record is not None and (record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION):
        IngestToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record
