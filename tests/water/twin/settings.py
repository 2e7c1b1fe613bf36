"""The tests' settings with the water app installed twice over (its twin declares the same indicator)."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.water.twin"]  # noqa: F405
