from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.opendata.datasets import datasets


class Command(BaseCommand):
    help = (
        "Produce draft open-data releases (de-identified, waiting for a data steward's approval): of one dataset "
        "or of all, for --days local days from --first-day (default: yesterday)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", nargs="?", help="dataset code (default: every dataset)")
        parser.add_argument("--first-day", type=date.fromisoformat, help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--days", type=int, default=1, help="number of days (default 1)")
        parser.add_argument("--k", type=int, default=None, help="k (default CITYOPS_OPEN_DATA_K)")

    @no_translations  # one line in English on the terminal, whatever the default language
    def handle(self, *args: Any, dataset: str | None, first_day: date | None, days: int, k: int | None,
               **options: Any) -> None:  # fmt: skip
        from apps.opendata.services import release_produce

        first_day = first_day or timezone.localdate() - timedelta(days=1)
        codes = [dataset] if dataset else [d.code for d in datasets()]
        for code in codes:
            try:
                release = release_produce(dataset_code=code, first_day=first_day, days=days, k=k)
            except ApplicationError as exc:
                known = ", ".join(d.code for d in datasets())
                raise CommandError(f"{code}: {exc.message} (datasets: {known})") from None
            self.stdout.write(
                f"{code}: release {release.pk} ({release.status}), k={release.k}, {release.rows} rows, "
                f"{release.suppressed_records} of {release.total_records} records suppressed"
            )
