"""What field work contributes (apps/core/plugins.py): its pages, roles and labels, what the screens learn from
visits (ground truth, source trust, a discrepancy rule), assignments for alerts sent for verification, the
officers' simulator, and the retention of visits' personal data."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.retention import Retention
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface
from apps.fieldwork.classification import CLASSIFICATION
from apps.fieldwork.discrepancies import RULE
from apps.fieldwork.photos import visit_photo_files_sweep
from apps.fieldwork.roles import FIELDWORK_ROLE_PERMISSIONS
from apps.fieldwork.selectors import ground_extension, source_trust_for_domain
from apps.fieldwork.services import assignment_for_alert, visits_erase_personal_data
from apps.fieldwork.simulator import step
from apps.indicators.alerting import AlertListener

manifest = Manifest(
    simulators=[Simulator(name="fieldwork.officers", every=timedelta(minutes=2), step=step)],
    pages=[
        Surface(
            key="field",
            title=_("Field app"),
            description=_("Your assignments, and visits recorded on the phone — with or without signal."),
            url_name="fieldwork:app",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("fieldwork.add_visit")),
            order=15,
        ),
        Surface(
            key="field-review",
            title=_("Visit review"),
            description=_("Flagged visits waiting for a supervisor, and what officers' visits found."),
            url_name="fieldwork:review",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("fieldwork.review_visit")),
            order=26,
        ),
        Surface(
            key="field-dispatch",
            title=_("Dispatch"),
            description=_(
                "Plan visits to communities, hand assignments to officers, and see each data "
                "source and district against the ground."
            ),
            url_name="fieldwork:dispatch",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("fieldwork.add_assignment")),
            order=27,
        ),
    ],
    roles=FIELDWORK_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    retention=[
        Retention(
            name="fieldwork.visits",
            description=_(
                "Decided visits: contacts of people met and photos erased, notes masked, positions "
                "coarsened to about 100 m; verdicts, flags and photo hashes stay."
            ),
            erase=visits_erase_personal_data,
        ),
        Retention(
            name="fieldwork.photo_files",
            description=_(
                "Visit photo files no visit refers to (a failed upload could leave one behind before "
                "files were written with their rows): erased an hour after they were written."
            ),
            erase=visit_photo_files_sweep,
        ),
    ],
    discrepancy_rules=[RULE],
    trust_sources=[source_trust_for_domain],
    ground_truth=[ground_extension],
    # an alert sent for verification becomes an assignment for the officers of its region
    alert_listeners=[AlertListener(on="transition", key="request_verification", call=assignment_for_alert)],
    periodic_tasks=[
        PeriodicTask(
            "fieldwork-visit-checks-sweep",
            "apps.fieldwork.tasks.visits_checks_sweep_task",
            timedelta(minutes=5),
            "visits a worker left unchecked (gone between the commit and the checks) are checked and decided",
            expires=240,
        )
    ],
)
