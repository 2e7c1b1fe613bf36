"""The audit trail's hash chain: sealed in commit order, and every kind of tampering found by
`verify_audit_log`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.audit import audit_seal, audit_verify, log_action, log_personal_read
from apps.core.models import AuditHead, AuditLog


@pytest.fixture
def chain(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            log_action(cast["command"], "core.test.step", user=cast["admin"], data={"n": n, "note": "测试"})
    return list(AuditLog.objects.filter(action="core.test.step").order_by("seq"))


def test_entries_are_sealed_after_commit_into_one_chain(chain):
    assert [e.seq for e in chain] == sorted(e.seq for e in chain)
    assert all(e.hash and len(e.hash) == 64 for e in chain)
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))
    assert AuditHead.objects.get().hash == AuditLog.objects.order_by("-seq").first().hash
    assert audit_verify().ok


def test_an_edited_entry_breaks_the_chain(chain):
    AuditLog.objects.filter(pk=chain[2].pk).update(data={"n": 99, "note": "测试"})

    report = audit_verify()

    assert not report.ok
    assert f"seq {chain[2].seq}" in report.problem
    assert "changed" in report.problem


def test_a_deleted_entry_breaks_the_chain(chain):
    AuditLog.objects.filter(pk=chain[1].pk).delete()

    assert "missing" in audit_verify().problem


def test_a_removed_tail_no_longer_matches_the_head(chain):
    AuditLog.objects.filter(seq__gte=chain[-2].seq).delete()

    assert "head" in audit_verify().problem


def test_a_forged_entry_slipped_in_breaks_the_chain(chain):
    forged = AuditLog.objects.get(pk=chain[3].pk)
    forged.actor_name = "someone-else"  # rewritten with a freshly computed hash of its own
    from apps.core.audit import entry_hash

    forged.hash = entry_hash(forged, forged.prev_hash)
    forged.save()

    assert f"seq {chain[4].seq}" in audit_verify().problem  # the next link no longer follows


def test_the_command_says_what_is_broken_and_fails(chain, capsys):
    call_command("verify_audit_log")
    assert "audit log intact: " in capsys.readouterr().out

    AuditLog.objects.filter(pk=chain[0].pk).update(action="core.test.other")
    with pytest.raises(CommandError, match="audit log broken: entry seq"):
        call_command("verify_audit_log")


def test_unsealed_entries_are_sealed_by_the_task_and_counted(cast):
    entry = log_action(None, "core.test.step", user=cast["admin"])  # in the test's transaction: not sealed yet
    pending = AuditLog.objects.filter(seq__isnull=True).count()
    assert pending >= 1

    assert audit_seal() == pending
    entry.refresh_from_db()
    assert entry.seq is not None
    assert audit_verify().sealed == AuditLog.objects.count()


def test_a_personal_read_records_the_fields_and_the_purpose(cast):
    entry = log_personal_read(cast["staff"], fields=["phone"], purpose="回访核实", user=cast["admin"])

    assert entry.action == "auth.user.read_personal"
    assert entry.data == {"fields": ["phone"], "purpose": "回访核实"}


def test_an_entry_sealed_while_the_chain_is_read_is_no_break(chain, cast, monkeypatch):
    # given: another request commits and seals an entry while the chain is being checked
    from apps.core import audit

    original, interrupted = audit.entry_hash, []

    def entry_hash_with_a_commit_meanwhile(entry, prev_hash):
        if not interrupted:
            interrupted.append(True)
            log_action(None, "core.test.meanwhile", user=cast["admin"])
            audit_seal()
        return original(entry, prev_hash)

    monkeypatch.setattr(audit, "entry_hash", entry_hash_with_a_commit_meanwhile)

    # when
    report = audit_verify()

    # then
    assert interrupted
    assert report.ok, report.problem
    assert AuditHead.objects.get().seq == report.sealed + 1


def test_a_removed_head_breaks_the_chain(chain):
    AuditLog.objects.filter(seq__gte=chain[-2].seq).delete()
    AuditHead.objects.all().delete()

    assert "no head" in audit_verify().problem


def test_an_entry_sealed_beyond_the_head_breaks_the_chain(chain):
    from apps.core.audit import entry_hash

    last = AuditLog.objects.order_by("-seq").first()
    forged = AuditLog(actor_name="someone", action="core.test.forged", seq=last.seq + 1, prev_hash=last.hash,
                      created_at=last.created_at)  # fmt: skip
    forged.hash = entry_hash(forged, last.hash)
    forged.save()

    assert "beyond the head" in audit_verify().problem


def test_sealing_refuses_to_start_a_second_chain_when_the_head_is_gone(chain, cast, caplog):
    AuditHead.objects.all().delete()
    log_action(None, "core.test.step", user=cast["admin"])

    assert audit_seal() == 0
    assert "head missing" in caplog.text
    assert AuditLog.objects.filter(seq__isnull=True).count() == 1  # left for someone to look at
    assert not audit_verify().ok


def test_each_seal_logs_the_new_head_outside_the_database(cast, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="cityops.audit")
    log_action(None, "core.test.step", user=cast["admin"])

    audit_seal()

    head = AuditHead.objects.get()
    assert f"sealed to seq {head.seq}, hash {head.hash}" in caplog.text
