"""Measure the fever-clinic surveillance on synthetic districts with outbreaks of known start."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.healthcare.evaluation import evaluate


class Command(BaseCommand):
    help = "Detection rate, detection delay and false alarms per month of the fever-clinic surveillance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seeds", type=int, default=20, help="synthetic districts per outbreak size")
        parser.add_argument("--years", type=int, default=2, help="years of each synthetic district")
        parser.add_argument("--level", type=float, default=40.0, help="visits on an ordinary summer Wednesday")

    def handle(self, *args: Any, seeds: int, years: int, level: float, **options: Any) -> None:
        if seeds < 1 or years < 1 or level <= 0:
            raise CommandError("--seeds and --years must be at least 1 and --level above 0")
        self.stdout.write(f"{seeds} districts × {years} years, {level:g} visits/day before season and weekday\n")
        self.stdout.write(
            "outbreak peak   outbreaks  detected  median delay  mean delay  false alarms/month  quiet days in alarm"
        )
        for peak in (0.0, 0.3, 0.6, 1.0):
            p = evaluate(peak=peak, level=level, years=years, seeds=range(seeds))
            label = "none (chance)" if peak == 0 else f"+{peak:.0%}"
            median = "—" if p.median_delay is None else f"{p.median_delay:g} d"
            mean = "—" if p.mean_delay is None else f"{p.mean_delay:.1f} d"
            self.stdout.write(
                f"{label:<15} {p.outbreaks:>9}  {p.detection_rate:>8.0%}  {median:>12}  {mean:>10}  "
                f"{p.false_alarms_per_month:>18.2f}  {p.false_alarm_share:>19.1%}"
            )
