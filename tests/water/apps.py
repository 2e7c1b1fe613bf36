"""A small domain kept with the tests: water-supply pressure. It proves the plugin contract (apps/core/plugins.py):
the app is enabled by listing it in INSTALLED_APPS (tests/settings.py) and nothing else — its feed, indicator,
page, role permission, periodic task and field labels all come from its manifest."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterConfig(AppConfig):
    name = "tests.water"
    label = "water"
    verbose_name = _("Water supply")
    url_prefix = "water/"
