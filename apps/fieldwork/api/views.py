from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.roles import Role
from apps.accounts.selectors import regions_scope
from apps.core.api_views import PermissionApi
from apps.core.classification import ClassifiedSerializerMixin
from apps.core.errors import ApplicationError
from apps.core.photos import MAX_PHOTO_BYTES, MB
from apps.core.serializers import TextField
from apps.core.text import parse_id
from apps.evidence.inputs import signed_visit_parse
from apps.fieldwork.inputs import VisitInputSerializer, field_messages, visit_input_parse
from apps.fieldwork.models import Assignment, Flag, Visit, VisitPhoto
from apps.fieldwork.photos import visit_photo_receive, visit_photo_withdraw
from apps.fieldwork.selectors import (
    flags_for_viewer,
    ground_by_region_for_user,
    ground_by_source,
    is_uuid,
    visits_for_officer,
)
from apps.fieldwork.services import (
    assignment_reassign,
    assignments_for_officer,
    assignments_plan,
    visit_record,
    visit_review,
)
from apps.regions.models import Region


@extend_schema_field(OpenApiTypes.STR)
class _OfficerField(serializers.SlugRelatedField):
    def get_queryset(self) -> Any:
        return get_user_model().objects.filter(is_active=True, groups__name=Role.FIELD_OFFICER).distinct()


class PlanSerializer(serializers.Serializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="a community or street code")  # fmt: skip
    due_at = serializers.DateTimeField()
    weeks = serializers.IntegerField(min_value=1, max_value=12, default=1)
    evidence = TextField(max_length=300, required=False, allow_blank=True)
    assignee = _OfficerField(
        slug_field="username",
        required=False,
        allow_null=True,
        help_text="a field officer's username; left out: the least busy officer of the area",
    )


class AssigneeSerializer(serializers.Serializer):
    assignee = _OfficerField(slug_field="username", allow_null=True)


class AssignmentSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "kind", "status", "title_zh", "title_en", "alert", "grievance", "region", "lon", "lat",
                  "radius_m", "due_at", "evidence", "assignee"]  # fmt: skip

    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)


class VisitPhotoSerializer(serializers.ModelSerializer):
    """A declared photo and whether its bytes arrived (`received_at` null: the visit still waits for it)."""

    class Meta:
        model = VisitPhoto
        fields = ["index", "name", "sha256", "size", "received_at"]


class VisitSerializer(ClassifiedSerializerMixin, serializers.ModelSerializer):
    """Positions leave rounded to about 1 km (an officer's movements are a location track). `status` is
    `waiting` until every declared photo arrived."""

    flags = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["uuid", "assignment", "status", "started_at", "ended_at", "received_at", "checkin_lon",
                  "checkin_lat", "checkin_accuracy_m", "people", "notes", "follow_up", "flags", "findings",
                  "photos"]  # fmt: skip

    def get_flags(self, visit: Visit) -> list[dict]:
        """Through the viewer's scope: another district's visit a flag's evidence names is not named."""
        request = self.context.get("request")
        shown = flags_for_viewer(flags=list(visit.flags.all()), user=getattr(request, "user", None))
        return [{"code": f["code"], "evidence": f["evidence"]} for f in shown]

    def get_findings(self, visit: Visit) -> list[dict]:
        return [{"alert": f.alert_id, "grievance": f.grievance_id, "indicator": f.indicator, "verdict": f.verdict,
                 "observed_value": f.observed_value, "applied": f.applied} for f in visit.findings.all()]  # fmt: skip


class AssignmentListApi(PermissionApi):
    """GET: the signed-in officer's open assignments — their own and unassigned ones in their regions, soonest
    due. POST (dispatchers, `fieldwork.add_assignment`): planned visits to a community or street — one, or one
    a week for `weeks` weeks — for the named officer, or the least busy officer covering it."""

    permissions = ("fieldwork.view_assignment",)

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AssignmentSerializer(assignments_for_officer(user=request.user), many=True).data)

    @extend_schema(
        request=PlanSerializer,
        responses={
            201: AssignmentSerializer(many=True),
            400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}'),
        },  # fmt: skip
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm("fieldwork.add_assignment"):
            self.permission_denied(request)
        plan = PlanSerializer(data=request.data)
        plan.is_valid(raise_exception=True)
        data = plan.validated_data
        made = assignments_plan(region=data["region"], user=request.user, due_at=data["due_at"],
                                evidence=data.get("evidence", ""), assignee=data.get("assignee"),
                                weeks=data.get("weeks", 1))  # fmt: skip
        return Response(AssignmentSerializer(made, many=True).data, status=status.HTTP_201_CREATED)


class AssigneeApi(PermissionApi):
    """Hand an open assignment to an officer covering its region (`{"assignee": "username"}`), or back to the
    area's pool (`{"assignee": null}`)."""

    permissions = ("fieldwork.change_assignment",)

    @extend_schema(request=AssigneeSerializer, responses={200: AssignmentSerializer, 404: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        assignment = regions_scope(Assignment.objects.all(), user=request.user).filter(pk=pk).first()
        if assignment is None:
            return Response({"detail": "no such assignment in your regions"}, status=status.HTTP_404_NOT_FOUND)
        body = AssigneeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = assignment_reassign(assignment=assignment, assignee=body.validated_data["assignee"],
                                         user=request.user)  # fmt: skip
        return Response(AssignmentSerializer(assignment).data)


class GroundApi(PermissionApi):
    """Screen against ground over the last 30 days: per data source (alerts, share verified in person, median
    hours to verify, contradiction rate, trust score, days since a check) and per district (the same, days
    since the last accepted visit, screen-only)."""

    permissions = ("fieldwork.view_visit",)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response({"sources": ground_by_source(), "regions": ground_by_region_for_user(user=request.user)})


class VisitRecordApi(PermissionApi):
    """Record an in-person visit. Idempotent by the device-made `uuid`: the same visit sent again (a retry, an
    offline queue replayed) answers 200 with the stored visit, never a second one. Photos are declared here
    (index, SHA-256 of the original bytes, name) and uploaded on their own; the visit answers `status: waiting`
    until all arrived. Flagged visits wait for review (`status: review`).

    Signed (`format` and `signature`): the phone's key signs the canonical JSON of the body without `signature`,
    `sent_at` and `people_contact` (README "Signed field evidence"); a signature that fails is a 400 on the
    field `signature`, a key nobody registered is accepted and flagged for review."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(
        request=VisitInputSerializer,
        responses={201: VisitSerializer, 200: VisitSerializer,
                   400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}')},  # fmt: skip
        examples=[OpenApiExample("a visit", request_only=True, value={
            "uuid": "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10", "assignment": 12,
            "started_at": "2026-11-29T09:00:00+08:00", "ended_at": "2026-11-29T09:25:00+08:00",
            "sent_at": "2026-11-29T09:26:00+08:00", "checkin": {"lon": 118.78, "lat": 32.06, "accuracy": 12},
            "people": [{"kind": "residents", "count": 3}], "notes": "…",
            "findings": [{"alert": 40, "verdict": "contradicted", "observed_value": 35, "comment": "…"}],
            "photos": [{"index": 0, "name": "street.jpg",
                        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]})],
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        visit = visit_input_parse(request.data)
        recorded = visit_record(officer=request.user, visit=visit, signed=signed_visit_parse(request.data))
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(VisitSerializer(recorded.visit, context={"request": request}).data, status=code)


class OwnVisitSerializer(serializers.ModelSerializer):
    """One of the officer's own visits as the field app lists it: no positions, contacts or notes (the phone
    had them; the list only says what became of the visit)."""

    title_zh = serializers.SerializerMethodField()
    title_en = serializers.SerializerMethodField()
    photos_declared = serializers.SerializerMethodField()
    photos_received = serializers.SerializerMethodField()
    verdicts = serializers.SerializerMethodField()
    region_zh = serializers.SerializerMethodField()
    region_en = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["uuid", "assignment", "title_zh", "title_en", "region_zh", "region_en", "status", "started_at",
                  "ended_at", "received_at", "reviewed_at", "review_reason", "photos_declared", "photos_received",
                  "verdicts", "flags"]  # fmt: skip

    def get_region_zh(self, visit: Visit) -> str:
        """The region the visit was checked in (a visit without an assignment is known by it)."""
        return visit.region.name_zh if visit.region else ""

    def get_region_en(self, visit: Visit) -> str:
        return (visit.region.name_en or visit.region.name_zh) if visit.region else ""

    def get_flags(self, visit: Visit) -> list[str]:
        """Why the visit waits for review, as the flags' kinds in the officer's language ("implausibly short
        stay"), never the reviewer's detailed evidence (which may name other officers' visits)."""
        names = dict(Flag.Code.choices)
        codes = list(dict.fromkeys(f.code for f in visit.flags.all()))
        return [str(names.get(code, code)) for code in codes]

    def get_title_zh(self, visit: Visit) -> str:
        return visit.assignment.title_zh if visit.assignment else ""

    def get_title_en(self, visit: Visit) -> str:
        return visit.assignment.title_en if visit.assignment else ""

    def get_photos_declared(self, visit: Visit) -> int:
        return len(visit.photos.all())

    def get_photos_received(self, visit: Visit) -> int:
        return sum(1 for p in visit.photos.all() if p.received_at is not None)

    def get_verdicts(self, visit: Visit) -> list[str]:
        return [f.verdict for f in visit.findings.all()]


class VisitListMineApi(PermissionApi):
    """The signed-in officer's own visits of the last 30 days, newest first (at most 100), each with its state on
    the server: `waiting` (photos still to come), `accepted`, `review` (flagged: a supervisor looks first) or
    `rejected` with the reviewer's `review_reason`. Never another officer's visit."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(responses=OwnVisitSerializer(many=True))
    def get(self, request: Request) -> Response:
        visits = visits_for_officer(user=request.user).select_related("region").prefetch_related("flags")
        return Response(OwnVisitSerializer(visits, many=True).data)


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"the photo's original bytes, at most {MAX_PHOTO_BYTES // MB} MB")


class PhotoReceivedSerializer(VisitPhotoSerializer):
    visit = VisitSerializer(read_only=True)

    class Meta(VisitPhotoSerializer.Meta):
        fields = [*VisitPhotoSerializer.Meta.fields, "visit"]


class VisitPhotoApi(PermissionApi):
    """One declared photo of the signed-in officer's visit, by the visit's UUID and the photo's index: sent
    (PUT) or withdrawn (DELETE). Another officer's visit, or an index the visit did not declare: 404."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(
        description="The photo's original bytes as the multipart part `file`, checked against the SHA-256 the "
        "visit declared. Idempotent: 201 when stored, 200 with the stored photo when sent again (nothing stored "
        "twice), so a device that lost the answer simply sends it again. At most 20 MB (413). The answer carries "
        "the visit: `waiting` until its last photo arrived, then `accepted` or `review`.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: PhotoReceivedSerializer,
            200: PhotoReceivedSerializer,
            400: OpenApiResponse(
                description='{"detail", "errors": {"file": [message]}}: not the declared bytes '
                "(SHA-256), not a JPEG/PNG/WebP photo, an impossible EXIF time"
            ),
            404: OpenApiResponse(description="no such visit of yours, or no photo of that index declared"),
            413: OpenApiResponse(description='{"detail", "errors": {"file": [message]}, "limit_bytes"}'),
        },
    )
    def put(self, request: Request, uuid: str, index: int) -> Response:
        photo = _declared_photo(request, uuid, index)
        if photo is None:
            return _no_such_photo()
        if parse_id(request.META.get("CONTENT_LENGTH")) > MAX_PHOTO_BYTES + MULTIPART_SLACK:
            return _too_large()  # refused before the body is parsed
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(_("send the photo as the multipart part `file`"), fields={"file": [_("required")]})
        if upload.size > MAX_PHOTO_BYTES:
            return _too_large()
        received = visit_photo_receive(officer=request.user, photo=photo, content=upload.read())
        code = status.HTTP_201_CREATED if received.created else status.HTTP_200_OK
        return Response(PhotoReceivedSerializer(received.photo, context={"request": request}).data, status=code)

    @extend_schema(
        description="Withdraw a declared photo that never arrived (refused, lost from the phone): the visit stops "
        "waiting for it, and is complete if it was the last one missing. Answers the visit.",
        responses={
            200: VisitSerializer,
            400: OpenApiResponse(description="the photo was received: it stays"),
            404: OpenApiResponse(description="no such visit of yours, or no such photo (any more)"),
        },
    )
    def delete(self, request: Request, uuid: str, index: int) -> Response:
        photo = _declared_photo(request, uuid, index)
        if photo is None:
            return _no_such_photo()
        visit = visit_photo_withdraw(officer=request.user, photo=photo)
        return Response(VisitSerializer(Visit.objects.get(pk=visit.pk), context={"request": request}).data)


MULTIPART_SLACK = 64 * 1024  # the multipart envelope around the file: boundaries, part headers


def _declared_photo(request: Request, uuid: str, index: int) -> VisitPhoto | None:
    """The photo of that index declared by one of the officer's own visits (another officer's: none)."""
    if not is_uuid(uuid):
        return None
    officer = cast(User, request.user)  # PermissionApi: signed in
    return VisitPhoto.objects.filter(visit__uuid=uuid, visit__officer=officer, index=index).first()


def _no_such_photo() -> Response:
    return Response({"detail": _("no such photo of a visit of yours")}, status=status.HTTP_404_NOT_FOUND)


def _too_large() -> Response:
    message = _("a photo is at most %(mb)s MB") % {"mb": MAX_PHOTO_BYTES // MB}
    return Response(
        {"detail": message, "errors": {"file": [message]}, "limit_bytes": MAX_PHOTO_BYTES},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class VisitReviewApi(PermissionApi):
    """A supervisor accepts a flagged visit (its findings count from then on) or rejects it with a reason."""

    permissions = ("fieldwork.review_visit",)

    @extend_schema_serializer(component_name="VisitReviewInput")
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(
            choices=["accept", "reject"],
            error_messages=dict.fromkeys(("required", "null", "invalid_choice"), "accept or reject"),
        )
        reason = TextField(
            max_length=500, required=False, allow_blank=True, help_text="required to reject; the officer sees it"
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: VisitSerializer,
            400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}'),
            404: OpenApiResponse(description="no such visit in your regions"),
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        visits = regions_scope(Visit.objects.filter(uuid=uuid), user=request.user) if is_uuid(uuid) else None
        visit = visits.first() if visits is not None else None
        if visit is None:
            return Response({"detail": "no such visit in your regions"}, status=status.HTTP_404_NOT_FOUND)
        body = self.InputSerializer(data=request.data)
        if not body.is_valid():
            raise ApplicationError("decision is accept or reject", fields=field_messages(body.errors))
        decision = body.validated_data
        visit = visit_review(
            visit=visit,
            supervisor=request.user,
            accept=decision["decision"] == "accept",
            reason=decision.get("reason", ""),
        )
        return Response(VisitSerializer(visit, context={"request": request}).data)
