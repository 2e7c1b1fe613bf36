"""Simulated citizens of the demo city: reports through the same service the portal uses, and a simulated
department that handles them — most on time, some late (they escalate), some rated afterwards.

Departments differ, so the 接诉即办 page has something to show: FORMALISTIC closes its reports fast on paper and
presses citizens for five stars — from a staff member's phone, from its office network, or by asking in person
— while fewer of its problems are really fixed. Its claimed rates look good; the independent checks (field
visits, simulated by apps/fieldwork/simulator.py from `resolution_fixed`, and the hotline center's callbacks,
simulated here) find otherwise.

Reports follow the other domains where they can: noise complaints near a noise station over its limit, road
damage reports near open traffic incidents; the rest fall where people live, more in busy hours.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from apps.core.simulation import city_activity, stable_noise
from apps.deadlines.services import deadline_backfill, deadline_start
from apps.grievances.models import Category, Grievance, GrievanceEvent, ResolutionCheck
from apps.grievances.services import RatingContext, grievance_rate, grievance_submit, grievance_transition
from apps.regions.models import Region
from apps.regions.selectors import region_for_point

BACKFILL = timedelta(hours=96)  # a fresh demo has four days of reports: enough for the checks to show
SLOT = timedelta(minutes=10)
PER_HOUR = {  # reports per hour in the whole city at full activity
    "noise": 1.6, "smoke-odour": 0.6, "road-damage": 0.8, "street-lights": 0.6, "garbage": 1.2,
    "illegal-parking": 1.4, "water-supply": 0.4,
}  # fmt: skip
TEXTS = {
    "noise": ["{place}附近工地夜间施工，噪声很大，影响休息。", "{place}楼下商铺音响声音太大，持续到深夜。",
              "{place}广场舞音量过大，希望管一管。"],
    "smoke-odour": ["{place}餐馆油烟直排，楼上住户开不了窗。", "{place}有人焚烧垃圾，气味刺鼻。"],
    "road-damage": ["{place}路面有大坑，电动车容易摔倒。", "{place}井盖缺失，非常危险。", "{place}人行道地砖松动。"],
    "street-lights": ["{place}一排路灯都不亮，晚上很黑。", "{place}路灯白天也亮着。"],
    "garbage": ["{place}垃圾桶满了两天没人清运。", "{place}路边堆了建筑垃圾。"],
    "illegal-parking": ["{place}有车辆长期占用消防通道。", "{place}人行道上停满了车，行人只能走机动车道。"],
    "water-supply": ["{place}小区停水了，没有通知。", "{place}自来水发黄，有异味。", "{place}高层水压太低。"],
}  # fmt: skip
ATTRIBUTES = {"noise": {"source": "construction"}, "road-damage": {"size": "large"}}
FORMALISTIC = "urban-management"  # the demo department that looks good on claims and poor on checks
FORMALISTIC_NETWORK = "10.61.0.0/16"  # its offices (apps/grievances/demo.py sets it on the department)
CALLBACK_DESK = "command"  # the demo hotline center account that calls citizens back (outside every department)


def _rng(key: str) -> random.Random:
    return random.Random(f"grievance-sim:{key}")  # noqa: S311  (a simulation, not security)


def _point_in(district: Region, rng: random.Random) -> tuple[float, float] | None:
    for _attempt in range(10):
        lon = district.centroid_lon + rng.uniform(-0.02, 0.02)
        lat = district.centroid_lat + rng.uniform(-0.015, 0.015)
        found = region_for_point(lon=lon, lat=lat)
        if found is not None and found.path.startswith(district.path):
            return round(lon, 6), round(lat, 6)
    return None


def _hotspots(code: str) -> list[tuple[float, float]]:
    """Where the other domains say this kind of report is likely now."""
    if code == "noise":
        try:
            from apps.environment.models import NoiseReading
            from apps.environment.services import noise_limit
        except ImportError:  # pragma: no cover - the environment app is optional
            return []
        latest = NoiseReading.objects.values("station").annotate(at=Max("observed_at"))
        spots = []
        for row in latest:
            reading = NoiseReading.objects.select_related("station").get(
                station_id=row["station"], observed_at=row["at"]
            )
            station = reading.station
            if station.zone and reading.leq > noise_limit(station.zone, reading.observed_at) - 1:
                spots.append((station.lon, station.lat))
        return spots
    if code == "road-damage":
        try:
            from apps.traffic.models import TrafficIncident
        except ImportError:  # pragma: no cover
            return []
        return list(TrafficIncident.objects.filter(cleared_at__isnull=True).values_list("lon", "lat")[:20])
    return []


def report(category: Category, moment: datetime, rng: random.Random, districts: list[Region]) -> Grievance | None:
    spots = _hotspots(category.code)
    if spots and rng.random() < 0.7:
        lon, lat = rng.choice(spots)
        point: tuple[float, float] | None = (round(lon + rng.uniform(-0.002, 0.002), 6),
                                             round(lat + rng.uniform(-0.002, 0.002), 6))  # fmt: skip
    else:
        weights = [max(d.population or 1, 1) for d in districts]
        point = _point_in(rng.choices(districts, weights=weights)[0], rng)
    if point is None or region_for_point(lon=point[0], lat=point[1]) is None:
        return None
    place = region_for_point(lon=point[0], lat=point[1])
    text = rng.choice(TEXTS.get(category.code, ["{place}有问题需要处理。"])).format(
        place=place.name_zh if place else ""
    )
    contact = rng.random() < 0.7
    return grievance_submit(
        channel=rng.choice([Grievance.Channel.WEB, Grievance.Channel.HOTLINE, Grievance.Channel.HOTLINE]),
        category=category,
        description=text,
        lon=point[0],
        lat=point[1],
        reporter_name=rng.choice(["王先生", "李女士", "张先生", "刘女士", "陈先生"]) if contact else "",
        reporter_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if contact else "",
        attributes=ATTRIBUTES.get(category.code, {}),
    )


def resolution_fixed(grievance: Grievance) -> bool:
    """Whether the simulated department really fixed the problem this time (the truth a check finds): most
    often, except at FORMALISTIC; a report reopened after a check is then fixed for real, mostly."""
    rng = _rng(f"{grievance.tracking_code}:fixed:{grievance.reopened_count}")
    formalistic = grievance.department.code == FORMALISTIC and not grievance.reopened_count
    return rng.random() < (0.4 if formalistic else 0.9)


def handle(grievance: Grievance, now: datetime) -> None:
    """The simulated department: accepts within the hour, resolves most within the deadline (a few late,
    which escalate), and some citizens rate the outcome. FORMALISTIC resolves everything early."""
    rng = _rng(grievance.tracking_code)
    age = now - grievance.created_at
    deadline = timedelta(hours=grievance.category.deadline_hours)
    accept_after = timedelta(minutes=rng.uniform(5, 60))
    draw = rng.random()  # most on time, some late, a few forgotten until escalated
    resolve_after = deadline * (rng.uniform(0.2, 0.9) if draw < 0.8 else rng.uniform(1.1, 1.6) if draw < 0.92 else
                                rng.uniform(2.0, 3.0))  # fmt: skip
    if grievance.department.code == FORMALISTIC:
        accept_after, resolve_after = accept_after / 3, deadline * rng.uniform(0.1, 0.4)
    status = grievance.status
    if status == Grievance.Status.SUBMITTED and age >= accept_after:
        grievance = grievance_transition(grievance=grievance, action="accept", user=None)
        _backdate(grievance, grievance.created_at + accept_after, "accepted_at")
    if grievance.status in (Grievance.Status.ACCEPTED, Grievance.Status.ASSIGNED) and age >= resolve_after:
        again = grievance.reopened_count > 0  # reopened by a check: resolved again from now, not backdated
        grievance = grievance_transition(
            grievance=grievance, action="resolve", user=None, message=rng.choice(
                ["已安排人员现场处理，问题已解决。", "已联系责任单位整改完毕。", "经现场核查已处置。"]),
        )  # fmt: skip
        if not again:
            _backdate(grievance, grievance.created_at + resolve_after, "resolved_at")
    if (
        grievance.status == Grievance.Status.RESOLVED
        and grievance.resolved_at
        and now - grievance.resolved_at > timedelta(hours=2)
    ):
        _rate(grievance, rng)


def _rate(grievance: Grievance, rng: random.Random) -> None:
    """Some citizens rate: by whether it was fixed; at FORMALISTIC most are pressed for five stars — from a staff
    session or the office network (the rating is then left out) or in person (it is not caught)."""
    formalistic = grievance.department.code == FORMALISTIC and not grievance.reopened_count
    if rng.random() >= (0.85 if formalistic else 0.6):
        return
    citizen = RatingContext(address=f"198.51.100.{rng.randint(1, 254)}")
    fixed = resolution_fixed(grievance)
    score = rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5] if fixed else [3, 7, 20, 35, 35])[0]
    pressure = rng.random() if formalistic else 1.0
    if pressure < 0.2:
        citizen, score = RatingContext(staff_session=True, address="10.61.3.20"), 5
    elif pressure < 0.35:
        citizen, score = RatingContext(address=f"10.61.{rng.randint(0, 255)}.{rng.randint(1, 254)}"), 5
    elif pressure < 0.5 and _press(grievance):
        score = 5  # asked by the department a minute ago: left out too
    elif pressure < 0.75:
        score = 5  # asked in person, out of sight: counted (a callback may hear otherwise)
    grievance_rate(grievance=grievance, score=score, comment="", context=citizen)


def _press(grievance: Grievance) -> bool:
    """A staff member of the department asks the citizen for a good rating on the report's timeline."""
    from django.contrib.auth import get_user_model

    from apps.grievances.services import grievance_reply

    staff = get_user_model().objects.filter(is_active=True, staff_profile__departments=grievance.department_id)
    user = staff.order_by("username").first()
    if user is None:
        return False
    message = "您好，问题已处理完毕，麻烦给个满意评价，谢谢！"
    grievance_reply(grievance=grievance, user=user, message=message, public=True)
    return True


def callbacks(now: datetime) -> int:
    """The hotline center calls back the citizens of sampled reports a while after they were asked for, and
    records what they say: fixed or not (the truth), satisfied mostly when it was."""
    from django.contrib.auth import get_user_model

    from apps.grievances.verification import resolution_check_record

    desk = get_user_model().objects.filter(username=CALLBACK_DESK, is_active=True).first()
    if desk is None:
        return 0
    made = 0
    waiting = ResolutionCheck.objects.filter(method=ResolutionCheck.Method.CALLBACK, fixed__isnull=True)
    for check in waiting.select_related("grievance", "grievance__department").order_by("created_at")[:50]:
        rng = _rng(f"callback:{check.pk}")
        # called a few minutes after it was asked for — or, for a report the backfill resolved days ago, at once
        # (its rating and its check would have come two hours after the resolution): a fresh demo shows verified
        # rates from its first minute
        due = min(check.created_at, check.resolved_at + timedelta(hours=2)) + timedelta(minutes=rng.randint(2, 12))
        if now < due:
            continue  # not called yet
        fixed = resolution_fixed(check.grievance)
        satisfied = rng.random() < (0.85 if fixed else 0.1)
        resolution_check_record(check=check, fixed=fixed, satisfied=satisfied, user=desk,
                                note="电话回访" if fixed else "电话回访：市民表示问题仍在")  # fmt: skip
        made += 1
    return made


def _backdate(grievance: Grievance, moment: datetime, field: str) -> None:
    """Backfilled reports were handled in the past: their timestamps say when."""
    moment = min(moment, timezone.now())
    Grievance.objects.filter(pk=grievance.pk).update(**{field: moment})
    setattr(grievance, field, moment)
    deadline_backfill(subject="grievance", obj=grievance, at=moment,
                      field="responded_at" if field == "accepted_at" else "stopped_at")  # fmt: skip
    GrievanceEvent.objects.filter(grievance=grievance, to_status=grievance.status).update(created_at=moment)


def step(now: datetime) -> int:
    """Reports for every 10-minute slot since the last one (48 hours on a fresh start), then handling."""
    categories = list(Category.objects.filter(active=True, code__in=PER_HOUR))
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    if not categories or city is None:
        return 0
    districts = list(Region.objects.filter(parent=city))
    simulated = Grievance.objects.filter(channel__in=[Grievance.Channel.WEB, Grievance.Channel.HOTLINE])
    last = simulated.aggregate(at=Max("created_at"))["at"]
    slot_s = int(SLOT.total_seconds())
    end = datetime.fromtimestamp(int(now.timestamp()) // slot_s * slot_s, tz=now.tzinfo)
    start = end - BACKFILL if last is None else datetime.fromtimestamp(
        int(last.timestamp()) // slot_s * slot_s, tz=now.tzinfo) + SLOT  # fmt: skip
    made = 0
    slot = start
    while slot <= end:
        local = timezone.localtime(slot)
        for category in categories:
            rng = _rng(f"{category.code}:{slot.isoformat()}")
            expected = PER_HOUR[category.code] * (0.2 + city_activity(local)) * SLOT.total_seconds() / 3600
            expected *= 1 + 0.3 * stable_noise(f"{category.code}:{local:%Y%m%d}")
            for _n in range(_poisson(expected, rng)):
                grievance = report(category, slot, rng, districts)
                if grievance is not None:
                    _created_at(grievance, slot + timedelta(seconds=rng.randint(0, slot_s - 1)))
                    made += 1
        slot += SLOT
    # open reports, and resolved ones recent enough for their citizen to still rate them
    recent = now - timedelta(days=2)
    handled = simulated.filter(
        Q(status__in=Grievance.OPEN) | Q(status=Grievance.Status.RESOLVED, resolved_at__gte=recent)
    ).select_related("category", "department")
    for grievance in handled:
        handle(grievance, now)
    callbacks(now)
    return made


def _created_at(grievance: Grievance, moment: datetime) -> None:
    """A back-filled report was made in the past: its clock starts then too (under its category's policy)."""
    moment = min(moment, timezone.now())
    Grievance.objects.filter(pk=grievance.pk).update(created_at=moment)
    grievance.created_at = moment
    GrievanceEvent.objects.filter(grievance=grievance).update(created_at=moment)
    deadline_start(subject="grievance", obj=grievance, start=moment)


def _poisson(mean: float, rng: random.Random) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
