from __future__ import annotations

from rest_framework import serializers

from apps.regions.models import Region


class RegionOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # Named like an attribute of Field (the stubs type it); DRF's metaclass takes declared fields out of the class.
    parent: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )
    centroid = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "level",
            "parent",
            "population",
            "area_km2",
            "centroid",
            "bbox",
        ]

    def get_centroid(self, region: Region) -> list[float]:
        return [region.centroid_lon, region.centroid_lat]


class RegionListFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Region.Level.choices, required=False)
    # Named like an attribute of Field (the stubs type it); DRF's metaclass takes declared fields out of the class.
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, help_text="parent code; empty for top level"
    )


class RegionLookupInputSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
