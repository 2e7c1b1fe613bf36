"""Simulated citizens who contest what the city publishes: a few places where a figure and the street disagree
(so groups there reach the threshold and an officer is sent), now and then a report closed as fixed that is not.
Through the same service the panel and the API use."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from apps.accountability.models import Contest
from apps.accountability.services import ContestInput, contest_submit
from apps.core.errors import ApplicationError
from apps.regions.models import Region

SLOT = timedelta(minutes=4)
# (indicator, what people say): figures a passer-by can see for themselves
SAYINGS = {
    "environment.aqi": ["面板上说空气良，可这里一股烟味，看得见烟。", "显示优，但今天雾蒙蒙的，呛嗓子。"],
    "environment.pm25": ["PM2.5 显示很低，可工地扬尘很大。"],
    "traffic.congestion": ["显示基本畅通，实际这段路堵了半小时。", "地图上是绿色的，车根本走不动。"],
    "traffic.open_incidents": ["显示没有交通事件，路口有两辆车追尾还没处理。"],
}
RESOLUTION_SAYINGS = ["说已经修好了，路灯还是不亮。", "回复说已处理，垃圾还堆在那里。", "显示已办结，坑还在。"]


def _rng(key: str) -> random.Random:
    return random.Random(f"contest-sim:{key}")  # noqa: S311  (a simulation, not security)


def step(now: datetime) -> int:
    """One slot's contests: in the slot's "hot" district two to three people contest one figure (so its group is
    sent to the field), elsewhere now and then one; one resolution in ten slots."""
    slot = int(now.timestamp() // SLOT.total_seconds())
    rng = _rng(str(slot))
    if Contest.objects.filter(created_at__gte=now - SLOT).exists():
        return 0  # this slot's contests came already
    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))
    if not districts:
        return 0
    made = 0
    hot = districts[(slot // 6) % len(districts)]  # a district stays "hot" for half an hour
    indicator = list(SAYINGS)[(slot // 6) % len(SAYINGS)]
    for person in range(rng.choice([0, 1, 1, 2])):
        made += _contest(ContestInput(text=rng.choice(SAYINGS[indicator]), indicator=indicator, region=hot.code,
                                      client=f"sim-{slot}-{person}"))  # fmt: skip
    if rng.random() < 0.1:
        made += _contest_resolution(rng, now)
    return made


def _contest(data: ContestInput) -> int:
    try:
        contest_submit(data=data)
    except ApplicationError:
        return 0
    return 1


def _contest_resolution(rng: random.Random, now: datetime) -> int:
    from apps.grievances.models import Grievance

    closed = Grievance.objects.filter(status__in=("resolved", "closed"), resolved_at__gte=now - timedelta(days=3),
                                      region__isnull=False)  # fmt: skip
    recent = list(closed.order_by("-resolved_at").values_list("tracking_code", flat=True)[:20])
    if not recent:
        return 0
    return _contest(ContestInput(text=rng.choice(RESOLUTION_SAYINGS), report_code=rng.choice(recent),
                                 client=f"sim-{now:%Y%m%d%H%M}"))  # fmt: skip
