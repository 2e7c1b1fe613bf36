from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.renderers import StaticHTMLRenderer
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, exception_handler


class _Raises(APIView):
    """A view that raises whatever exception the test gives it."""

    authentication_classes: list = []
    permission_classes: list = []
    exc: Exception = RuntimeError("not set")

    def get(self, request):
        raise self.exc


class _Point(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class _Validates(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        serializer = _Point(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


def call_view(exc: Exception) -> Response:
    view = _Raises.as_view(exc=exc)
    response = view(APIRequestFactory().get("/"))
    response.render()
    return response


def test_application_error_with_fields_is_400_with_detail_and_errors():
    # when
    response = exception_handler(ApplicationError("region unknown", fields={"region": ["no such code"]}), {})

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "region unknown", "errors": {"region": ["no such code"]}}


def test_application_error_without_fields_has_only_detail():
    # when
    response = exception_handler(ApplicationError("nothing to import"), {})

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "nothing to import"}


def test_application_error_raised_in_a_view_reaches_the_client_as_400():
    # when
    response = call_view(ApplicationError("bad input", fields={"code": ["too long"]}))

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "bad input", "errors": {"code": ["too long"]}}


def test_django_validation_error_with_fields_is_400():
    # when
    response = exception_handler(DjangoValidationError({"code": ["taken"], "name": ["required"]}), {})

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "taken", "errors": {"code": ["taken"], "name": ["required"]}}


def test_django_validation_error_without_fields_is_400_under_non_field_errors():
    # when
    response = exception_handler(DjangoValidationError("the dates overlap"), {})

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "the dates overlap", "errors": {"non_field_errors": ["the dates overlap"]}}


def test_django_validation_error_raised_in_a_view_is_400():
    # when
    response = call_view(DjangoValidationError(["first problem", "second problem"]))

    # then
    assert response.status_code == 400
    assert response.data == {
        "detail": "first problem",
        "errors": {"non_field_errors": ["first problem", "second problem"]},
    }


def test_drf_validation_error_has_first_message_as_detail_and_fields_as_errors():
    # given
    request = APIRequestFactory().post("/", {"lon": "east", "lat": ""}, format="json")

    # when
    with translation.override("en"):
        response = _Validates.as_view()(request)

    # then
    assert response.status_code == 400
    assert response.data == {
        "detail": "A valid number is required.",
        "errors": {"lon": ["A valid number is required."], "lat": ["A valid number is required."]},
    }


def test_drf_validation_error_with_a_plain_list_is_400():
    # when
    response = exception_handler(exceptions.ValidationError(["only one thing is wrong"]), {})

    # then
    assert response.status_code == 400
    assert response.data == {"detail": "only one thing is wrong", "errors": ["only one thing is wrong"]}


def test_other_api_exceptions_keep_drf_default_handling():
    # when
    with translation.override("en"):
        not_found = call_view(exceptions.NotFound())
        denied = call_view(exceptions.PermissionDenied("not your region"))
        http404 = exception_handler(Http404(), {})

    # then
    assert not_found.status_code == 404
    assert not_found.data == {"detail": "Not found."}
    assert denied.status_code == 403
    assert denied.data == {"detail": "not your region"}
    assert http404.status_code == 404


def test_unexpected_exceptions_are_not_handled():
    # when / then: None lets Django report a 500 (and the error reach the logs)
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_a_body_over_the_upload_limit_is_413_naming_the_limit(settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

    # when
    with translation.override("en"):
        response = call_view(RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."))

    # then
    assert response.status_code == 413
    assert response.data == {
        "detail": "The request body is larger than the limit of 5.0\xa0MB.",
        "limit_bytes": 5 * 1024 * 1024,
    }


def test_an_error_is_json_whatever_the_client_asked_for():
    # given a view that answers HTML, asked for HTML
    view = _Raises.as_view(exc=exceptions.NotFound(), renderer_classes=[StaticHTMLRenderer])

    # when
    with translation.override("en"):
        response = view(APIRequestFactory().get("/", HTTP_ACCEPT="text/html"))
        response.render()

    # then
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.content == b'{"detail":"Not found."}'


def test_a_page_the_role_may_not_open_says_so_in_the_sites_own_page(client, cast):
    client.force_login(cast["officer"])

    response = client.get("/wall/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert 'name="viewport"' in response.content.decode()  # the site's page, readable on a phone


def test_an_expired_form_explains_what_happened_instead_of_djangos_technical_page(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post("/grievances/", {"description": "路灯不亮"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert "DEBUG" not in response.content.decode()
