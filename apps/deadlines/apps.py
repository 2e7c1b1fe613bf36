from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "apps.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines and working calendar")
    url_prefix = "deadlines/"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.deadlines.seed import calendar_seed

        # the calendar's years from the chinese-calendar package, after every migrate and after a test's flush
        post_migrate.connect(calendar_seed, dispatch_uid="deadlines.calendar_seed")
