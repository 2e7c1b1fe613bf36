from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.core.plugins import beat_schedule
from cityops.scheduler import EmbeddedScheduler, with_embedded_scheduler


class Command(BaseCommand):
    help = (
        "Serve HTTP and websockets (uvicorn) on one port; in embedded mode also run the beat schedule in "
        "this process. Ctrl-C stops everything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        from apps.accounts.demo import demo_logins_text
        from cityops.asgi import application

        if settings.CITYOPS_EMBEDDED_SCHEDULER:
            application = with_embedded_scheduler(application, EmbeddedScheduler(beat_schedule()))
        self.stdout.write(self.style.SUCCESS(f"\nCityOps is running at http://{host}:{port}/"))
        self.stdout.write(demo_logins_text())
        self.stdout.write("Press Ctrl-C to stop.\n")
        try:
            uvicorn.run(
                application,
                host=host,
                port=port,
                lifespan="on" if settings.CITYOPS_EMBEDDED_SCHEDULER else "off",
                log_level="warning",
                ws="websockets-sansio",
                # No compressor per socket: about 45 KiB of memory on every idle wall, and each delta compressed
                # once per screen where the hub serialises it once for all. Deltas are small; walls sit on a LAN.
                ws_per_message_deflate=False,
                # The client's address is decided by apps/core/clients.py (CITYOPS_TRUSTED_PROXIES), not by
                # uvicorn, which would believe X-Forwarded-For from any local client.
                proxy_headers=False,
            )
        finally:
            self.stdout.write("CityOps stopped.")
