from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo account (admin, steward). Refused unless embedded (the demo) and "
        "the user is one of the demo logins: it exists so `make run` stays usable without a phone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        from apps.accounts import totp
        from apps.accounts.demo import DEMO_LOGINS
        from apps.accounts.models import TotpDevice

        if not settings.EMBEDDED:
            raise CommandError("totp_code runs only in embedded mode (the demo of `make run`)")
        if username not in {login.username for login in DEMO_LOGINS}:
            raise CommandError(f"{username!r} is not a demo login")
        device = TotpDevice.objects.filter(user__username=username, confirmed_at__isnull=False).first()
        if device is None:
            raise CommandError(f"{username!r} has no two-factor device")
        self.stdout.write(totp.totp_now(device.secret))
