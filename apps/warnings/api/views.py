"""Approving a public warning over the API: the same service and rules as the approvers' page."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api_views import PermissionApi
from apps.core.errors import ApplicationError
from apps.warnings.forms import ApprovalForm
from apps.warnings.models import DESCRIPTION_MAX, HEADLINE_MAX, INSTRUCTION_MAX
from apps.warnings.selectors import warning_get_for_user
from apps.warnings.services import APPROVE, WarningTexts, warning_approve


class PublicWarningApproveApi(PermissionApi):
    """Approve a waiting public warning with its texts (each optional: an omitted one stays as drafted) and publish
    its CAP message. 403 without the permission, 404 outside the caller's regions, 400 for a text too long, empty
    or holding personal data, or a warning no longer waiting; nothing changes then. Audited."""

    permissions = (APPROVE,)

    class InputSerializer(serializers.Serializer):
        headline_zh = serializers.CharField(max_length=HEADLINE_MAX, required=False)
        headline_en = serializers.CharField(max_length=HEADLINE_MAX, required=False)
        description_zh = serializers.CharField(max_length=DESCRIPTION_MAX, required=False)
        description_en = serializers.CharField(max_length=DESCRIPTION_MAX, required=False)
        instruction_zh = serializers.CharField(max_length=INSTRUCTION_MAX, required=False, allow_blank=True)
        instruction_en = serializers.CharField(max_length=INSTRUCTION_MAX, required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        identifier = serializers.CharField()
        msg_type = serializers.CharField()
        status = serializers.CharField()
        sent = serializers.DateTimeField()
        url = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}')},
    )
    def post(self, request: Request, pk: int) -> Response:
        warning = warning_get_for_user(user=request.user, pk=pk)
        if warning is None:
            raise Http404
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        drafted = {name: getattr(warning, name) for name in WarningTexts.FIELDS}
        form = ApprovalForm({"decision": "approve", **drafted, **given.validated_data})
        if not form.is_valid():
            errors = {name: [str(m) for m in found] for name, found in form.errors.items()}
            raise ApplicationError(str(next(iter(errors.values()))[0]), fields=errors)
        message = warning_approve(warning=warning, user=request.user, texts=form.texts())
        url = request.build_absolute_uri(reverse("warnings:message", args=[message.identifier]))
        return Response(
            self.OutputSerializer(
                {
                    "identifier": message.identifier,
                    "msg_type": message.msg_type,
                    "status": message.status,
                    "sent": message.sent,
                    "url": url,
                }  # fmt: skip
            ).data
        )
