from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.core.demo import DemoContext, demo_seeders


class Command(BaseCommand):
    help = (
        "Build the deterministic demo city (regions, accounts for every role, and each domain's demo data "
        "registered by the apps). Safe to run again: the same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has regions")

    def handle(self, *args: Any, seed: int, if_empty: bool, **options: Any) -> None:
        from apps.regions.selectors import region_count

        if if_empty and region_count() > 0:
            self.stdout.write("Demo data already present; nothing to do.")
            return
        context = DemoContext(seed=seed, rng=random.Random(seed), out=self.stdout)  # noqa: S311  (deterministic demo)
        try:
            with transaction.atomic():
                for seeder in demo_seeders():
                    context.rng.seed(f"{seed}:{seeder.name}")  # each seeder's data is independent of others
                    seeder.seed(context)
        except Exception as exc:
            raise CommandError(f"seeding the demo failed, nothing was changed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demo city seeded (seed {seed})."))
