"""Classification of open-data releases (see apps/core/classification.py).

A release holds only de-identified counts. Its files become public (general data, level 1) when a steward
approves them; until then, and for the steward's decisions, they are internal.
"""

from apps.core.classification import INTERNAL, Grade, Label, Public, classify

# What the public pages and API show of an approved release (drafts and withdrawn ones are not shown at all).
RELEASED = Label(Grade.GENERAL_2, public=Public.AS_IS)


CLASSIFICATION = (
    classify(
        "opendata.Release",
        {
            "id dataset period_start period_end k personal total_records released_records suppressed_records "
            "suppressed_cells generalised_records rows max_risk mean_risk metadata csv_body json_body geojson_body "
            "demo approved_at": RELEASED,
            "created_at updated_at status produced_by approved_by withdrawn_by withdrawn_at withdrawn_reason": INTERNAL,
        },
    ),  # fmt: skip
)
