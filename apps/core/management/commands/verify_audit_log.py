"""python manage.py verify_audit_log — recompute the audit trail's hash chain; exit 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Check that no audit entry was changed, removed or inserted since it was sealed into the hash chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending entries first")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_seal"]:
            audit_seal()
        report = audit_verify()
        if not report.ok:
            raise CommandError(f"audit log broken: {report.problem}")
        self.stdout.write(f"audit log intact: {report.sealed} entries chained, {report.unsealed} not yet sealed")
