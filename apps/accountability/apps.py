from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "apps.accountability"
    label = "accountability"
    verbose_name = _("Accountability to citizens")
    url_prefix = "public/"  # the truth panel at /public/, a contest's page at /public/contests/<code>/
