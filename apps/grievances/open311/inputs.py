"""A GeoReport v2 service request as posted, parsed into a frozen value before grievance_submit sees it.

The request's own rules are checked here (a service code; lat and long both numbers; some location). The rules
the portal shares (contact, address, description, the category's questions) stay in grievance_submit, so both
channels refuse the same things in the same words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

# The request's parameters as posted (an empty one counts as absent, as the spec's clients send them).
PARAMETERS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
    "email",
)


@dataclass(frozen=True)
class ServiceRequestInput:
    service_code: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    description: str = ""
    name: str = ""  # first and last name, as one
    phone: str = ""
    email: str = ""
    # The category's questions by code: one answer, or several for a multi-valued list (checked by the service
    # against the category's definition).
    attributes: Mapping[str, str | list[str]] = field(default_factory=dict)


class _Coordinate(serializers.FloatField):
    default_error_messages = dict.fromkeys(
        ("invalid", "max_string_length", "overflow"), "lat and long must both be numbers (WGS84 degrees)"
    )


class _Param(serializers.CharField):
    """A text parameter as posted, trimmed. Its text is checked by grievance_submit as the portal's is (a NUL, a
    byte that is not UTF-8, lengths), so both channels say the same; DRF's own checks of it are left out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        unchecked = (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)
        self.validators = [v for v in self.validators if not isinstance(v, unchecked)]


class ServiceRequestSerializer(serializers.Serializer):
    """POST /open311/v2/requests.{format}: the parameters GeoReport v2 defines (and `attribute[code]`)."""

    service_code = _Param()
    lat = _Coordinate(required=False)
    long = _Coordinate(required=False)
    address_string = _Param(required=False)
    address_id = _Param(required=False)
    description = _Param(required=False)
    first_name = _Param(required=False)
    last_name = _Param(required=False)
    phone = _Param(required=False)
    email = _Param(required=False)
    attributes = serializers.DictField(child=serializers.JSONField(), required=False)

    def validate(self, attrs: dict[str, Any]) -> ServiceRequestInput:
        lat, lon = attrs.get("lat"), attrs.get("long")
        if (lat is None) != (lon is None):
            raise serializers.ValidationError({"lat": [_("lat and long must both be numbers (WGS84 degrees)")]})
        address = attrs.get("address_string") or attrs.get("address_id") or ""
        if lat is None and not address:
            raise serializers.ValidationError(
                {"lat": [_("a location is required: lat and long, address_string or address_id")]}
            )
        name = " ".join(part for part in (attrs.get("first_name"), attrs.get("last_name")) if part)
        return ServiceRequestInput(
            service_code=attrs["service_code"],
            lat=lat,
            lon=lon,
            address=address,
            description=attrs.get("description", ""),
            name=name,
            phone=attrs.get("phone", ""),
            email=attrs.get("email", ""),
            attributes=attrs.get("attributes", {}),
        )


def service_request_problems(errors: Mapping[str, Any]) -> list[str]:
    """The serializer's errors as Open311 descriptions: the service code alone when it is missing (nothing else
    can be read without it), else one per parameter, each as its message."""
    if "service_code" in errors:
        return [_("service_code is required")]
    problems: list[str] = []
    for messages in errors.values():
        message = str(messages[0]) if isinstance(messages, list) else str(next(iter(messages.values()))[0])
        if message not in problems:
            problems.append(message)
    return problems
