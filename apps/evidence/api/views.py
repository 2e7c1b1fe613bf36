"""Phones register their signing keys; anyone may read the server's public key (an inspector compares its
fingerprint with the one in an evidence package)."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api_views import PermissionApi
from apps.core.throttling import PUBLIC_THROTTLES
from apps.evidence.inputs import DeviceRegistrationSerializer, device_registration_parse
from apps.evidence.keys import ALGORITHM, public_key_pem, server_key, server_key_id
from apps.evidence.models import Device
from apps.evidence.package import VERIFIER
from apps.evidence.services import device_register


class DeviceSerializer(serializers.ModelSerializer):
    registered_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Device
        fields = ["key_id", "label", "registered_at", "revoked_at"]


class DeviceRegisterApi(PermissionApi):
    """Register the public key a phone's field app made (WebCrypto, non-extractable private key). The phone
    proves it holds the private key by signing the canonical JSON `cityops-device/1`: {"format", "officer",
    "public_key", "label", "created_at"}. The same key again answers 200 with the stored device. Audited."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(
        request=DeviceRegistrationSerializer,
        responses={
            201: DeviceSerializer,
            200: DeviceSerializer,
            400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}'),
        },  # fmt: skip
    )
    def post(self, request: Request) -> Response:
        device, created = device_register(officer=request.user, registration=device_registration_parse(request.data))
        return Response(
            DeviceSerializer(device).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DeviceListMineApi(PermissionApi):
    """The signed-in officer's registered phones, revoked ones included (the app learns its key was revoked)."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(responses=DeviceSerializer(many=True))
    def get(self, request: Request) -> Response:
        devices = Device.objects.filter(officer_id=request.user.pk).order_by("-created_at")
        return Response(DeviceSerializer(devices, many=True).data)


class ServerKeySerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    key_id = serializers.CharField(help_text="SHA-256 of the public key's DER encoding, hex")
    public_key_pem = serializers.CharField()
    verifier_sha256 = serializers.CharField(help_text="SHA-256 of verify_evidence.py as this server hands it out")


class ServerKeyApi(APIView):
    """The public half of the key this server countersigns visits with: compare its fingerprint with the one
    an evidence package names (`verify_evidence.py` prints it)."""

    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(responses=ServerKeySerializer)
    def get(self, request: Request) -> Response:
        key = server_key()
        return Response(
            {
                "algorithm": ALGORITHM,
                "key_id": server_key_id(),
                "public_key_pem": public_key_pem(key),
                "verifier_sha256": hashlib.sha256(VERIFIER.read_bytes()).hexdigest(),
            }
        )


class VerifierApi(APIView):
    """verify_evidence.py, the inspector's checker (Python standard library and `cryptography`): get it from
    here, not from a package someone sent, and compare its SHA-256 with `verifier_sha256` above."""

    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(responses={(200, "text/x-python"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(VERIFIER.read_bytes(), content_type="text/x-python; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="verify_evidence.py"'
        return response
