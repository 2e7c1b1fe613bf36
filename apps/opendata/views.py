"""The open-data portal (public: datasets, approved releases, downloads) and the stewards' release queue."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.selectors import user_sees_whole_city
from apps.core.decorators import permission_required
from apps.core.errors import ApplicationError
from apps.core.forms import form_apply_errors
from apps.opendata import selectors
from apps.opendata.datasets import datasets, get_dataset
from apps.opendata.models import Release
from apps.opendata.render import CONTENT_TYPES
from apps.opendata.services import MAX_DAYS, release_approve, release_produce, release_withdraw

PREVIEW_ROWS = 20


def file_response(release: Release, fmt: str) -> HttpResponse:
    """A release's file as a download; CSV starts with a byte-order mark so spreadsheets read Chinese right."""
    body = release.body(fmt)
    response = HttpResponse(("\ufeff" + body) if fmt == "csv" else body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{release.dataset}-{release.first_day}-{release.pk}.{fmt}"'
    return response


def index(request: HttpRequest) -> HttpResponse:
    entries = [(d, selectors.release_latest_public(dataset=d.code)) for d in datasets()]
    return render(request, "opendata/index.html", {"entries": entries})


def dataset_detail(request: HttpRequest, code: str) -> HttpResponse:
    dataset = get_dataset(code)
    if dataset is None:
        raise Http404
    releases = selectors.releases_public(dataset=code)[:200]
    return render(request, "opendata/dataset.html", {"dataset": dataset, "releases": releases,
                                                     "license": dataset.metadata()["license"]})  # fmt: skip


def download(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    release = selectors.release_get_public(pk=pk, dataset=code)
    if release is None:
        raise Http404
    return file_response(release, fmt)


class ProduceForm(forms.Form):
    dataset = forms.ChoiceField(label=gettext_lazy("Dataset"))
    first_day = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=MAX_DAYS, initial=1)
    k = forms.IntegerField(label=gettext_lazy("k"), max_value=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `fields` is typed as plain Field: this one is declared a ChoiceField above.
        cast(forms.ChoiceField, self.fields["dataset"]).choices = [(d.code, d.name) for d in datasets()]
        self.fields["k"].initial = settings.CITYOPS_OPEN_DATA_K
        self.fields["k"].widget.attrs["min"] = settings.CITYOPS_OPEN_DATA_K
        self.fields["first_day"].initial = timezone.localdate() - timedelta(days=1)

    def clean_k(self) -> int:
        """Never below the city's configured minimum: a release may only be stricter."""
        k = self.cleaned_data["k"]
        if k < settings.CITYOPS_OPEN_DATA_K:
            raise forms.ValidationError(
                _("k must be at least %(k)s, the city's minimum.") % {"k": settings.CITYOPS_OPEN_DATA_K}
            )
        return k


class ReleaseDecisionForm(forms.Form):
    """A steward's decision on a release: approve it (it becomes public) or withdraw it, with a reason."""

    action = forms.ChoiceField(choices=[("approve", "approve"), ("withdraw", "withdraw")])
    reason = forms.CharField(required=False)


def city_wide_steward(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The stewards' pages, for stewards who see the whole city: every dataset covers every district, so a
    steward limited to regions would read (and publish) the other districts' figures. 403 for the others."""

    @permission_required("opendata.approve_release")
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_sees_whole_city(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@city_wide_steward
def releases(request: HttpRequest) -> HttpResponse:
    """Drafts waiting for approval (oldest first) and the latest decided releases; a form to draft a period
    (refused: the page again with the form's errors, status 400)."""
    form = ProduceForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm("opendata.add_release"):
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = release_produce(dataset_code=data["dataset"], first_day=data["first_day"], days=data["days"],
                                      k=data["k"], user=request.user)  # fmt: skip
        except ApplicationError as exc:
            form_apply_errors(form, exc)
        else:
            return redirect("opendata:release", pk=release.pk)
    everything = selectors.releases_for_steward()
    drafts = list(everything.filter(status=Release.Status.DRAFT).order_by("period_start", "dataset"))
    decided = list(everything.exclude(status=Release.Status.DRAFT).order_by("-updated_at")[:50])
    status = 400 if request.method == "POST" else 200  # a valid draft was redirected above
    context = {"form": form, "drafts": drafts, "decided": decided}
    return render(request, "opendata/releases.html", context, status=status)


def _preview(release: Release) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(release.csv_body))
    header = next(reader, [])
    return header, [row for _index, row in zip(range(PREVIEW_ROWS), reader, strict=False)]


@city_wide_steward
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release, pk=pk)
    error = ""
    if request.method == "POST":
        form = ReleaseDecisionForm(request.POST)
        decided = form.cleaned_data if form.is_valid() else None
        try:
            if decided is None:
                raise ApplicationError(_("Unknown action."))
            if decided["action"] == "approve":
                release_approve(release=release, user=request.user)
                messages.success(request, _("Release approved: it is public now."))
            else:
                release_withdraw(release=release, user=request.user, reason=decided["reason"])
                messages.success(request, _("Release withdrawn: it is no longer public."))
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("opendata:release", pk=release.pk)
    header, rows = _preview(release)
    dataset = get_dataset(release.dataset)
    return render(request, "opendata/release.html", {
        "release": release, "dataset": dataset, "header": header, "rows": rows, "error": error,
        "preview_rows": PREVIEW_ROWS, "drafted_by_viewer": release.produced_by_id == request.user.pk,
    }, status=400 if error else 200)  # fmt: skip


@city_wide_steward
def release_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Any release's file, drafts included, for the steward reviewing it."""
    return file_response(get_object_or_404(Release, pk=pk), fmt)
