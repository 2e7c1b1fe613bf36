from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.regions.addresses import AddressFileError, address_rows_read
from apps.regions.services import addresses_import


class Command(BaseCommand):
    help = (
        "Import an address list from CSV (columns address, lon, lat in WGS84 degrees, and optionally address_en) "
        "for the maps' search. Each address is placed in the deepest region holding its point. Addresses are "
        "matched by their Chinese text: importing again updates them in place, and addresses the file does not "
        "name are kept. Every row is checked first; any bad row changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the .csv file (UTF-8, or GB 18030 as Excel saves it)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = address_rows_read(options["file"])
        except AddressFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{options['file']}: {problem}")
            raise CommandError("nothing was imported") from None
        report = addresses_import(rows=rows, source=str(options["file"]))
        if report.outside:
            shown = ", ".join(report.outside[:5]) + (" …" if len(report.outside) > 5 else "")
            self.stdout.write(f"Note: {len(report.outside)} addresses lie outside every region: {shown}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.created} new and {report.updated} updated addresses ({report.unchanged} unchanged)."
            )
        )
