from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    url_prefix = ""  # its pages sit at the root
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every installed app's manifest into the registries (a name taken twice stops here), and their periodic
        # tasks into Celery's beat schedule.
        from apps.core.plugins import beat_schedule, manifests_load
        from cityops.celery import app as celery_app

        manifests_load()
        celery_app.conf.beat_schedule = beat_schedule()
