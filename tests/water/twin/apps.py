from django.apps import AppConfig


class WaterTwinConfig(AppConfig):
    """A second app that declares the water app's indicator again: the start must stop (tests/water/)."""

    name = "tests.water.twin"
    label = "water_twin"
