from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.services import field_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every personal-data field with the newest key in CITYOPS_FIELD_KEYS. To rotate: put a new "
        "key first in CITYOPS_FIELD_KEYS (embedded mode: --new-key does it in the data dir), run this, then "
        "drop the old key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="embedded mode: generate a key, put it first in the data dir's field-keys file, then rotate",
        )

    def handle(self, *args: Any, new_key: bool, **options: Any) -> None:
        if new_key:
            self._prepend_key()
        try:
            counts = field_keys_rotate()
        except InvalidToken:
            raise CommandError("a stored value opens with none of CITYOPS_FIELD_KEYS; nothing was changed") from None
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("All personal-data fields use the newest key."))

    def _prepend_key(self) -> None:
        if not settings.EMBEDDED:
            raise CommandError("--new-key is for embedded mode; in production put a new key in CITYOPS_FIELD_KEYS")
        key = Fernet.generate_key().decode()
        path = settings.DATA_DIR / "field-keys"
        path.write_text("\n".join([key, *settings.CITYOPS_FIELD_KEYS]) + "\n")
        settings.CITYOPS_FIELD_KEYS = [key, *settings.CITYOPS_FIELD_KEYS]
        self.stdout.write(f"New key added first in {path}.")
