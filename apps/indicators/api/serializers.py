from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import TextField
from apps.indicators.models import Alert, Granularity
from apps.regions.models import Region


class SeriesInputSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="region code")
    granularity = serializers.ChoiceField(choices=Granularity.choices, default=Granularity.MINUTE)
    start = serializers.DateTimeField(required=False, help_text="ISO 8601; default: one window before end")
    end = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now")

    def validate(self, data: dict) -> dict:
        for name in ("start", "end"):
            if name in data and not 2000 <= data[name].year <= 2100:
                raise serializers.ValidationError({name: ["must be between the years 2000 and 2100"]})
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise serializers.ValidationError({"start": ["must be before end"]})
        return data


class SeriesPointSerializer(serializers.Serializer):
    bucket_start = serializers.DateTimeField()
    value = serializers.FloatField()
    count = serializers.IntegerField()
    min = serializers.FloatField()
    max = serializers.FloatField()


class LatestInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["city", "district", "street", "community"], default="district")


class AlertFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["active", "resolved", "all"], default="active")


class AlertOutputSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    title = serializers.CharField(read_only=True)
    inhibited_by: serializers.PrimaryKeyRelatedField[Alert] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="the alert on an ancestor region that holds this one back (hierarchical inhibition)"
    )

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "indicator", "region", "subject", "severity", "status", "verdict", "inhibited_by",
            "title", "title_zh", "title_en", "value", "threshold", "details", "opened_at", "last_breach_at",
            "acknowledged_at", "verification_requested_at", "verified_at", "resolved_at",
        ]  # fmt: skip


class AlertTransitionInputSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=1000)
