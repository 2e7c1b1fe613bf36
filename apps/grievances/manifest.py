"""What the grievances app contributes (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.demo import DemoSeeder
from apps.core.errors import ErrorFormat
from apps.core.plugins import Manifest, PeriodicTask
from apps.core.retention import Retention
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface
from apps.grievances import indicators
from apps.grievances.classification import CLASSIFICATION
from apps.grievances.demo import seed_demo_grievances
from apps.grievances.discrepancies import RULE
from apps.grievances.open311.views import is_open311_answer, open311_error_body
from apps.grievances.roles import GRIEVANCE_ROLE_PERMISSIONS
from apps.grievances.services import grievances_erase_personal_data
from apps.grievances.simulator import step

manifest = Manifest(
    indicators=[
        indicators.OPEN,
        indicators.OVERDUE,
        indicators.NEW_TODAY,
        indicators.RESOLVED,
        indicators.RATINGS,
        indicators.RESOLVE_HOURS,
        indicators.SATISFACTION,
        indicators.REPEAT,
    ],
    simulators=[Simulator(name="grievances.citizens", every=timedelta(seconds=60), step=step)],
    seeders=[DemoSeeder(name="grievances.demo_categories", order=47, seed=seed_demo_grievances)],
    pages=[
        Surface(
            key="report",
            title=_("Report a problem"),
            description=_("Tell the city about a problem, get a tracking code, follow it and rate the outcome."),
            url_name="grievances:report",
            visible=lambda user: True,
            order=55,
        ),
        Surface(
            key="performance",
            title=_("How departments answer citizens"),
            description=_("接诉即办 rates each month, as departments claim them and as independent checks find them."),
            url_name="grievances:performance",
            visible=lambda user: True,
            order=56,
        ),
        Surface(
            key="callbacks",
            title=_("Callbacks to check resolutions"),
            description=_("Call citizens back about a sample of resolved reports of other departments."),
            url_name="grievances:callbacks",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("grievances.log_callback")),
            order=26,
        ),
        Surface(
            key="workbench",
            title=_("Grievance workbench"),
            description=_("Your department's citizen reports by due time: assign, reply, merge, escalate."),
            url_name="grievances:workbench",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("grievances.handle_grievance")),
            order=25,
        ),
    ],
    roles=GRIEVANCE_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    retention=[
        Retention(
            name="grievances.reports",
            description=_(
                "Finished reports: the reporter's contact and photos erased, texts masked, the typed "
                "address dropped, the point coarsened to about 100 m; category, region, times, "
                "status and rating stay."
            ),
            erase=grievances_erase_personal_data,
        )
    ],
    discrepancy_rules=[RULE],
    # every answer under /open311/ in the Open311 error format, also those no view gives (apps/core/errors.py)
    error_formats=[ErrorFormat(prefix="/open311/", render=open311_error_body, owns=is_open311_answer)],
    periodic_tasks=[
        PeriodicTask(
            "grievances-observe",
            "apps.grievances.tasks.observe_task",
            timedelta(minutes=1),
            "the grievance indicators recounted for every region",
            expires=50,
        ),
    ],
)
