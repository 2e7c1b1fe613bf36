"""Start (or stop) an air-pollution episode in the simulated demo city, to show a public warning's course."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.environment.models import Station
from apps.environment.simulator import demo_episode_start, demo_episode_stop

MIN_MINUTES, MAX_MINUTES = 90, 720


class Command(BaseCommand):
    help = (
        "Start an air-pollution episode around one district's air station in the simulated demo city: lightly to "
        "moderately polluted within minutes, heavily polluted by half way, clear by the end. Simulated data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district", default="", help="the district's region code (default: the first)")
        parser.add_argument("--minutes", type=int, default=180, help=f"{MIN_MINUTES}–{MAX_MINUTES}, default 180")
        parser.add_argument("--stop", action="store_true", help="end the episode under way at once")

    def handle(self, *args: Any, district: str, minutes: int, stop: bool, **options: Any) -> None:
        if not settings.CITYOPS_SIMULATE:
            raise CommandError("the city's data is not simulated here (CITYOPS_SIMULATE is off): nothing to change")
        if stop:
            self.stdout.write("Episode ended." if demo_episode_stop() else "No episode was under way.")
            return
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise CommandError(f"--minutes must be between {MIN_MINUTES} and {MAX_MINUTES}")
        stations = Station.objects.filter(kind=Station.Kind.AIR).select_related("region").order_by("code")
        station = stations.filter(region__code=district).first() if district else stations.first()
        if station is None:
            raise CommandError(
                f"no air station in the district {district!r}" if district else "no air station: seed the demo first"
            )
        started = demo_episode_start(station=station, minutes=minutes, now=timezone.now())
        local = timezone.localtime(started.start)
        where = f"{station.region.name_en} ({station.region.code})" if station.region else station.code
        self.stdout.write(
            f"Air-pollution episode around {where} from {local:%H:%M} for "
            f"{minutes} minutes. Its AQI alert opens after about half an hour above 100; the public warning's draft "
            "then waits for approval on /cap/review/."
        )
