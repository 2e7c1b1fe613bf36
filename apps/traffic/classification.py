"""Classification of traffic (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, PUBLIC, RESTRICTED, classify

CLASSIFICATION = (
    classify(
        "traffic.RoadSegment",
        {
            "id created_at updated_at code name_zh name_en road_class free_flow_kmh geometry region": PUBLIC,
        },
    ),
    classify("traffic.TrafficSensor", {"id created_at updated_at code kind lon lat segment source region": INTERNAL}),
    classify("traffic.TrafficReading", {"id sensor observed_at speed_kmh volume occupancy": INTERNAL}),
    classify(
        "traffic.TrafficIncident",
        {
            "id created_at updated_at kind severity status source lon lat segment region reported_at confirmed_at "
            "cleared_at verification_alert": INTERNAL,
            "description": RESTRICTED,
        },
    ),
)
