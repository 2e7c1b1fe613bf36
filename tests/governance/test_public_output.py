"""Every public surface against the labels: the labels alone say how a field may leave for the public
(`apps.core.classification.Public`), and no page or API an anonymous client can open shows more.

The surfaces are found by walking the URL resolver and keeping everything an anonymous GET answers with 200 —
Open311 in JSON and XML (the list, one request, with and without `extensions`), the tracking page, open data
(pages, files, API), the public API and pages — so a new public surface is checked without being named here.
The secrets are read from the labels: for every labelled field of every record in a small city with citizens'
reports, what its label forbids (the value itself when it is not public, the exact position when only a grid
point may leave, the typed address when only the district and street may, a citizen's numbers when the text
leaves masked) is searched for in every body.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from apps.core.classification import Public, label_for, labelled_fields

# Routes not walked, with why. Every other route is walked with every candidate value of its parameters.
SKIPPED = {
    "admin": "the admin site: staff only (every page but the sign-in form redirects; checked below)",
    "set_language": "a POST-only language switch",
    "logout": "signs out",
}
# Queries a route is walked with, besides none.
QUERIES = {
    "grievances:open311-requests": [{"page_size": "1000"}, {"page_size": "1000", "extensions": "true"},
                                    {"status": "closed", "extensions": "true"}],
    "grievances:open311-request": [{"extensions": "true"}],
    "regions-api:region-lookup": [{"lon": "118.0051234", "lat": "32.0109876"}],
    "accountability-api:status": [{"region": "W"}, {"region": "W1"}],
    "accountability:panel": [{"region": "W"}, {"region": "W1"}],
    "sensorthings:resource": [{"$expand": "Datastreams($expand=Observations),Locations", "$top": "1000"}],
}  # fmt: skip
ADDRESS = "人民路 88 号 5 栋 1203 室"
# Numbers as an attacker writes them: split by characters that draw nothing, reversed under a right-to-left
# override, in Chinese numerals, a bank card in fours.
HIDDEN_NUMBERS = ("井盖丢了，电话 139\u200b8765\u20600000，另 \u202e87654321931\u202c，一三七八七六五四三二一，"
                  "卡号 6222 0212 3456 7890 123")  # fmt: skip
POINT = (118.0051234, 32.0109876)
CITIZENS_NUMBER = "139-8765-4321"
OFFICIAL_NUMBER = "0571-8888-1234"


@dataclass(frozen=True)
class Secret:
    field: str  # model.field
    rule: str
    value: Any  # a string searched for, or a float position


# --- The world: a small city with citizens' reports in every state, and an open-data release --------------------


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(submit, cast, categories, stations, alert_in_w1, settings):
    """Reports: one with an exact point, a typed flat and a citizen's number (a public photo, a public reply with
    the department's callback number, an internal note, resolved and rated with another number), one reopened
    with a number in the reason, one placed by its address alone; made yesterday and released as open data."""
    from apps.accounts.models import StaffProfile
    from apps.grievances.models import Grievance
    from apps.grievances.services import (
        Photo,
        grievance_rate,
        grievance_reopen,
        grievance_reply,
        grievance_transition,
    )
    from apps.opendata.services import release_approve, release_produce

    settings.CITYOPS_OPEN311_READS_PER_MINUTE = 100_000  # the walk reads a lot; the limit has its own tests
    staff = cast["staff"]
    StaffProfile.objects.filter(user=staff).update(phone="13655556666")
    exact = submit(
        lon=POINT[0],
        lat=POINT[1],
        address=ADDRESS,
        photos=[Photo("a.jpg", jpeg())],
        description=f"坑很深，请回电 {CITIZENS_NUMBER} 或 someone＠example.com",
        reporter_name="欧阳娜娜",
        reporter_phone="13712345678",
        reporter_email="nana.ouyang@example.cn",
    )
    exact = grievance_transition(grievance=exact, action="accept", user=staff)
    grievance_reply(grievance=exact, user=staff, message=f"请致电养护科 {OFFICIAL_NUMBER}", public=True)
    grievance_reply(grievance=exact, user=staff, message="内部备注：联系施工队长老周 13600001111", public=False)
    exact = grievance_transition(grievance=exact, action="resolve", user=staff, message="已修补")
    grievance_rate(grievance=exact, score=4, comment="谢谢，有事打 13700002222")
    reopened = submit(lon=118.0159876, lat=32.0041234, address="西二路 7 号 2 单元 501", description=HIDDEN_NUMBERS)
    reopened = grievance_transition(grievance=reopened, action="accept", user=staff)
    reopened = grievance_transition(grievance=reopened, action="resolve", user=staff)
    grievance_reopen(grievance=reopened, reason="根本没修，打 138 0000 3333 问")
    typed_only = submit(lon=None, lat=None, address="东区某小区 9 栋 302 室，电话 13511112222")
    # citizens contest a figure (at an exact point, with a number in their words and a contact) and a resolution
    from apps.accountability.services import ContestInput, contest_submit

    contests = [
        contest_submit(data=ContestInput(text="显示空气良，这里浓烟，电话 13744445555", indicator="environment.aqi",
                                         lon=POINT[0], lat=POINT[1], contact="13766667777")),
        contest_submit(data=ContestInput(text="说修好了，坑还在，电话 13788889999", report_code=exact.tracking_code,
                                         contact="contest.person@example.cn")),
    ]  # fmt: skip
    yesterday = timezone.now() - timedelta(days=1)
    Grievance.objects.update(created_at=yesterday)
    settings.CITYOPS_OPEN_DATA_K = 2  # small numbers, to publish what the walk checks
    release = release_produce(dataset_code="citizen-reports", first_day=timezone.localdate(yesterday), k=2)
    release_approve(release=release, user=cast["steward"])  # drafted by the daily task, approved by a steward
    _public_warning(cast["command"], alert_in_w1.region)
    return {"reports": [exact, reopened, typed_only], "release": release, "contests": contests}


def _public_warning(approver: Any, region: Any) -> None:
    """An AQI episode in W1, its public warning approved: the CAP feed and message are public surfaces."""
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert
    from apps.warnings.models import PublicWarning
    from apps.warnings.services import WarningTexts, warning_approve, warnings_follow_all

    alert, _created = alert_raise(kind=Alert.Kind.THRESHOLD, severity="warning", title_zh="西一街道：空气污染",
                                  title_en="West 1: air pollution", region=region, indicator="environment.aqi",
                                  value=160.0, threshold=101.0)  # fmt: skip
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    warning_approve(warning=warning, user=approver, texts=WarningTexts(**{n: getattr(warning, n)
                                                                          for n in WarningTexts.FIELDS}))  # fmt: skip


# --- The secrets, from the labels ---------------------------------------------------------------------------------


def project_models() -> list[Any]:
    return [m for m in apps.get_models() if m.__module__.startswith("apps.") or m._meta.label == "auth.User"]


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from leaves(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from leaves(inner)
    else:
        yield value


def distinctive(text: str, *, personal: bool) -> bool:
    """A value that names something (not a word of the vocabulary, as "environment" or "approved") and is long
    enough that finding it in a page is no coincidence (a person's name in Chinese is short)."""
    text = text.strip()
    if re.fullmatch(r"[a-z_.\-]+", text):
        return False
    return len(text) >= 8 or (personal and not text.isascii() and len(text) >= 2)


def as_read(text: str) -> str:
    """A text as a reader reads it, independently of the mask: what draws nothing left out, full-width folded,
    Chinese numerals as digits."""
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Mn", "Me"))
    return unicodedata.normalize("NFKC", text).translate({ord(c): str(d) for d, c in enumerate("〇一二三四五六七八九")})


def citizens_numbers(text: str) -> list[str]:
    """Phone, ID and card numbers in a text (10 digits or more, however separated), found independently of the
    mask; a run under a right-to-left override as it is shown, too."""
    runs = re.findall(r"\d[\d\s\-().+]{8,}\d", as_read(text))
    shown_reversed = re.findall(r"\u202e([^\u202c]*)\u202c", text)
    digits = [re.sub(r"\D", "", run) for run in [*runs, *(r[::-1] for r in shown_reversed)]]
    return [number for number in digits if len(number) >= 10]


def field_values() -> Iterator[tuple[Any, str, Any, Any]]:
    """(model, field, label, value) for every labelled field of every stored record."""
    for model in project_models():
        # Fields with choices hold the vocabulary ("approved", "pothole"), not data about anyone.
        names = [n for n in labelled_fields(model)
                 if not model._meta.get_field(n).many_to_many and not model._meta.get_field(n).choices]  # fmt: skip
        for obj in model._base_manager.all():
            for name in names:
                yield model, name, label_for(model, name), obj, getattr(obj, model._meta.get_field(name).attname)


def more_precise_than_published(rule: str, value: Any) -> bool:
    """A point off the public grid, or a typed address (only the district and street may leave)."""
    if rule == Public.POSITION:
        return value is not None and round(value, 3) != value
    return rule == Public.AREA and bool(value)


def secrets() -> list[Secret]:
    """What the labels keep from the public, read from every record of the world."""
    rows = list(field_values())
    public = {str(v) for _m, _n, label, _o, value in rows if label.public == Public.AS_IS for v in leaves(value)}
    found = []
    for model, name, label, obj, value in rows:
        where, rule = f"{model._meta.label}.{name}", label.public
        citizen = rule == Public.TEXT or (rule == Public.STAFF_TEXT and not getattr(obj, "written_by_staff", False))
        if rule == Public.NEVER:
            found += [Secret(where, rule, v) for v in leaves(value) if isinstance(v, str) and v not in public
                      and distinctive(v, personal=label.is_personal)]  # fmt: skip
            found += [Secret(where, rule, v) for v in leaves(value) if isinstance(v, float) and round(v, 4) != v]
        elif more_precise_than_published(rule, value):
            found.append(Secret(where, rule, value))
        elif citizen:
            found += [Secret(where, rule, n) for v in leaves(value) if isinstance(v, str) for n in citizens_numbers(v)]
    return found


# --- The surfaces -------------------------------------------------------------------------------------------------


def routes() -> Iterator[tuple[str, str, list[str]]]:
    """(URL name, route, parameter names) of every URL pattern, the admin's aside."""

    def walk(patterns: Any, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str, list[str]]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, route)
            elif isinstance(pattern, URLPattern):
                converters = getattr(pattern.pattern, "converters", None) or {}
                names = list(converters) or list(pattern.pattern.regex.groupindex)
                yield (f"{namespace}{pattern.name}" if pattern.name else ""), route, names

    return walk(get_resolver().url_patterns)


def candidates(world: dict[str, Any]) -> dict[str, list[str]]:
    """Values for every URL parameter name: the world's objects. A new parameter name needs an entry here."""
    from apps.indicators.models import Alert
    from apps.indicators.registry import indicators
    from apps.opendata.datasets import datasets
    from apps.regions.models import Region
    from apps.warnings.models import CapMessage

    reports, release = world["reports"], world["release"]
    return {
        "code": [*(r.tracking_code for r in reports), *Region.objects.values_list("code", flat=True),
                 *(c.code for c in world["contests"]),
                 *(d.code for d in datasets()), *[i.code for i in indicators()][:3], "pothole"],
        "pk": [str(release.pk), *(str(a.pk) for a in Alert.objects.all())],
        "fmt": ["json", "xml", "csv", "geojson"],
        "key": [p.key for r in reports for p in r.photos.all()],
        "service_code": ["pothole", "leak"],
        "service_request_id": [str(r.pk) for r in reports],
        "token": [r.token for r in reports],
        "uuid": ["00000000-0000-4000-8000-000000000000"],
        "action": ["accept", "resolve"],
        "index": ["0", "1"],
        "year": ["2026", "2027"],  # the working calendar: a seeded year and one not announced
        "z": ["0"], "x": ["0"], "y": ["0"],  # the basemap's tiles (no file configured here: 404)
        "identifier": [*CapMessage.objects.values_list("identifier", flat=True), "cityops-20261207000000-1-1"],
        "alert_pk": [str(a.pk) for a in Alert.objects.all()],  # public warnings: choose to draft (staff, POST)
        "resource": ["Things", "Locations", "Datastreams", "Observations", "FeaturesOfInterest", "Sensors"],  # STA
    }  # fmt: skip


def public_urls(world: dict[str, Any]) -> list[str]:
    """Every route filled every way the candidates allow, with its queries: the URLs to try anonymously."""
    values, found, unfilled = candidates(world), [], []
    for name, route, parameters in routes():
        if any(name == s or name.startswith(f"{s}:") for s in SKIPPED):
            continue
        if not name:  # an unnamed route: walked by its route when it has no parameters
            (found if not parameters else unfilled).append("/" + route if not parameters else route)
            continue
        if missing := [p for p in parameters if p not in values]:
            unfilled.append(f"{name} {missing}")
            continue
        paths = []
        for combination in itertools.product(*(values[p] for p in parameters)):
            try:
                paths.append(reverse(name, kwargs=dict(zip(parameters, combination, strict=True))))
            except NoReverseMatch:  # "csv" for a route that offers json and xml
                continue
        unfilled += [] if paths else [name]
        for path in paths:
            found += [path] + [f"{path}?{'&'.join(f'{k}={v}' for k, v in q.items())}" for q in QUERIES.get(name, [])]
    assert unfilled == [], "routes the walk cannot fill: give their parameters candidates"
    return found


def text_of(response: Any) -> str | None:
    """The body as a reader sees it (entities and JSON escapes decoded); None for images."""
    if response.get("Content-Type", "").startswith("image/"):
        if response.streaming:  # read to the end, the test client closes the image's file
            b"".join(response.streaming_content)
        return None
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff")
    if "json" in response.get("Content-Type", ""):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text)


def shown(secret: Secret, text: str) -> bool:
    if secret.rule == Public.POSITION:  # a number within 0.001° of the exact point, with more than 3 decimals
        near = (float(n) for n in re.findall(r"-?\d+\.\d{4,}", text))
        return any(abs(n - secret.value) < 0.001 for n in near)
    if isinstance(secret.value, float):
        return repr(secret.value) in text
    if secret.rule in (Public.TEXT, Public.STAFF_TEXT):  # the digits in order, whatever between them
        return re.search(r"\D{0,3}".join(secret.value), as_read(text)) is not None
    return secret.value in text


def walk(world: dict[str, Any]) -> dict[str, str]:
    """{URL: body} of every URL an anonymous client gets a 200 from."""
    anonymous, bodies = Client(), {}
    for url in public_urls(world):
        cache.clear()  # the walk is one client reading a lot: rate limits have their own tests
        response = anonymous.get(url)
        if response.status_code == 200:
            bodies[url] = text_of(response)
    return bodies


# --- The test -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_public_surface_shows_more_than_the_labels_allow(world):
    found = secrets()
    bodies = walk(world)

    # the walk reached the public surfaces, and the world exercises every rule that publishes generalised
    exact, reopened, typed_only = world["reports"]
    release = world["release"]
    expected = [
        f"/grievances/t/{exact.tracking_code}/", f"/grievances/t/{typed_only.tracking_code}/",
        "/open311/v2/requests.json?page_size=1000", "/open311/v2/requests.xml?page_size=1000&extensions=true",
        f"/open311/v2/requests/{exact.pk}.json", f"/open311/v2/requests/{exact.pk}.xml?extensions=true",
        "/open-data/", f"/open-data/citizen-reports/{release.pk}.csv", f"/open-data/citizen-reports/{release.pk}.json",
        f"/open-data/citizen-reports/{release.pk}.geojson", "/api/v1/open-data/datasets",
        f"/api/v1/open-data/releases/{release.pk}/files/csv",
    ]  # fmt: skip
    assert [url for url in expected if url not in bodies] == []
    rules = {s.rule for s in found}
    assert {Public.NEVER, Public.POSITION, Public.AREA, Public.TEXT, Public.STAFF_TEXT} <= rules
    fields = {s.field for s in found}
    assert {"grievances.Grievance.reporter_name", "grievances.Grievance.reporter_phone",
            "grievances.Grievance.reporter_email", "grievances.Grievance.tracking_code", "grievances.Grievance.token",
            "grievances.Grievance.lon", "grievances.Grievance.lat", "grievances.Grievance.address",
            "grievances.Grievance.description", "grievances.Grievance.satisfaction_comment",
            "grievances.GrievanceEvent.message", "accounts.StaffProfile.phone"} <= fields  # fmt: skip
    generalised = {f"{m._meta.label}.{n}" for m in project_models() for n in labelled_fields(m)
                   if label_for(m, n).public in (Public.POSITION, Public.AREA)}  # fmt: skip
    assert generalised - fields == set(), "give the world a record whose place these labels generalise"

    # then no body shows what its labels keep back (a tracking code or token the URL itself gives is the reader's)
    leaks = [f"{url}: {s.field} ({s.rule or 'not public'}) {s.value!r}" for url, text in bodies.items() if text
             for s in found if not (isinstance(s.value, str) and s.value in url) and shown(s, text)]  # fmt: skip
    assert leaks == [], "\n".join(leaks)

    # and what may leave does, in its public form
    one = bodies[f"/open311/v2/requests/{exact.pk}.json"]
    assert '"lat": 32.011, "long": 118.005' in one
    assert '"address": "西区 · 西一街道"' in one
    assert "139****4321" in one
    page = bodies[f"/grievances/t/{exact.tracking_code}/"]
    assert f"请致电养护科 {OFFICIAL_NUMBER}" in page  # the department's own number reaches the citizen
    assert "137****2222" in page
    hidden = bodies[f"/open311/v2/requests/{reopened.pk}.json"]
    assert [masked in hidden for masked in ("139****0000", "876****1931", "137****4321", "6222****0123")] == [True] * 4
    invisible = [url for url, text in bodies.items() if text and re.search("[\u200b-\u200f\u202a-\u202e\u2060]", text)]
    assert invisible == []  # a public text carries nothing that draws nothing


@pytest.mark.django_db
def test_the_admin_is_not_a_public_surface(world):
    anonymous = Client()

    pk = world["reports"][0].pk
    urls = ("/admin/", "/admin/grievances/grievance/", f"/admin/grievances/grievance/{pk}/change/")

    answers = {anonymous.get(url).status_code for url in urls}

    assert answers == {302}


def test_every_label_says_how_it_leaves_and_the_registry_shows_it(client, cast):
    from django.core.exceptions import ImproperlyConfigured

    from apps.core.classification import Grade, Label, Mask, classify, registry

    rows = {(r["model"], r["field"]): r for r in registry()}
    client.force_login(cast["steward"])
    page = client.get("/governance/classification/?q=grievance", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert rows[("grievances.Grievance", "lat")]["public"] == Public.POSITION
    assert rows[("grievances.Grievance", "address")]["public"] == Public.AREA
    assert rows[("grievances.Grievance", "description")]["public"] == Public.TEXT
    assert rows[("grievances.GrievanceEvent", "message")]["public"] == Public.STAFF_TEXT
    assert rows[("grievances.Grievance", "reporter_phone")]["public"] == Public.NEVER
    assert rows[("grievances.Category", "name_zh")]["public"] == Public.AS_IS
    assert "published only generalised: to a 0.001° grid (about 100 m)" in page
    with pytest.raises(ImproperlyConfigured, match="level 1 is public as it is"):
        classify("grievances.Category", {"code": Label(Grade.GENERAL_1)})
    with pytest.raises(ImproperlyConfigured, match="a secret is never public"):
        classify("grievances.Open311Key", {"key_hash": Label(Grade.GENERAL_4, mask=Mask.SECRET, public=Public.AS_IS)})
    assert label_for(apps.get_model("grievances.Open311Key"), "key_hash").public == Public.NEVER  # unchanged
