"""Create an Open311 API key: prints the key once (only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import ApplicationError
from apps.grievances.services import open311_key_create


class Command(BaseCommand):
    help = "Create an API key for Open311 POST requests and print it (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who the key is for, e.g. 'citizen-app'")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            key, _record = open311_key_create(name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(key)
