"""Classification of healthcare capacity (aggregates only, no patient data) (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, PUBLIC, Grade, Label, classify

CLASSIFICATION = (
    # A city's hospital capacity and fever-clinic counts, day by day, are public-health surveillance: important data.
    classify(
        "healthcare.Facility",
        {
            "id created_at updated_at code name_zh name_en kind lon lat region address source": PUBLIC,
            "beds icu_beds emergency fever_clinic": INTERNAL,
        },
    ),
    classify(
        "healthcare.CapacitySnapshot",
        {
            "id facility observed_at beds_occupied icu_occupied er_waiting er_wait_minutes fever_clinic_visits": Label(
                Grade.IMPORTANT
            ),
        },
    ),
    classify("healthcare.FeverDay", {"id facility day visits": Label(Grade.IMPORTANT)}),
)
