from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import ApplicationError
from apps.ingest.services import ingest_token_create


class Command(BaseCommand):
    help = "Create an ingest token for a data source and print it (it is shown only once; only a hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="data source code, e.g. traffic-police-loops")
        parser.add_argument("--name", default="gateway", help="who or what uses the token")

    def handle(self, *args: Any, source: str, name: str, **options: Any) -> None:
        try:
            plain, _token = ingest_token_create(source_code=source, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(plain)
