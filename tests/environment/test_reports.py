"""Real-time and daily reports from hourly means: sliding windows, validity, O3 8-hour maximum, NowCast."""

from fractions import Fraction

import pytest

from apps.environment.reports import daily_max_8h, daily_report, mean_of_last, nowcast, realtime_report


def test_a_24_hour_mean_needs_20_valid_hours():
    hours = [10] * 20 + [None] * 4
    assert mean_of_last(hours, 24, 20) == 10
    assert mean_of_last([10] * 19 + [None] * 5, 24, 20) is None


def test_means_are_exact():
    assert mean_of_last(["0.1", "0.2"], 2, 1) == Fraction(3, 20)


def test_daily_max_8h_takes_the_highest_of_the_17_windows():
    day = [50] * 24
    day[12:20] = [200] * 8  # one 8-hour stretch, 12:00–20:00
    assert daily_max_8h(day) == 200
    day[12] = None  # the window now has 7 valid hours: its mean is of those 7
    assert daily_max_8h(day) == 200


def test_daily_max_8h_needs_14_valid_windows():
    day = [80] * 24
    for hour in range(0, 24, 3):  # too many gaps: most windows keep fewer than 6 valid hours
        day[hour] = None
        if hour + 1 < 24:
            day[hour + 1] = None
    assert daily_max_8h(day) is None
    with pytest.raises(ValueError, match="24 hourly means"):
        daily_max_8h([1] * 23)


def test_realtime_2012_uses_sliding_means_for_pm_and_o3_8h():
    hourly = {"pm25": [50] * 23 + [200], "pm10": [40] * 24, "o3": [100] * 7 + [180], "so2": [20], "no2": [30],
              "co": [0.5]}  # fmt: skip
    result = realtime_report("hj633-2012", hourly)
    # PM2.5 24-hour sliding mean (50·23 + 200) / 24 = 56.25 → 50 + 50/40 × 21.25 = 76.5625 → 77
    assert result.iaqi["pm25_24h"] == 77
    assert result.iaqi["o3_8h"] == 59  # mean 110 → 50 + 50/60 × 10 = 58.3 → 59
    assert "pm25_1h" not in result.iaqi


def test_realtime_2026_uses_the_1_hour_means():
    hourly = {"pm25": [50] * 23 + [200], "pm10": [40] * 24, "o3": [100] * 8, "so2": [20], "no2": [30],
              "co": [0.5]}  # fmt: skip
    result = realtime_report("hj633-2026", hourly)
    assert result.iaqi["pm25_1h"] == 250  # 200 µg/m³ against the daily breakpoints (150–250 → 200–300)
    assert result.aqi == 250
    assert result.primary_pollutants == ["PM2.5"]


def test_daily_report_2026_six_items_and_2012_adds_o3_1h_max():
    day = {"so2": [10] * 24, "no2": [20] * 24, "co": [0.4] * 24, "pm10": [60] * 24, "pm25": [40] * 24,
           "o3": [60] * 12 + [220] * 8 + [60] * 4}  # fmt: skip
    new = daily_report("hj633-2026", day)
    assert set(new.iaqi) == {"so2_24h", "no2_24h", "co_24h", "pm10_24h", "pm25_24h", "o3_8h"}
    assert new.iaqi["o3_8h"] == 155  # max 8-hour mean 220, band 215–265 → 150 + 50/50 × 5
    old = daily_report("hj633-2012", day)
    assert old.iaqi["o3_1h"] == 110  # 220 → 100 + 50/100 × 20


def test_nowcast_weights_recent_hours_when_levels_change():
    steady = [20] * 12
    assert nowcast(steady) == 20
    # rising sharply: w = 1 − (80 − 10)/80 = 0.125 → clamped to 0.5
    rising = [10] * 11 + [80]
    expected = (80 + sum(Fraction(1, 2) ** i * 10 for i in range(1, 12))) / sum(Fraction(1, 2) ** i for i in range(12))
    assert nowcast(rising) == expected
    # needs two of the latest three hours
    assert nowcast([20] * 10 + [None, None]) is None
    assert nowcast([20] * 9 + [None, 30, 40]) is not None


def test_epa_realtime_uses_nowcast_pm():
    hourly = {"pm25": [10] * 11 + [80], "o3": ["0.050"] * 8}
    result = realtime_report("us-epa-2024", hourly)
    assert result.iaqi["pm25_24h"] > 100  # NowCast ≈ 45 µg/m³: above the 35.4 of "Moderate"
    assert result.iaqi["o3_8h"] == 46
