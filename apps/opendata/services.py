"""Writes: producing a release (a draft), and a steward approving or withdrawing it.

Who may (等保: least privilege and separation of duties):
- Every dataset covers the whole city (each district's rows), so only a steward who sees the whole city
  (`user_sees_whole_city`: no assigned regions) drafts, approves or withdraws a release; one limited to a district
  would publish the other districts' figures.
- The steward who drafted a release does not approve it: another one does. A draft made by the daily task (no
  one) may be approved by any steward.
- k is never below CITYOPS_OPEN_DATA_K, the city's configured minimum; a release may only be stricter.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_sees_whole_city
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.text import clean_text
from apps.opendata.datasets import Dataset, datasets, get_dataset
from apps.opendata.models import Release
from apps.opendata.render import render_csv, render_geojson, render_json

MAX_DAYS = 366
EARLIEST_DAY = date(1970, 1, 1)


def release_period(*, first_day: date, days: int) -> tuple[datetime, datetime]:
    """Local midnight of `first_day` to local midnight `days` later (aware)."""
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    return start, timezone.make_aware(datetime.combine(first_day + timedelta(days=days), time.min))


def _header(release: Release, dataset: Dataset) -> dict[str, Any]:
    last_day = timezone.localtime(release.period_end).date() - timedelta(days=1)
    meta = release.metadata
    return {
        "dataset": dataset.code, "release": release.pk, "name_zh": meta["name_zh"], "name_en": meta["name_en"],
        "first_day": timezone.localtime(release.period_start).date().isoformat(), "last_day": last_day.isoformat(),
        "k": release.k if release.personal else None, "quasi_identifiers": meta["quasi_identifiers"],
        "total_records": release.total_records, "suppressed_records": release.suppressed_records,
        "max_reidentification_risk": release.max_risk, "license": meta["license"], "dictionary": meta["dictionary"],
    }  # fmt: skip


def _check_input(*, dataset_code: str, first_day: date, days: int, k: int) -> tuple[Dataset, datetime, datetime]:
    dataset = get_dataset(dataset_code)
    if dataset is None:
        raise ApplicationError(
            _("Unknown dataset %(code)r.") % {"code": dataset_code}, fields={"dataset": [_("unknown dataset")]}
        )
    minimum = settings.CITYOPS_OPEN_DATA_K
    if k < minimum:
        raise ApplicationError(_("k must be at least %(k)s, the city's minimum.") % {"k": minimum},
                               fields={"k": [_("at least %(k)s") % {"k": minimum}]})  # fmt: skip
    if not 1 <= days <= MAX_DAYS:
        raise ApplicationError(_("A release covers 1 to %(max)s days.") % {"max": MAX_DAYS},
                               fields={"days": [_("1 to %(max)s") % {"max": MAX_DAYS}]})  # fmt: skip
    # Checked on the day before computing the period: a day near either end of the calendar has no period.
    if first_day >= timezone.localdate():
        raise ApplicationError(_("The period is not over yet."), fields={"first_day": [_("the period must be over")]})
    if first_day < EARLIEST_DAY:
        raise ApplicationError(_("A release starts in 1970 or later."), fields={"first_day": [_("1970 or later")]})
    start, end = release_period(first_day=first_day, days=days)
    if end > timezone.now():
        # A period still running would be released again with other counts: the difference could single out.
        raise ApplicationError(_("The period is not over yet."), fields={"first_day": [_("the period must be over")]})
    return dataset, start, end


@transaction.atomic
def release_produce(
    *, dataset_code: str, first_day: date, days: int = 1, k: int | None = None, user: Any = None, demo: bool = False
) -> Release:
    """A draft release of a dataset for `days` local days from `first_day`, de-identified with k.

    Idempotent: the same period again rebuilds its draft, or returns its approved release unchanged. Raises
    ApplicationError for a user who does not see the whole city, an unknown dataset, k below
    CITYOPS_OPEN_DATA_K, a period not over yet or one overlapping another live release of the dataset
    (overlapping releases could be subtracted from each other). `user` None: the daily task. Audited.
    """
    _check_city_wide(user)
    k = settings.CITYOPS_OPEN_DATA_K if k is None else k
    dataset, start, end = _check_input(dataset_code=dataset_code, first_day=first_day, days=days, k=k)
    live = Release.objects.select_for_update().filter(
        dataset=dataset.code, status__in=[Release.Status.DRAFT, Release.Status.APPROVED],
        period_start__lt=end, period_end__gt=start,
    )  # fmt: skip
    same = next((r for r in live if r.period_start == start and r.period_end == end), None)
    if same is not None and same.status == Release.Status.APPROVED:
        return same
    if any(r != same for r in live):
        raise ApplicationError(_("The period overlaps another release of this dataset."),
                               fields={"first_day": [_("overlaps another release")]})  # fmt: skip
    outcome, geometries = dataset.build(start, end, k)
    release = same or Release(dataset=dataset.code, period_start=start, period_end=end)
    release.k, release.personal, release.demo, release.produced_by = k, dataset.personal, demo, user
    release.metadata = dataset.metadata()
    for figure in ("total_records", "released_records", "suppressed_records", "suppressed_cells",
                   "generalised_records", "max_risk", "mean_risk"):  # fmt: skip
        setattr(release, figure, getattr(outcome, figure))
    release.rows = len(outcome.rows)
    release.save()  # the files carry the release's number
    columns, header = [c.name for c in dataset.columns], _header(release, dataset)
    release.csv_body = render_csv(outcome.rows, columns)
    release.json_body = render_json(outcome.rows, columns, header)
    release.geojson_body = render_geojson(outcome.rows, columns, header, geometries, dataset.geometry_column)
    release.save(update_fields=["csv_body", "json_body", "geojson_body", "updated_at"])
    log_action(release, "opendata.release.produce", user=user, data=_figures(release))
    return release


def _check_city_wide(user: Any) -> None:
    """Every dataset covers the whole city: a steward limited to regions may not handle its releases."""
    if user is not None and not user_sees_whole_city(user=user):
        raise ApplicationError(_("A city-wide release is handled by a steward who sees the whole city."),
                               fields={"user": [_("limited to regions")]})  # fmt: skip


def _figures(release: Release) -> dict[str, Any]:
    return {"k": release.k, "total_records": release.total_records, "suppressed_records": release.suppressed_records,
            "rows": release.rows, "max_risk": release.max_risk}  # fmt: skip


def _smallest_count(release: Release) -> int | None:
    """The smallest count column value in the release's CSV as it will be published (None when empty)."""
    count_column = release.metadata["count_column"]
    counts = [int(row[count_column]) for row in csv.DictReader(io.StringIO(release.csv_body))]
    return min(counts) if counts else None


@transaction.atomic
def release_approve(*, release: Release, user: Any) -> Release:
    """Publish a draft. Raises ApplicationError for a user who does not see the whole city or who drafted it
    (another steward approves), when it is not a draft, or — checked on the file itself — when a personal
    dataset's CSV has a row of fewer than k records. Audited."""
    _check_city_wide(user)
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.status != Release.Status.DRAFT:
        raise ApplicationError(_("Only a draft can be approved."))
    if release.produced_by_id is not None and release.produced_by_id == getattr(user, "pk", None):
        raise ApplicationError(_("You drafted this release: another steward approves it."),
                               fields={"user": [_("drafted it")]})  # fmt: skip
    smallest = _smallest_count(release)
    if release.personal and smallest is not None and smallest < release.k:
        raise ApplicationError(
            _("A row covers %(n)s records, fewer than k = %(k)s: not approved.") % {"n": smallest, "k": release.k}
        )
    release.status, release.approved_by, release.approved_at = Release.Status.APPROVED, user, timezone.now()
    release.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    log_action(release, "opendata.release.approve", user=user, data=_figures(release))
    return release


@transaction.atomic
def release_withdraw(*, release: Release, user: Any, reason: str) -> Release:
    """Take a draft or an approved release off (it stays recorded, no longer public). Raises ApplicationError
    for a user who does not see the whole city, without a reason or when already withdrawn. Audited with the
    reason."""
    _check_city_wide(user)
    release = Release.objects.select_for_update().get(pk=release.pk)
    reason = clean_text(reason)
    if not reason:
        raise ApplicationError(_("Say why the release is withdrawn."), fields={"reason": [_("required")]})
    if release.status == Release.Status.WITHDRAWN:
        raise ApplicationError(_("The release is already withdrawn."))
    release.status, release.withdrawn_by, release.withdrawn_at = Release.Status.WITHDRAWN, user, timezone.now()
    release.withdrawn_reason = reason[:500]
    release.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason", "updated_at"])
    log_action(release, "opendata.release.withdraw", user=user, data={"reason": release.withdrawn_reason})
    return release


def releases_produce_daily(*, today: date | None = None) -> list[Release]:
    """Drafts of every open dataset for yesterday (local), for a steward to approve. Safe to repeat: a day
    already drafted or approved is left as it is (a draft does not change under the steward reviewing it), one
    overlapping a longer release is skipped."""
    yesterday = (today or timezone.localdate()) - timedelta(days=1)
    start, end = release_period(first_day=yesterday, days=1)
    done = set(
        Release.objects.filter(period_start=start, period_end=end, status__in=[Release.Status.DRAFT,
                               Release.Status.APPROVED]).values_list("dataset", flat=True)
    )  # fmt: skip
    produced = []
    for dataset in datasets():
        if dataset.code in done:
            continue
        try:
            produced.append(release_produce(dataset_code=dataset.code, first_day=yesterday))
        except ApplicationError:
            continue
    return produced
