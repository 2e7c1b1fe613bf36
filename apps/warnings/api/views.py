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


class StrictCharField(serializers.CharField):
    """A text that must be sent as a JSON string: a number, boolean or list is refused (400 naming the field), not
    turned into "5", "True" or "inf"."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class PublicWarningApproveApi(PermissionApi):
    """Approve a waiting public warning with its texts (each optional: an omitted one stays as drafted) and publish
    its CAP message (the first Alert, or the Update or Cancel that waits). `level`, optional: the draft's level the
    caller read; refused when the draft changed since. 403 without the permission, 404 outside the caller's
    regions, 400 for a text that is not a string, too long, empty, holding personal data or a character that
    cannot be published, a draft whose alert got worse, or a warning no longer waiting; nothing changes then.
    Audited."""

    permissions = (APPROVE,)

    class InputSerializer(serializers.Serializer):
        headline_zh = StrictCharField(max_length=HEADLINE_MAX, required=False)
        headline_en = StrictCharField(max_length=HEADLINE_MAX, required=False)
        description_zh = StrictCharField(max_length=DESCRIPTION_MAX, required=False)
        description_en = StrictCharField(max_length=DESCRIPTION_MAX, required=False)
        instruction_zh = StrictCharField(max_length=INSTRUCTION_MAX, required=False, allow_blank=True)
        instruction_en = StrictCharField(max_length=INSTRUCTION_MAX, required=False, allow_blank=True)
        level = serializers.IntegerField(required=False, min_value=0, max_value=100)

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
        message = warning_approve(
            warning=warning, user=request.user, texts=form.texts(), shown_level=form.shown_level()
        )
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
