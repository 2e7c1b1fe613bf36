"""How a visit's seal reads to people, and which devices a supervisor answers for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_region_ids
from apps.evidence.keys import key_short
from apps.evidence.models import Device, VisitSeal


def _when(moment: Any, fmt: str = "m-d H:i") -> str:
    return date_format(timezone.localtime(moment), fmt)


def seal_in_words(seal: VisitSeal | None) -> str:
    """ "signed on device X (registered 12-01), countersigned 12-06 10:42", and since when the device is revoked."""
    if seal is None:
        return _("No signature record (recorded before signing was introduced).")
    countersigned = _when(seal.arrived_at)
    if seal.state == VisitSeal.State.SIGNED and seal.device is not None:
        device = seal.device
        words = _("Signed on device %(device)s (registered %(registered)s), countersigned %(countersigned)s.") % {
            "device": f"{device.label or _('a phone')} · {device.short_id}",
            "registered": _when(device.created_at, "m-d"),
            "countersigned": countersigned,
        }
        if device.revoked_at is not None:
            words += " " + _("Device revoked on %(date)s; this visit was signed before.") % {
                "date": _when(device.revoked_at, "Y-m-d")
            }
        return words
    if seal.state == VisitSeal.State.UNKNOWN_DEVICE:
        return _("Signed on a device nobody registered (key %(key)s); arrival countersigned %(countersigned)s.") % {
            "key": key_short(seal.key_id),
            "countersigned": countersigned,
        }
    return _("Not signed on the phone; arrival countersigned %(countersigned)s.") % {"countersigned": countersigned}


def seal_warns(seal: VisitSeal | None) -> bool:
    """Whether the seal is something a reviewer should stop at: not signed, or signed by a key nobody registered."""
    return seal is None or seal.state != VisitSeal.State.SIGNED


def visits_for_export(*, user: Any, days: int = 30, limit: int = 200) -> QuerySet[Any]:
    """The visits of the supervisor's regions from the last `days`, newest first, that have an evidence record:
    what the export page lists to choose from."""
    from apps.accounts.selectors import regions_scope
    from apps.fieldwork.models import Visit

    since = timezone.now() - timedelta(days=days)
    visits = Visit.objects.filter(started_at__gte=since, seal__isnull=False)
    return regions_scope(visits, user=user).select_related("officer", "region", "seal").order_by("-started_at")[:limit]


def devices_for_supervisor(*, user: Any) -> QuerySet[Device]:
    """Devices of the officers a supervisor answers for: officers assigned to a region in the supervisor's scope
    (everyone's for a city-wide supervisor)."""
    devices = Device.objects.select_related("officer", "revoked_by").order_by("officer__username", "-created_at")
    region_ids = user_region_ids(user=user)
    if region_ids is None:
        return devices
    return devices.filter(officer__staff_profile__regions__in=region_ids).distinct()
