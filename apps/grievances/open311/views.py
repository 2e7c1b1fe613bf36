"""Open311 GeoReport v2 (../shared/standards/OPEN311.md): discovery, services, service definitions, requests,
tokens — each in XML and JSON. Errors are `[{code, description}]` with 403 (api_key), 404 (unknown service,
request, token or jurisdiction), 405 (a method the resource does not take, with Allow), 429 (too many reads
without an API key, with Retry-After), 413 (a body over the limit) or 400 (anything else); never a 500 for bad
input. Every answer under /open311/ is in this format, also those no view gives (no such URL, a refused body):
`open311_error_body`, registered as the prefix's error format (apps.core.errors).

Reporter data (name, email, phone, device, account) is taken on POST, checked as the portal checks it (one
validation: `grievance_submit`), and never returned; a request is published in its public form
(`grievance_public`): the place as the district and street and a 0.001° grid point, the citizen's numbers
masked. `extensions=true` adds `extended_attributes` (the detailed status and every public photo), as GeoReport
v2 servers commonly do."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.core.clients import rate_limited
from apps.core.errors import ApplicationError
from apps.core.i18n import localized
from apps.core.outages import RETRY_AFTER_S, is_outage
from apps.grievances.models import Category, Grievance
from apps.grievances.open311.inputs import (
    PARAMETERS,
    ServiceRequestInput,
    ServiceRequestSerializer,
    service_request_problems,
)
from apps.grievances.selectors import grievance_public, public_reports_with_notes, status_notes
from apps.grievances.services import answer_range_text, grievance_submit, open311_key_check

# The fields of grievance_submit's errors as the Open311 parameters that carry them.
PARAMETER_OF = {"name": "first_name/last_name", "address": "address_string", "location": "lat/long"}
ID = re.compile(r"[0-9]{1,12}")  # service_request_id: the report's public number (its tracking code stays private)
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000
READ_WINDOW_SECONDS = 60  # CITYOPS_OPEN311_READS_PER_MINUTE: per client, in a window from its first read


class Open311Error(Exception):
    def __init__(
        self, status: int, *descriptions: str, retry_after: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = descriptions
        self.headers = {**(headers or {}), **({"Retry-After": str(retry_after)} if retry_after is not None else {})}


def _render(fmt: str, root: str, item: str | None, rows: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    return HttpResponse(_body(fmt, root, item, rows), status=status, content_type=CONTENT_TYPES[fmt])


def _body(fmt: str, root: str, item: str | None, rows: list[dict[str, Any]]) -> str:
    """A list (`item` names each element in XML), or with `item` None a single object (discovery, a service
    definition): a JSON object, an XML root holding its fields."""
    if fmt == "json":
        return json.dumps(rows if item else rows[0], ensure_ascii=False)
    element = ET.Element(root)
    if item is None:
        _xml_fill(element, rows[0])
    else:
        for row in rows:
            _xml_fill(ET.SubElement(element, item), row)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="unicode")


def _errors(status: int, descriptions: Iterable[str]) -> list[dict[str, Any]]:
    return [{"code": str(status), "description": d} for d in descriptions]


def open311_error_body(request: HttpRequest, status: int, detail: str, extra: dict[str, Any]) -> tuple[bytes, str]:
    """An error answered outside the views (no such URL, a refused body, a method no view takes) in the Open311
    format: XML for a path ending in .xml, else JSON; one error per field message, or the detail
    (apps.core.errors.register_error_format, in apps.py)."""
    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    fields = extra.get("errors") or {}
    descriptions = [f"{field}: {message}" for field, messages in fields.items() for message in messages]
    return _body(fmt, "errors", "error", _errors(status, descriptions or [detail])).encode(), CONTENT_TYPES[fmt]


def is_open311_answer(response: HttpResponse) -> bool:
    return response.get("Content-Type", "") in CONTENT_TYPES.values()


def _xml_fill(element: ET.Element, row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, dict):  # extended_attributes
            _xml_fill(ET.SubElement(element, key), value)
        elif isinstance(value, list):  # attributes → attribute, values → value, endpoints → endpoint, formats → format
            holder = ET.SubElement(element, key)
            for entry in value:
                child = ET.SubElement(holder, key[:-1])
                if isinstance(entry, dict):
                    _xml_fill(child, entry)
                else:
                    child.text = _xml_text(entry)
        else:
            ET.SubElement(element, key).text = _xml_text(value)


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def open311_view(root: str, item: str | None, *, methods: tuple[str, ...] = ("GET", "HEAD")) -> Callable:
    """Wrap a handler returning rows: methods, format, jurisdiction and errors handled the same everywhere."""

    def decorate(handler: Callable[..., tuple[list[dict[str, Any]], int]]) -> Callable:
        @csrf_exempt
        @sensitive_post_parameters("first_name", "last_name", "email", "phone", "device_id", "account_id")
        def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                _check_method(request, methods)
                _check_read_limit(request)
                _check_jurisdiction(request)
                rows, status = handler(request, **kwargs)
            except Exception as exc:  # noqa: BLE001  (only ours and a service outage are answered here)
                if is_outage(exc):  # a restarting database or Redis: say when to try again (apps/core/outages.py)
                    exc = Open311Error(503, _("The service is briefly unavailable. Please try again in a few "
                                              "seconds."), retry_after=RETRY_AFTER_S)  # fmt: skip
                elif not isinstance(exc, Open311Error):
                    raise
                response = _render(fmt, "errors", "error", _errors(exc.status, exc.descriptions), status=exc.status)
                for header, value in exc.headers.items():
                    response[header] = value
                return response
            return _render(fmt, root, item, rows, status=status)

        return view

    return decorate


def _param(request: HttpRequest, name: str) -> str:
    """A parameter from the body (POST) or the query string; empty counts as absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value if value not in (None, "") else request.GET.get(name, "")).strip()


def _check_method(request: HttpRequest, methods: tuple[str, ...]) -> None:
    if request.method not in methods:
        message = _("%(method)s is not allowed here: use %(allowed)s") % {
            "method": request.method,
            "allowed": _(" or ").join(m for m in methods if m != "HEAD"),
        }
        raise Open311Error(405, message, headers={"Allow": ", ".join(methods)})


def _check_read_limit(request: HttpRequest) -> None:
    """Reads without an API key are limited per client (`CITYOPS_OPEN311_READS_PER_MINUTE`): the public list
    holds up to 1000 reports a call. Key holders (a city's apps) are known and not limited by it; posting
    always needs a key."""
    if request.method not in ("GET", "HEAD") or open311_key_check(_param(request, "api_key")) is not None:
        return
    limit = settings.CITYOPS_OPEN311_READS_PER_MINUTE
    if rate_limited(request, action="open311.read", limit=limit, window_seconds=READ_WINDOW_SECONDS):
        message = _("Too many requests from this connection: at most %(n)d a minute without an API key.") % {"n": limit}
        raise Open311Error(429, message, retry_after=READ_WINDOW_SECONDS)


def _check_jurisdiction(request: HttpRequest) -> None:
    wanted = settings.CITYOPS_OPEN311_JURISDICTION
    given = _param(request, "jurisdiction_id")
    if wanted and given and given != wanted:
        raise Open311Error(404, _("jurisdiction_id %(id)s is not served here") % {"id": given})


# --- Discovery and services ---------------------------------------------------------------------------------


@open311_view("discovery", None)
def discovery(request: HttpRequest) -> tuple[list[dict[str, Any]], int]:
    base = request.build_absolute_uri(reverse("grievances:open311-root"))
    latest = Category.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    row = {
        "changeset": _iso(latest or timezone.now()),
        "contact": _("Contact the city operations center"),
        "key_service": _("Ask the city operations center for an API key (POST requests need one)."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rstrip("/"),
                "changeset": _iso(latest or timezone.now()),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return [row], 200


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": localized(category),
        "description": localized(category, "description"),
        "metadata": category.attributes.exists(),
        "type": "realtime",
        "keywords": category.keywords,
        "group": localized(category, "group"),
    }


@open311_view("services", "service")
def services(request: HttpRequest) -> tuple[list[dict[str, Any]], int]:
    return [_service(c) for c in Category.objects.filter(active=True).prefetch_related("attributes")], 200


@open311_view("service_definition", None)
def service_definition(request: HttpRequest, service_code: str) -> tuple[list[dict[str, Any]], int]:
    category = _category(service_code)
    attributes = [
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": " ".join(filter(None, [str(a.get_datatype_display()), _answers_taken(a)])),
            "order": a.order,
            "description": localized(a, "description"),
            "values": [{"key": str(v["key"]), "name": localized(v, "name") or v.get("name", "")} for v in a.values],
        }
        for a in category.attributes.all()
    ]
    return [{"service_code": category.code, "attributes": attributes}], 200


def _answers_taken(attribute: Any) -> str:
    """A number question's range in words ("a whole number, must be from 0 to 1,000,000")."""
    if attribute.datatype != attribute.Datatype.NUMBER:
        return ""
    parts = [_("(whole numbers)") if attribute.whole_number else "", answer_range_text(attribute)]
    return " ".join(p for p in parts if p)


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s is not a service here") % {"code": code})
    return category


# --- Requests -----------------------------------------------------------------------------------------------


@open311_view("service_requests", "request", methods=("GET", "HEAD", "POST"))
def requests_view(request: HttpRequest) -> tuple[list[dict[str, Any]], int]:
    if request.method == "POST":
        return _create(request), 201
    extended = _extensions(request)
    return [_request_row(request, g, extended=extended) for g in _query(request)], 200


def _create(request: HttpRequest) -> list[dict[str, Any]]:
    if open311_key_check(_param(request, "api_key")) is None:
        raise Open311Error(403, _("a valid api_key is required to post requests"))
    service_request, category = _service_request(request)
    try:
        grievance = grievance_submit(
            channel=Grievance.Channel.OPEN311,
            category=category,
            description=service_request.description or localized(category),
            lon=service_request.lon,
            lat=service_request.lat,
            address=service_request.address,
            reporter_name=service_request.name,
            reporter_phone=service_request.phone,
            reporter_email=service_request.email,
            attributes=dict(service_request.attributes),
        )
    except ApplicationError as exc:
        named = [(PARAMETER_OF.get(field, field), m) for field, messages in exc.fields.items() for m in messages]
        raise Open311Error(400, *([f"{field}: {m}" for field, m in named] or [exc.message])) from None
    notice = _("Reported. Track it with the code %(code)s.") % {"code": grievance.tracking_code}
    return [{"service_request_id": str(grievance.pk), "token": grievance.token, "service_notice": notice,
             "account_id": None}]  # fmt: skip


def _service_request(request: HttpRequest) -> tuple[ServiceRequestInput, Category]:
    """The posted request, parsed (400 listing its problems), and its service's category: a missing service code
    is the one problem told, an unknown one is a 404 before any other."""
    posted: dict[str, Any] = {name: value for name in PARAMETERS if (value := _param(request, name))}
    posted["attributes"] = _attributes(request)
    parsed = ServiceRequestSerializer(data=posted)
    valid = parsed.is_valid()
    if not valid and "service_code" in parsed.errors:
        raise Open311Error(400, *service_request_problems(parsed.errors))
    category = _category(posted["service_code"])
    if not valid:
        raise Open311Error(400, *service_request_problems(parsed.errors))
    service_request: ServiceRequestInput = parsed.validated_data
    return service_request, category


def _attributes(request: HttpRequest) -> dict[str, str | list[str]]:
    """`attribute[code]` answers (the last one sent), `attribute[code][]` for a multi-valued list (every one)."""
    attributes: dict[str, str | list[str]] = {}
    for key in request.POST:
        found = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if found:
            values = [v for v in request.POST.getlist(key) if v != ""]
            attributes[found[1]] = values if found[2] else (values[-1] if values else "")
    return attributes


def _extensions(request: HttpRequest) -> bool:
    value = _param(request, "extensions").lower()
    if value not in ("", "true", "false"):
        raise Open311Error(400, _("extensions is true or false"))
    return value == "true"


def _query(request: HttpRequest) -> list[Grievance]:
    rows = public_reports_with_notes()
    ids = [i.strip() for i in _param(request, "service_request_id").split(",") if i.strip()]
    if ids:
        if not all(ID.fullmatch(i) for i in ids):
            raise Open311Error(400, _("service_request_id is a comma-separated list of request numbers"))
        return list(rows.filter(pk__in=[int(i) for i in ids]).order_by("-created_at"))
    problems: list[str] = []
    codes = [c.strip() for c in _param(request, "service_code").split(",") if c.strip()]
    if codes:
        rows = rows.filter(category__code__in=codes)
    start, end = _date(request, "start_date", problems), _date(request, "end_date", problems)
    statuses = {s.strip() for s in _param(request, "status").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        problems.append(_("status is open, closed or both (comma-separated)"))
    page, page_size = _number(request, "page", 1, problems), _number(request, "page_size", DEFAULT_PAGE_SIZE, problems)
    if page_size > DEFAULT_PAGE_SIZE:
        problems.append(_("page_size is at most %(n)d") % {"n": DEFAULT_PAGE_SIZE})
    if problems:
        raise Open311Error(400, *problems)
    now = timezone.now()
    try:  # neither date: the last 90 days; one: 90 days from or to it (to now at most)
        if start is None:
            start = (end or now) - MAX_SPAN
        if end is None:
            end = min(now, start + MAX_SPAN)
    except OverflowError:
        raise Open311Error(400, _("start_date and end_date must be real dates")) from None
    if end < start:
        raise Open311Error(400, _("end_date is before start_date"))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart"))
    rows = rows.filter(created_at__gte=start, created_at__lte=end)
    if statuses == {"open"}:
        rows = rows.filter(status__in=Grievance.OPEN)
    elif statuses == {"closed"}:
        rows = rows.exclude(status__in=Grievance.OPEN)
    first = (page - 1) * page_size
    return list(rows.order_by("-created_at")[first : first + page_size])


def _date(request: HttpRequest, name: str, problems: list[str]) -> datetime | None:
    text = _param(request, name)
    if not text:
        return None
    try:
        value = parse_datetime(text.replace(" ", "+"))  # a "+" in a query string arrives as a space
    except ValueError:  # well-formed but impossible, e.g. 30 February
        value = None
    if value is None:
        problems.append(_("%(name)s is not a date and time (ISO 8601, e.g. 2026-11-01T00:00:00Z)") % {"name": name})
        return None
    try:  # 0001-01-01T00:00:00+14:00 is a moment before year 1 in UTC: no database holds it
        return (value if value.tzinfo else timezone.make_aware(value)).astimezone(UTC)
    except (OverflowError, ValueError):
        problems.append(_("%(name)s is outside the years 1 to 9999") % {"name": name})
        return None


def _number(request: HttpRequest, name: str, default: int, problems: list[str]) -> int:
    text = _param(request, name)
    if not text:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) < 1:
        problems.append(_("%(name)s is a whole number from 1") % {"name": name})
        return default
    return int(text)


def _request_row(request: HttpRequest, g: Grievance, *, extended: bool = False) -> dict[str, Any]:
    """A request as the spec names its fields, from the report's public form: nothing else of it leaves."""
    report = grievance_public(g)
    photos = [request.build_absolute_uri(reverse("grievances:photo", args=[p.key])) for p in g.photos.all()
              if p.public]  # fmt: skip
    row: dict[str, Any] = {
        "service_request_id": str(report.number),
        "status": "open" if report.is_open else "closed",
        "status_notes": status_notes(g),
        "service_name": localized(report.category),
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": localized(report.department),
        "service_notice": "",
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at) if report.due_at else None,
        "address": report.area,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": photos[0] if photos else None,
    }
    if extended:
        row["extended_attributes"] = {"detailed_status": report.status, "media_urls": photos}
    return row


@open311_view("service_requests", "request")
def request_detail(request: HttpRequest, service_request_id: str) -> tuple[list[dict[str, Any]], int]:
    extended = _extensions(request)
    found = ID.fullmatch(service_request_id)
    grievance = public_reports_with_notes().filter(pk=int(service_request_id)).first() if found else None
    if grievance is None:
        raise Open311Error(404, _("no request %(id)s") % {"id": service_request_id})
    return [_request_row(request, grievance, extended=extended)], 200


@open311_view("service_requests", "request")
def token_detail(request: HttpRequest, token: str) -> tuple[list[dict[str, Any]], int]:
    grievance = Grievance.objects.filter(token=token).first()
    if grievance is None:
        raise Open311Error(404, _("no request has the token %(token)s") % {"token": token})
    return [{"service_request_id": str(grievance.pk), "token": token}], 200


@require_http_methods(["GET", "HEAD"])
def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's base URL: where discovery is."""
    return HttpResponse(status=302, headers={"Location": reverse("grievances:open311-discovery", args=["json"])})


def _iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")
