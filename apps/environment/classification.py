"""Classification of environmental monitoring (see apps/core/classification.py)."""

from apps.core.classification import PUBLIC, classify

CLASSIFICATION = (
    classify(
        "environment.Station",
        {
            "id created_at updated_at code name_zh name_en kind lon lat region operator source zone": PUBLIC,
        },
    ),
    classify("environment.AirReading", {"id station observed_at pm25 pm10 so2 no2 o3 co": PUBLIC}),
    classify("environment.NoiseReading", {"id station observed_at leq": PUBLIC}),
)
