"""`manage.py demo_air_episode`: an episode started on purpose in the simulated demo city, and the public
warning's whole course it gives — opened, approved, worse, ended — through the simulator, ingest and the tick."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.environment import simulator
from apps.environment.models import AirReading, Station


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the episode's file is the test's own
    settings.CITYOPS_SIMULATE = True  # the demo's data is simulated (production mode, make test-services: not)
    return tmp_path


def _run(*args):
    out = io.StringIO()
    call_command("demo_air_episode", *args, stdout=out)
    return out.getvalue()


def _pm25(station, moment, started):
    stations = list(Station.objects.filter(kind=Station.Kind.AIR))
    return simulator.air_reading(station, moment, stations, started)["pm25"]


# A day whose simulation has no episode of its own, nor the day before (stable_noise("episode:…") of both is clean):
# the simulation's own episodes (on about 60 % of days, up to +160 µg/m³) would blur the started one's figures.
CLEAN_DAY = "2026-12-12T10:00:00+08:00"


@pytest.mark.clock(CLEAN_DAY)
def test_a_started_episode_rises_in_steps_is_weaker_farther_off_and_ends(db, data_dir):
    # given the demo city's air stations, an episode started around the first district's
    call_command("seed_demo", stdout=io.StringIO())
    stations = list(Station.objects.filter(kind=Station.Kind.AIR).order_by("code"))
    centre, far = stations[0], max(stations, key=lambda s: abs(s.lon - stations[0].lon) + abs(s.lat - stations[0].lat))
    now = timezone.now()

    # when
    said = _run("--district", centre.region.code, "--minutes", "180")
    started = simulator.demo_episode()

    # then: at its centre lightly polluted or worse after 20 minutes, heavily by 100, nothing added after the end
    assert started == simulator.DemoEpisode(centre.code, now.replace(microsecond=0), 180)
    assert f"({centre.region.code}) from" in said
    before = _pm25(centre, now + timedelta(minutes=20), None)
    assert _pm25(centre, now + timedelta(minutes=20), started) >= before + 60
    assert _pm25(centre, now + timedelta(minutes=100), started) >= 200  # PM2.5 above 150: AQI above 200
    assert _pm25(far, now + timedelta(minutes=100), started) < _pm25(centre, now + timedelta(minutes=100), started)
    after = now + timedelta(minutes=181)
    assert _pm25(centre, after, started) == _pm25(centre, after, None)
    # and stopped at once
    assert _run("--stop") == "Episode ended.\n"
    assert simulator.demo_episode() is None
    assert _run("--stop") == "No episode was under way.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--minutes", "30"], "--minutes must be between 90 and 720"),
        (["--district", "NOWHERE"], "no air station in the district 'NOWHERE'"),
    ],
)
def test_a_bad_request_is_one_line_and_starts_nothing(db, data_dir, args, message):
    call_command("seed_demo", stdout=io.StringIO())
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert simulator.demo_episode() is None


def test_with_real_feeds_it_refuses(db, data_dir, settings):
    settings.CITYOPS_SIMULATE = False
    with pytest.raises(CommandError, match="not simulated here"):
        _run()
    assert not (data_dir / simulator.DEMO_EPISODE_FILE).exists()


def test_an_unreadable_episode_file_adds_nothing(data_dir):
    (data_dir / simulator.DEMO_EPISODE_FILE).write_text("{not json", encoding="utf-8")
    assert simulator.demo_episode() is None


@pytest.mark.clock(CLEAN_DAY)
def test_the_demo_episode_opens_a_warning_that_is_approved_updated_as_it_worsens_and_cancelled_when_it_ends(
    db, data_dir, clock, cast
):
    from apps.dashboards.services import live_tick
    from apps.indicators.models import Alert
    from apps.warnings.models import PublicWarning
    from apps.warnings.services import WarningTexts, warning_approve, warnings_follow_all

    # given the demo city, fed by its simulator up to now
    call_command("seed_demo", stdout=io.StringIO())
    simulator.step(timezone.now())
    live_tick()
    centre = Station.objects.filter(kind=Station.Kind.AIR).select_related("region").order_by("code").first()
    district = centre.region

    def minutes(n):
        for _ in range(n // 5):
            clock.shift(timedelta(minutes=5))
            simulator.step(timezone.now())
            live_tick()
            warnings_follow_all()  # as the periodic task does every 30 s

    def alert():
        return Alert.objects.filter(indicator="environment.aqi", region=district).order_by("-opened_at").first()

    # when an episode is started around it and an hour passes
    _run("--district", district.code, "--minutes", "180")
    minutes(60)

    # then its AQI alert is open and the public warning's draft waits
    opened = alert()
    assert opened is not None
    assert opened.status != Alert.Status.RESOLVED
    warning = PublicWarning.objects.get(alert=opened)
    assert warning.state == PublicWarning.State.PENDING

    # when the duty officer approves it as drafted, and the air gets heavily polluted
    texts = WarningTexts(**{name: getattr(warning, name) for name in WarningTexts.FIELDS})
    warning_approve(warning=warning, user=cast["command"], texts=texts)
    minutes(50)

    # then an Update went out by itself at each worse level, up to heavily polluted (level 5) or worse
    sent = list(warning.messages.order_by("sent", "pk").values_list("msg_type", flat=True))
    assert sent[0] == "Alert"
    assert set(sent[1:]) == {"Update"}
    warning.refresh_from_db()
    assert warning.level >= 5

    # when the episode has ended and the air stayed clean for the alert's hour
    minutes(150)

    # then the alert resolved by its figure and the warning was lifted by a Cancel
    assert alert().status == Alert.Status.RESOLVED
    assert list(warning.messages.order_by("sent", "pk").values_list("msg_type", flat=True))[-1] == "Cancel"
    assert AirReading.objects.filter(station=centre).count() > 0


def test_the_clean_day_is_clean():
    from datetime import date

    from apps.core.simulation import stable_noise

    # the pinned day and the one before it have no episode of the simulation's own (see CLEAN_DAY)
    assert stable_noise("episode:2026-12-12") < -0.2
    assert stable_noise(f"episode:{date(2026, 12, 11)}") < -0.2
