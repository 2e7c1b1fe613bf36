"""Independent checks of resolutions (接诉即办's verified rates): requested for a sample of resolved-and-rated
reports and for every contested resolution, done by a field visit or by a callback logged by someone outside the
department. A resolution found untrue reopens the report and counts against the department."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.text import clean_text
from apps.grievances.models import Grievance, ResolutionCheck
from apps.grievances.services import _locked, reopened


def resolution_check_request(
    *, grievance: Grievance, reason: str, method: str = ResolutionCheck.Method.VISIT, user: Any = None
) -> ResolutionCheck:
    """A check of the report's current resolution; for a visit, a field assignment at the report's place. The
    same resolution asked for the same reason again gives the check already asked for."""
    from apps.fieldwork.models import Assignment
    from apps.fieldwork.services import assignee_pick, assignment_timed

    if grievance.resolved_at is None:
        raise ApplicationError(_("only a resolved report can be checked"), fields={"status": [grievance.status]})
    region = grievance.region
    if method == ResolutionCheck.Method.VISIT and region is None:
        raise ApplicationError(_("the report has no place on the map to send someone to"),
                               fields={"region": [_("none")]})  # fmt: skip
    existing = ResolutionCheck.objects.filter(grievance=grievance, resolved_at=grievance.resolved_at,
                                              reason=reason).first()  # fmt: skip
    if existing:
        return existing
    assignment = None
    if method == ResolutionCheck.Method.VISIT and region is not None:
        name_zh, name_en = grievance.category.name_zh, grievance.category.name_en
        assignment = Assignment.objects.create(
            kind=Assignment.Kind.RESOLUTION,
            title_zh=f"核查办结：诉求 #{grievance.pk} {name_zh}",
            title_en=f"Check the resolution of report #{grievance.pk}: {name_en}",
            grievance=grievance, region=region, lon=grievance.lon, lat=grievance.lat, radius_m=300,
            due_at=timezone.now() + timedelta(hours=48),
            evidence=_("Is it really fixed? Confirmed: fixed; contradicted: not fixed. A photo of the place."),
            assignee=assignee_pick(region),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        assignment_timed(assignment)
    try:
        with transaction.atomic():
            check = ResolutionCheck.objects.create(
                grievance=grievance, method=method, reason=reason, department_id=grievance.department_id,
                resolved_at=grievance.resolved_at, assignment=assignment,
            )  # fmt: skip
    except IntegrityError:  # asked at the same moment by another path
        if assignment is not None:
            assignment.delete()
        return ResolutionCheck.objects.get(grievance=grievance, resolved_at=grievance.resolved_at, reason=reason)
    log_action(grievance, "grievances.resolution_check.request", user=user,
               data={"check": check.pk, "method": method, "reason": reason})  # fmt: skip
    return check


@transaction.atomic
def resolution_check_record(
    *, check: ResolutionCheck, fixed: bool, user: Any, satisfied: bool | None = None, note: str = ""
) -> ResolutionCheck:
    """The outcome of a check. Not fixed: the report is reopened (whatever its status, the citizen's reopen
    window aside) and marked contradicted, which counts against the department."""
    check = ResolutionCheck.objects.select_for_update().select_related("grievance").get(pk=check.pk)
    if check.done:
        raise ApplicationError(_("this check has been recorded already"), fields={"fixed": [_("recorded")]})
    if check.method == check.Method.CALLBACK:
        if not getattr(user, "is_authenticated", False):
            raise ApplicationError(_("a callback is logged by a signed-in person"), fields={"user": [_("required")]})
        if _works_for(user, check.department_id):
            raise ApplicationError(_("a callback is logged by someone outside the department checked"),
                                   fields={"user": [_("not independent")]})  # fmt: skip
    check.fixed = fixed
    check.satisfied = satisfied if check.method == check.Method.CALLBACK else None
    check.note = clean_text(note)[:2000]
    check.checked_by = user if getattr(user, "is_authenticated", False) else None
    check.checked_at = timezone.now()
    check.save()
    grievance = _locked(check.grievance)
    if not fixed and grievance.resolved_at == check.resolved_at:
        grievance.contradicted_at = check.checked_at
        reopened(grievance, actor=None, message=_in_both("Checked independently: the problem is not fixed. Reopened."))
    log_action(grievance, "grievances.resolution_check.record", user=user,
               data={"check": check.pk, "fixed": fixed, "satisfied": check.satisfied})  # fmt: skip
    return check


def _in_both(message: str) -> str:
    """A system's entry on a report's timeline, stored once and read in either language: Chinese, then English."""
    from django.utils import translation

    with translation.override("zh-hans"):
        chinese = _(message)
    with translation.override("en"):
        english = _(message)
    return chinese if chinese == english else f"{chinese} / {english}"


def _works_for(user: Any, department_id: int) -> bool:
    from apps.accounts.models import Department

    return Department.objects.filter(pk=department_id, staff__user=user).exists()


def finding_applied(*, finding: Any, user: Any, **_kwargs: Any) -> None:
    """An accepted visit on a resolution-check assignment: its verdict is the check's outcome (confirmed: fixed;
    contradicted or only partly: not fixed; could not verify: the check waits for another visit)."""
    assignment = finding.visit.assignment
    if assignment is None or assignment.kind != "resolution" or finding.grievance_id != assignment.grievance_id:
        return  # a finding about another report (or none) does not decide this check
    check = ResolutionCheck.objects.filter(assignment=assignment, fixed__isnull=True).first()
    if check is None or finding.verdict == "could_not_verify":
        return
    resolution_check_record(check=check, fixed=finding.verdict == "confirmed", user=finding.visit.officer,
                            note=finding.comment)  # fmt: skip
