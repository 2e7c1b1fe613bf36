from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import ApplicationError
from apps.regions.geo import BoundaryOptions
from apps.regions.models import Region
from apps.regions.services import regions_import_file


class Command(BaseCommand):
    help = (
        "Import administrative boundaries from GeoJSON, a Shapefile (.shp, a folder or a .zip) or a GeoPackage, "
        "in any coordinate system, as regions of one level. Regions are matched by code: importing the same "
        "file again updates them in place. Any error changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to .geojson/.json, .shp, a Shapefile folder or .zip, or .gpkg")
        parser.add_argument("--level", required=True, choices=Region.Level.values, help="level of every feature")
        parser.add_argument("--code-field", help="field with the unique code (default: adcode, code, GID_n, id …)")
        parser.add_argument("--name-field", help="field with the (Chinese) name (default: name_zh, name, NAME …)")
        parser.add_argument("--name-en-field", help="field with the English name (default: name_en, NAME_EN …)")
        parser.add_argument(
            "--parent-field",
            help="field with the parent's code; dotted paths reach into objects: parent.adcode",
        )
        parser.add_argument(
            "--parent", help="parent code for every feature, or 'auto' to take the region that contains it"
        )
        parser.add_argument("--population-field", help="field with the population (default: population, POP …)")
        parser.add_argument("--layer", help="layer to read from a file with several (GeoPackage)")
        parser.add_argument("--source-crs", help="coordinate system when the file names none, e.g. EPSG:4547")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = regions_import_file(
                path=options["file"], level=options["level"], parent=options["parent"], options=_boundary(options)
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message}; nothing was imported") from None
        fields = ", ".join(f"{role}={name}" for role, name in report.fields.items())
        self.stdout.write(f"Fields: {fields}")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(report.created)} new and {len(report.updated)} updated {options['level']} regions."
            )
        )


def _boundary(options: dict[str, Any]) -> BoundaryOptions:
    """The reading options among the command's: each field of BoundaryOptions has an option of its name."""
    return BoundaryOptions(**{f.name: options[f.name] for f in fields(BoundaryOptions)})
