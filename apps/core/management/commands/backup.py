"""python manage.py backup DIR — the database, the uploaded photos and a manifest into a new folder (not the keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's online backup), MEDIA_ROOT and a manifest with "
        "SHA-256 sums into DIR, which must not exist or be empty. The personal-data keys are not included: keep "
        "them apart. The app may keep running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a new folder for this backup")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        try:
            manifest = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        parts = manifest["parts"]
        keys = manifest["keys"]
        self.stdout.write(
            f"Backup written to {directory}: database ({manifest['database']['vendor']}, "
            f"{_size(parts['database']['bytes'])}), media ({manifest['media_files']} files, "
            f"{_size(parts['media']['bytes'])}), {len(manifest['migrations'])} migrations, CityOps "
            f"{manifest['app_version']}."
        )
        self.stdout.write(
            self.style.WARNING(
                f"The personal-data keys are NOT in it. They are in {keys['where']}; fingerprints "
                f"{', '.join(keys['fingerprints'])}. Without them this backup cannot decrypt personal data: keep a "
                "copy of the keys apart from the backups."
            )
        )


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.1f} KB"
