"""Classification of the water-supply fixture app (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, PUBLIC, classify

CLASSIFICATION = (
    classify("water.PressureSensor", {"id source code name region": PUBLIC}),
    classify("water.PressureReading", {"id sensor observed_at kpa": INTERNAL}),
)
