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
    # An address list is public by nature (门牌地址, as on the buildings): the citizen portal's search finds it.
    classify("regions.Address", {"id created_at updated_at text_zh text_en search_text lon lat region": PUBLIC}),
)
