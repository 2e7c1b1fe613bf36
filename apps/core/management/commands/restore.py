"""python manage.py restore DIR — a backup into an empty database and an empty media folder, or nothing at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from apps.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which must hold no tables (a "
        "new one: createdb, not migrate), and MEDIA_ROOT, which must be empty. Every part is checked against the "
        "manifest first; on any problem nothing is changed. Stop the app's processes first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="the backup's folder (with manifest.json)")
        parser.add_argument(
            "--without-keys",
            action="store_true",
            help="restore although CITYOPS_FIELD_KEYS lacks the backup's keys (its personal data stays unreadable)",
        )

    def handle(self, *args: Any, directory: Path, without_keys: bool, **options: Any) -> None:
        try:
            restored = backup_restore(
                directory=directory,
                database=connections[DEFAULT_DB_ALIAS].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                without_keys=without_keys,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = restored.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} (CityOps {manifest['app_version']}): database, "
                f"{restored.media_files} media files."
            )
        )
        if restored.pending_migrations:
            self.stdout.write(f"This code has {restored.pending_migrations} newer migrations: run `manage.py migrate`.")
