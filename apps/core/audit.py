"""The audit trail: every operator action goes through `log_action`, every reading of personal data by a
person through `log_personal_read` (who, which record, which fields, when, for what purpose).

Tamper evidence: entries are written as part of the caller's transaction, then *sealed* into a hash chain in
commit order (`audit_seal`, after each commit and every minute): entry n gets seq n, the hash of entry n − 1,
and hash = SHA-256(seq, time, actor, action, object, data, previous hash). `python manage.py
verify_audit_log` recomputes the chain: an entry edited, deleted or slipped in breaks the chain at that point,
and a removed tail no longer matches the chain's head. Sealing after commit (rather than chaining inside the
caller's transaction) keeps audited transactions from queuing behind one lock or deadlocking on it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction

from apps.core.models import AuditHead, AuditLog

_ACTION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
GENESIS = "0" * 64
logger = logging.getLogger("cityops.audit")


def log_action(
    obj: models.Model | None,
    action: str,
    *,
    user: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Record that `user` did `action` ("app.entity.verb") to `obj`, with `data` as parameters.

    Joins the caller's transaction, so the entry exists exactly when the action does; it is sealed into the
    hash chain after the commit. `data` must be JSON-serialisable and must not contain personal data.
    Raises ValueError for a malformed action.
    """
    if not _ACTION.match(action):
        raise ValueError(f"audit action {action!r} must look like 'app.entity.verb'")
    actor = user if getattr(user, "is_authenticated", False) else None
    entry = AuditLog.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        target_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        target_id=str(obj.pk) if obj is not None else "",
        target_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
    )
    transaction.on_commit(_seal_after_commit)
    return entry


def log_personal_read(obj: models.Model, *, fields: list[str], purpose: str, user: Any) -> AuditLog:
    """A person read personal data: which record, which fields, for what purpose (stewards review these).

    The purpose is typed by a person ("call back 139…"): numbers, e-mails and ID numbers in it are masked."""
    meta = obj._meta
    return log_action(obj, f"{meta.app_label}.{meta.model_name}.read_personal", user=user,
                      data={"fields": sorted(fields), "purpose": purpose_masked(purpose)})  # fmt: skip


def purpose_masked(purpose: str) -> str:
    """A stated purpose as the audit trail keeps it: at most 200 characters, contact details masked."""
    from apps.core.classification import mask_text

    return mask_text(purpose)[:200]


def audit_log_for(obj: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).select_related("actor")


# --- The hash chain -----------------------------------------------------------------------------------------


def entry_hash(entry: AuditLog, prev_hash: str) -> str:
    body = json.dumps(
        [entry.seq, entry.created_at.isoformat(), entry.actor_id, entry.actor_name, entry.action,
         entry.target_type_id, entry.target_id, entry.target_repr, entry.data, prev_hash],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )  # fmt: skip
    return hashlib.sha256(body.encode()).hexdigest()


def audit_seal(*, limit: int = 5000) -> int:
    """Chain every committed entry not yet sealed, oldest first. Returns how many were sealed.

    Each seal logs the chain's new head (sequence and hash): a copy outside the database, so even someone
    able to rewrite the whole chain and its head row cannot make it match what the logs already hold.
    Refuses (logs an error, seals nothing) when the head row is gone but sealed entries exist: continuing
    would start a second chain over the first."""
    if not AuditLog.objects.filter(seq__isnull=True).exists():
        return 0
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            if AuditLog.objects.filter(seq__isnull=False).exists():
                logger.error("audit chain head missing while sealed entries exist: not sealing (see verify_audit_log)")
                return 0
            head = AuditHead.objects.create(pk=1)
        pending = list(AuditLog.objects.filter(seq__isnull=True).order_by("id")[:limit])
        seq, prev = head.seq, head.hash or GENESIS
        for entry in pending:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry_hash(entry, prev)
        AuditLog.objects.bulk_update(pending, ["seq", "prev_hash", "hash"], batch_size=500)
        head.seq, head.hash = seq, prev
        head.save()
    logger.info("audit chain sealed to seq %d, hash %s", seq, prev)
    return len(pending)


def _seal_after_commit() -> None:
    """Sealing after an action's commit must not fail the action (a busy SQLite file, a lost connection):
    the beat task seals what is left within a minute."""
    try:
        audit_seal()
    except DatabaseError:
        logger.warning("audit sealing deferred to the next run", exc_info=True)


@dataclass(frozen=True)
class ChainReport:
    sealed: int
    unsealed: int
    problem: str  # "" when the chain holds

    @property
    def ok(self) -> bool:
        return not self.problem


def audit_verify() -> ChainReport:
    """Recompute the chain from the first entry: the first broken link, if any, in one sentence.

    The chain is checked up to the head as read first: every commit seals, so entries sealed while the chain is
    read are no gap (they are checked next time), while entries beyond the head as it is afterwards are.
    """
    head = AuditHead.objects.filter(pk=1).first()
    entries = AuditLog.objects.filter(seq__isnull=False).order_by("seq")
    if head is not None:
        entries = entries.filter(seq__lte=head.seq)
    prev, expected, count = GENESIS, 1, 0
    for entry in entries.iterator(chunk_size=2000):
        if entry.seq != expected:
            return ChainReport(count, 0, f"entry seq {expected} is missing (next is {entry.seq}): deleted")
        if entry.prev_hash != prev:
            return ChainReport(count, 0, f"entry seq {entry.seq} (id {entry.pk}) does not follow seq {expected - 1}")
        if entry_hash(entry, prev) != entry.hash:
            return ChainReport(count, 0, f"entry seq {entry.seq} (id {entry.pk}) was changed after it was sealed")
        prev, expected, count = entry.hash, expected + 1, count + 1
    if head is None:
        if count:
            return ChainReport(count, 0, f"the chain has {count} entries but no head: the head was removed")
    elif head.seq != count or (count and head.hash != prev):
        return ChainReport(count, 0, f"the chain ends at seq {count} but its head says {head.seq}: entries removed")
    else:
        # Read before the head again: an entry seen here was committed with the head that covers it.
        beyond = AuditLog.objects.filter(seq__gt=head.seq).aggregate(last=models.Max("seq"))["last"]
        now = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if beyond is not None and beyond > now:
            return ChainReport(count, 0, f"entries up to seq {beyond} lie beyond the head (seq {now}): slipped in")
    return ChainReport(count, AuditLog.objects.filter(seq__isnull=True).count(), "")
