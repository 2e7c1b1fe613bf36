"""What the open-data app contributes (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.surfaces import Surface
from apps.opendata.classification import CLASSIFICATION
from apps.opendata.datasets import FIELD_VISITS, GRIEVANCES, INDICATORS
from apps.opendata.roles import OPENDATA_ROLE_PERMISSIONS

manifest = Manifest(
    datasets=[GRIEVANCES, FIELD_VISITS, INDICATORS],
    pages=[
        Surface(
            key="open-data",
            title=_("Open data"),
            description=_(
                "De-identified counts of citizen reports, field visits and sensor indicators to download as "
                "CSV, JSON or GeoJSON, with a data dictionary and an open license."
            ),
            url_name="opendata:index",
            visible=lambda user: True,
            order=60,
        ),
        Surface(
            key="open-data-releases",
            title=_("Open-data releases"),
            description=_("Drafts waiting for a steward: k, suppressed records and re-identification risk."),
            url_name="opendata:releases",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("opendata.approve_release")),
            order=70,
        ),
    ],
    roles=OPENDATA_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    periodic_tasks=[
        PeriodicTask(
            "opendata-releases-produce",
            "apps.opendata.tasks.releases_produce_daily_task",
            timedelta(hours=1),
            "draft releases of every dataset for yesterday, for a data steward to approve; hourly, so the first run "
            "after local midnight drafts the day whatever the time zone (a day already drafted is left alone)",
            expires=3000,
        )
    ],
)
