"""System checks of public warnings (`manage.py check --deploy`): a production server must name itself.

Every CAP message carries the sender and a `web` link on the public address, and a published message is never
changed: the embedded defaults (`cityops.localhost`, `http://127.0.0.1:PORT`) would go out for good, and a sender
shared by two cities makes their identifiers collide for every aggregator.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

EMBEDDED_SENDER = "cityops.localhost"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # the embedded default (http://127.0.0.1:PORT) and its kin


@register(Tags.security, deploy=True)
def cap_sender_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Errors (deploy) when a production server (DATABASE_URL set) keeps either embedded default, or its sender
    holds a space or a comma (CAP's `references` separate with them)."""
    if getattr(settings, "EMBEDDED", True):
        return []
    errors: list[CheckMessage] = []
    sender, public_url = settings.CITYOPS_CAP_SENDER, settings.CITYOPS_PUBLIC_URL
    if sender == EMBEDDED_SENDER or not sender:
        errors.append(
            Error(
                "CITYOPS_CAP_SENDER is the embedded default: set it to a domain of the city's, unique to this sender.",
                hint="It names the sender of every public warning (CAP), and published messages are never changed.",
                id="warnings.E001",
            )
        )
    elif any(c in sender for c in " ,\t\n"):
        errors.append(Error("CITYOPS_CAP_SENDER may hold no space or comma (CAP references).", id="warnings.E002"))
    if not public_url or urlsplit(public_url).hostname in LOOPBACK:
        errors.append(
            Error(
                "CITYOPS_PUBLIC_URL is the embedded default: set it to this server's public address (https://…).",
                hint="Public warnings link to it and the Atom feed's ids are built on it.",
                id="warnings.E003",
            )
        )
    return errors
