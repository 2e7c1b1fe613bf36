from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Write the evidence package of one or more field visits (by UUID) to a zip an inspector checks without "
        "CityOps: python verify_evidence.py OUT.zip (README 'Signed field evidence'). Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="+", metavar="UUID … OUT.zip", help="visit UUIDs, then the zip to write")
        parser.add_argument("--purpose", default="", help="why the package is made (kept in the audit trail)")

    def handle(self, *args: str, purpose: str = "", **options: Any) -> None:
        from apps.evidence.models import VisitSeal
        from apps.evidence.package import evidence_package_write
        from apps.fieldwork.models import Visit

        if len(args) < 2:
            raise CommandError("give at least one visit UUID and then the zip to write")
        *names, out = args
        if not out.endswith(".zip"):
            raise CommandError(f"the last argument is the zip to write (….zip), not {out!r}")
        try:
            uuids = [uuid.UUID(name) for name in names]
        except ValueError:
            bad = next(n for n in names if not _is_uuid(n))
            raise CommandError(f"{bad!r} is not a visit UUID") from None
        found = Visit.objects.filter(uuid__in=uuids).select_related("officer", "seal__device")
        visits = {v.uuid: v for v in found.prefetch_related("photos__seal", "findings", "flags")}
        missing = [str(u) for u in uuids if u not in visits]
        if missing:
            raise CommandError(f"no visit with UUID {', '.join(missing)}")
        unsealed = [str(u) for u in uuids if not VisitSeal.objects.filter(visit=visits[u]).exists()]
        if unsealed:
            raise CommandError(f"visit {', '.join(unsealed)} was recorded before signing: it has no evidence record")
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder")
        if target.is_dir():
            raise CommandError(f"{target} is a folder: give the zip file to write")
        partial = target.with_name(f".{target.name}.partial")
        try:
            with partial.open("wb") as handle:
                evidence_package_write(handle, [visits[u] for u in dict.fromkeys(uuids)], purpose=purpose)
            partial.replace(target)  # a package appears whole or not at all
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"could not write {target}: {exc.strerror or exc.__class__.__name__}") from None
        self.stdout.write(f"{target}: {len(set(uuids))} visit(s); check with: python verify_evidence.py {target}")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
