from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications and webhooks")
    url_prefix = "notifications/"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from apps.grievances.models import GrievanceEvent
        from apps.notifications.listeners import grievance_event_saved

        # The report timeline is written by apps/grievances/services.py; integrators follow it from here.
        post_save.connect(grievance_event_saved, sender=GrievanceEvent, dispatch_uid="notifications.grievance")
