"""Classification of regions (see apps/core/classification.py)."""

from apps.core.classification import PUBLIC, classify

CLASSIFICATION = (
    classify(
        "regions.Region",
        {
            "id created_at updated_at code name_zh name_en level depth parent path population area_km2 geometry "
            "geometry_simplified centroid_lon centroid_lat bbox": PUBLIC,
        },
    ),
)
