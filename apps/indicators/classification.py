"""Classification of indicators, alerts and data sources (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, classify

CLASSIFICATION = (
    classify(
        "indicators.IndicatorValue",
        {
            "id indicator region granularity bucket_start count sum min max last_value last_at updated_at": INTERNAL,
        },
    ),
    classify("indicators.PendingRollup", {"id indicator region minute": INTERNAL}),
    classify("indicators.PendingHistoryRollup", {"id indicator region hour": INTERNAL}),
    classify(
        "indicators.Alert",
        {
            "id created_at updated_at kind indicator region subject severity status title_zh title_en value threshold "
            "details opened_at last_breach_at acknowledged_at verification_requested_at verified_at "
            "resolved_at": INTERNAL,
            "acknowledged_by verification_requested_by resolved_by": INTERNAL,
            "verdict inhibited_by due_at": INTERNAL,
        },
    ),
    classify(
        "indicators.DataSource",
        {
            "id created_at updated_at code name_zh name_en domain department": INTERNAL,
            "expected_interval_s flatline_after_s": INTERNAL,
        },
    ),
    classify(
        "indicators.SourceSensor",
        {
            "id created_at updated_at source code region last_seen last_value same_value_since "
            "out_of_range_at": INTERNAL,
        },
    ),
    classify("indicators.SensorActivity", {"id sensor hour_start received out_of_range": INTERNAL}),
)
