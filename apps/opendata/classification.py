"""Classification of open-data releases (see apps/core/classification.py).

A release holds only de-identified counts. Its files become public (general data, level 1) when a steward
approves them; until then, and for the steward's decisions, they are internal.
"""

from apps.core.classification import INTERNAL, classify

classify("opendata.Release", {
    "id created_at updated_at dataset period_start period_end status k personal total_records released_records "
    "suppressed_records suppressed_cells generalised_records rows max_risk mean_risk metadata csv_body json_body "
    "geojson_body demo produced_by approved_by approved_at withdrawn_by withdrawn_at withdrawn_reason": INTERNAL,
})  # fmt: skip
