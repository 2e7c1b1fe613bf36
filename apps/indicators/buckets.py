"""Time buckets: minute, hour and day (days follow the deployment's local calendar)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from apps.indicators.models import Granularity

STEP: dict[str, timedelta] = {
    Granularity.MINUTE: timedelta(minutes=1),
    Granularity.HOUR: timedelta(hours=1),
    Granularity.DAY: timedelta(days=1),
}


def bucket_start(moment: datetime, granularity: str) -> datetime:
    """The start of the bucket that contains `moment` (aware), as an aware datetime."""
    if granularity == Granularity.MINUTE:
        return moment.replace(second=0, microsecond=0)
    if granularity == Granularity.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_end(start: datetime, granularity: str) -> datetime:
    if granularity == Granularity.DAY:  # local midnight to local midnight, whatever DST does
        local = timezone.localtime(start)
        return timezone.make_aware(local.replace(tzinfo=None) + STEP[Granularity.DAY], local.tzinfo)
    return start + STEP[granularity]
