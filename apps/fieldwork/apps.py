from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "apps.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")
    url_prefix = "field/"

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.surfaces import Surface, register_surface
        from apps.fieldwork.roles import FIELDWORK_ROLE_PERMISSIONS
        from apps.fieldwork.services import assignment_for_alert
        from apps.indicators.alerting import register_transition_listener

        register_role_permissions(FIELDWORK_ROLE_PERMISSIONS)
        from apps.fieldwork.discrepancies import RULE
        from apps.indicators.discrepancies import register_discrepancy_rule

        register_discrepancy_rule(RULE)
        from apps.dashboards.selectors import register_ground_truth_extension
        from apps.fieldwork.selectors import ground_extension

        register_ground_truth_extension(ground_extension)
        from apps.fieldwork.selectors import source_trust_for_domain
        from apps.indicators.trust import register_source_trust

        register_source_trust(source_trust_for_domain)
        from datetime import timedelta

        from apps.core.simulation import Simulator, register_simulator
        from apps.fieldwork.simulator import step

        register_simulator(Simulator(name="fieldwork.officers", every=timedelta(minutes=2), step=step))
        register_surface(
            Surface(
                key="field",
                title=_("Field app"),
                description=_("Your assignments, and visits recorded on the phone — with or without signal."),
                url_name="fieldwork:app",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("fieldwork.add_visit")),
                order=15,
            )
        )
        register_surface(
            Surface(
                key="field-review",
                title=_("Visit review"),
                description=_("Flagged visits waiting for a supervisor, and what officers' visits found."),
                url_name="fieldwork:review",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("fieldwork.review_visit")),
                order=26,
            )
        )
        register_surface(
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
            )
        )
        from apps.core.retention import Retention, register_retention
        from apps.fieldwork.services import visits_erase_personal_data

        register_retention(
            Retention(
                name="fieldwork.visits",
                description=_(
                    "Decided visits: contacts of people met and photos erased, notes masked, positions "
                    "coarsened to about 100 m; verdicts, flags and photo hashes stay."
                ),
                erase=visits_erase_personal_data,
            )
        )
        from apps.fieldwork.photos import visit_photo_files_sweep

        register_retention(
            Retention(
                name="fieldwork.photo_files",
                description=_(
                    "Visit photo files no visit refers to (a failed upload could leave one behind before "
                    "files were written with their rows): erased an hour after they were written."
                ),
                erase=visit_photo_files_sweep,
            )
        )
        # An alert sent for verification becomes an assignment for the officers of its region.
        register_transition_listener(action="request_verification", listener=assignment_for_alert)
