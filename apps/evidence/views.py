"""Supervisors' pages: the officers' signing devices (revoke a lost phone) and evidence packages."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import regions_scope
from apps.core.decorators import permission_required
from apps.core.text import clean_text
from apps.evidence.forms import ExportForm, RevokeForm
from apps.evidence.models import VisitSeal
from apps.evidence.package import evidence_package_write
from apps.evidence.selectors import devices_for_supervisor, visits_for_export
from apps.evidence.services import device_revoke
from apps.fieldwork.models import Visit

SHOWN = 200  # devices on one page; more: narrow by officer


@permission_required("evidence.revoke_device")
def devices(request: HttpRequest) -> HttpResponse:
    """The phones of the officers in the supervisor's regions, newest first per officer; revoke a lost one."""
    scoped = devices_for_supervisor(user=request.user)
    query = clean_text(request.GET.get("q", ""))[:60].strip()
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = scoped.filter(pk=form.cleaned_data["device"]).first()
        if device is None:
            form.add_error(None, _("That device is not one of your officers'."))
        else:
            device_revoke(device=device, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(
                request, _("Revoked: %(device)s. Visits it signed before stay signed.") % {"device": device}
            )
            return redirect("evidence:devices")
    shown = scoped.filter(officer__username__icontains=query) if query else scoped
    rows = list(shown[:SHOWN])
    signed = dict(
        VisitSeal.objects.filter(device__in=rows, state=VisitSeal.State.SIGNED)
        .values_list("device")
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "evidence/devices.html",
        {
            "devices": [(d, signed.get(d.pk, 0)) for d in rows],
            "form": form,
            "posted": request.method == "POST",
            "query": query,
            "total": shown.count() if len(rows) == SHOWN else len(rows),
            "shown": len(rows),
        },
        status=400 if request.method == "POST" else 200,
    )


@permission_required("fieldwork.review_visit")
def export(request: HttpRequest) -> HttpResponse | FileResponse:
    """An evidence package of visits in the supervisor's regions, for a stated purpose (audited per visit)."""
    recent = list(visits_for_export(user=request.user))
    if request.method != "POST":
        form = ExportForm(initial={"visits": request.GET.get("visits", "")})
        return render(request, "evidence/export.html", {"form": form, "recent": recent})
    # the UUIDs typed and those ticked in the list, as one field
    data = request.POST.copy()
    data["visits"] = " ".join(request.POST.getlist("visits"))
    form = ExportForm(data)
    if not form.is_valid():
        return render(request, "evidence/export.html", {"form": form, "recent": recent}, status=400)
    wanted = form.cleaned_data["visits"]
    found = {
        v.uuid: v
        for v in regions_scope(Visit.objects.filter(uuid__in=wanted, seal__isnull=False), user=request.user)
        .select_related("officer", "seal__device")
        .prefetch_related("photos__seal", "findings", "flags")
    }
    missing = [str(u) for u in wanted if u not in found]
    if missing:
        form.add_error(
            "visits",
            _("Not a visit in your regions with an evidence record: %(uuids)s") % {"uuids": ", ".join(missing[:5])},
        )
        return render(request, "evidence/export.html", {"form": form, "recent": recent}, status=400)
    package = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    evidence_package_write(package, [found[u] for u in wanted], user=request.user, purpose=form.cleaned_data["purpose"])
    package.seek(0)
    response = FileResponse(package, content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="visit-evidence-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
