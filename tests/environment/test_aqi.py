"""AQI by HJ 633-2012, HJ 633-2026 and US EPA (2024): every breakpoint, bands, ties, special rules, float traps.

The tables below are transcribed from the standards (../shared/standards/AQI.md) independently of
apps/environment/aqi.py, so a typo in either shows up here.
"""

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from django.utils import translation

from apps.environment.aqi import AqiInputError, aqi, standard_for

IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
HJ2012 = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800],
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800],
    "pm25_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
HJ2026 = {
    **HJ2012,
    "pm10_24h": [0, 50, 120, 250, 350, 420, 500, 600],
    "pm25_24h": [0, 35, 60, 115, 150, 250, 350, 500],
    "pm10_1h": [0, 50, 120, 250, 350, 420, 500, 600],
    "pm25_1h": [0, 35, 60, 115, 150, 250, 350, 500],
}
EPA = {
    "o3_8h": [("0.000", "0.054", 0, 50), ("0.055", "0.070", 51, 100), ("0.071", "0.085", 101, 150),
              ("0.086", "0.105", 151, 200), ("0.106", "0.200", 201, 300)],
    "o3_1h": [("0.125", "0.164", 101, 150), ("0.165", "0.204", 151, 200), ("0.205", "0.404", 201, 300),
              ("0.405", "0.604", 301, 500)],
    "pm25_24h": [("0.0", "9.0", 0, 50), ("9.1", "35.4", 51, 100), ("35.5", "55.4", 101, 150),
                 ("55.5", "125.4", 151, 200), ("125.5", "225.4", 201, 300), ("225.5", "325.4", 301, 500)],
    "pm10_24h": [("0", "54", 0, 50), ("55", "154", 51, 100), ("155", "254", 101, 150), ("255", "354", 151, 200),
                 ("355", "424", 201, 300), ("425", "604", 301, 500)],
    "co_8h": [("0.0", "4.4", 0, 50), ("4.5", "9.4", 51, 100), ("9.5", "12.4", 101, 150), ("12.5", "15.4", 151, 200),
              ("15.5", "30.4", 201, 300), ("30.5", "50.4", 301, 500)],
    "so2_1h": [("0", "35", 0, 50), ("36", "75", 51, 100), ("76", "185", 101, 150), ("186", "304", 151, 200)],
    "so2_24h": [("305", "604", 201, 300), ("605", "1004", 301, 500)],
    "no2_1h": [("0", "53", 0, 50), ("54", "100", 51, 100), ("101", "360", 101, 150), ("361", "649", 151, 200),
               ("650", "1249", 201, 300), ("1250", "2049", 301, 500)],
}  # fmt: skip


def _china_rows(table):
    return [(key, row, bp) for key, points in table.items() for row, bp in enumerate(points)]


@pytest.mark.parametrize(("key", "row", "concentration"), _china_rows(HJ2012))
def test_hj633_2012_every_breakpoint_row(key, row, concentration):
    assert aqi("hj633-2012", {key: concentration}).iaqi[key] == IAQI[row]


@pytest.mark.parametrize(("key", "row", "concentration"), _china_rows(HJ2026))
def test_hj633_2026_every_breakpoint_row(key, row, concentration):
    assert aqi("hj633-2026", {key: concentration}).iaqi[key] == IAQI[row]


def _china_bands(table):
    return [(key, band, points) for key, points in table.items() for band in range(1, len(points))]


@pytest.mark.parametrize("standard", ["hj633-2012", "hj633-2026"])
def test_china_interpolates_inside_every_band_and_rounds_up(standard):
    table = HJ2012 if standard == "hj633-2012" else HJ2026
    for key, band, points in _china_bands(table):
        lo, hi = points[band - 1], points[band]
        # a third of the way in, at a concentration the 2026 rounding leaves alone
        step = Fraction(1, 10) if key.startswith("co_") else Fraction(1)
        c = lo + ((Fraction(hi - lo) / 3) // step) * step
        expected = -(-(Fraction(IAQI[band] - IAQI[band - 1], hi - lo) * (c - lo) + IAQI[band - 1]) // 1)
        got = aqi(standard, {key: str(float(c)) if step < 1 else str(int(c))}).iaqi[key]
        assert got == expected, (key, band, c)


@pytest.mark.parametrize("standard", ["hj633-2012", "hj633-2026"])
def test_the_float_trap_co_2_2_is_exactly_55(standard):
    # (100 − 50) / (4 − 2) × (2.2 − 2) + 50 = 55 exactly; binary floats give 55.000…01, rounded up to 56
    assert aqi(standard, {"co_24h": 2.2}).iaqi["co_24h"] == 55
    assert aqi(standard, {"co_24h": "2.2"}).computed_aqi == 55


def test_the_float_trap_in_other_bands():
    assert aqi("hj633-2012", {"no2_1h": 0.3 * 1000}).iaqi["no2_1h"] == 110  # 100 + 50/500 × 100
    assert aqi("hj633-2012", {"co_1h": 5.3}).iaqi["co_1h"] == 53  # 50 + 50/5 × 0.3 = 53 exactly


def test_2026_rounds_concentrations_before_indexing_half_to_even():
    # PM2.5 35.5 → 36 (half to even), 36.5 → 36: both score as 36 µg/m³
    assert aqi("hj633-2026", {"pm25_24h": "35.5"}).iaqi == aqi("hj633-2026", {"pm25_24h": 36}).iaqi
    assert aqi("hj633-2026", {"pm25_24h": "36.5"}).iaqi == aqi("hj633-2026", {"pm25_24h": 36}).iaqi
    # CO to one decimal: 2.25 → 2.2 → 55
    assert aqi("hj633-2026", {"co_24h": "2.25"}).iaqi["co_24h"] == 55
    # 2012 does not round concentrations: 35.5 sits just above the 35 breakpoint
    assert aqi("hj633-2012", {"pm25_24h": "35.5"}).iaqi["pm25_24h"] == 51


def test_primary_pollutants_with_ties_and_none_at_50_or_below():
    tie = aqi("hj633-2012", {"pm25_24h": 75, "pm10_24h": 150, "no2_24h": 40})
    assert (tie.aqi, tie.primary_pollutants) == (100, ["PM10", "PM2.5"])
    clean = aqi("hj633-2012", {"pm25_24h": 35, "pm10_24h": 50})
    assert (clean.aqi, clean.primary_pollutants) == (50, [])
    # the same pollutant on two averaging times is named once
    so2 = aqi("hj633-2012", {"so2_24h": 150, "so2_1h": 500})
    assert so2.primary_pollutants == ["SO2"]


def test_so2_1h_above_800():
    # 2012: not indexed from the 1-hour value; the 24-hour SO2 IAQI stands
    old = aqi("hj633-2012", {"so2_1h": 801, "so2_24h": 475})
    assert (old.iaqi, old.aqi) == ({"so2_24h": 150}, 150)
    # 2026: counts as 200
    assert aqi("hj633-2026", {"so2_1h": 801}).iaqi == {"so2_1h": 200}


def test_o3_8h_above_800():
    old = aqi("hj633-2012", {"o3_8h": 801, "o3_1h": 1000})
    assert (old.iaqi, old.aqi) == ({"o3_1h": 400}, 400)
    assert aqi("hj633-2026", {"o3_8h": 801}).iaqi == {"o3_8h": 300}


def test_above_the_top_breakpoint_is_500():
    assert aqi("hj633-2012", {"pm25_24h": 650}).aqi == 500


def test_the_standard_follows_the_readings_date():
    beijing = timezone(timedelta(hours=8))
    assert standard_for(datetime(2026, 2, 28, 23, 59, tzinfo=beijing)) == "hj633-2012"
    assert standard_for(datetime(2026, 3, 1, 0, 0, tzinfo=beijing)) == "hj633-2026"
    assert standard_for(datetime(2016, 1, 1, tzinfo=beijing)) == "hj633-2012"


def test_2026_with_a_pollutant_missing_publishes_only_above_100():
    six = {"so2_1h": 10, "no2_1h": 20, "co_1h": 0.5, "o3_1h": 50, "pm10_1h": 20, "pm25_1h": 20}
    assert aqi("hj633-2026", six).aqi == 29  # PM2.5 20 → 28.57… → 29

    five = {k: v for k, v in six.items() if k != "o3_1h"}
    result = aqi("hj633-2026", five)
    assert result.aqi is None  # NA, with the individual IAQIs
    assert result.iaqi["pm25_1h"] == 29
    assert result.category is None

    dirty = {**five, "pm25_1h": 80}
    assert aqi("hj633-2026", dirty).aqi == 119  # above 100: published though O3 is missing
    # 2012 knows no such rule
    assert aqi("hj633-2012", {"pm25_24h": 20}).aqi == 29


def test_2026_aqi_is_at_least_1_and_2012_keys_stay_out():
    assert aqi("hj633-2026", {"pm25_24h": 0, "pm10_24h": 0, "so2_24h": 0, "no2_24h": 0, "co_24h": 0,
                              "o3_8h": 0}).aqi == 1  # fmt: skip
    with translation.override("en"), pytest.raises(AqiInputError, match="does not define"):
        aqi("hj633-2012", {"pm25_1h": 10})


@pytest.mark.parametrize(
    ("aqi_value", "level", "zh", "color"),
    [(50, 1, "优", "#00e400"), (51, 2, "良", "#ffff00"), (101, 3, "轻度污染", "#ff7e00"),
     (151, 4, "中度污染", "#ff0000"), (201, 5, "重度污染", "#99004c"), (301, 6, "严重污染", "#7e0023")],
)  # fmt: skip
def test_china_categories_and_colours(aqi_value, level, zh, color):
    # PM2.5 concentrations that give exactly these indexes under 2012
    concentration = {50: 35, 51: Fraction(358, 10), 101: Fraction(758, 10), 151: Fraction(1157, 10),
                     201: 151, 301: 251}[aqi_value]  # fmt: skip
    result = aqi("hj633-2012", {"pm25_24h": str(float(concentration))})
    assert result.aqi == aqi_value
    body = result.as_dict("zh-hans")
    assert (body["level"], body["category"], body["color"]) == (level, zh, color)
    assert body["advice"]


def _epa_rows():
    for key, bands in EPA.items():
        for c_lo, c_hi, i_lo, i_hi in bands:
            yield key, c_lo, i_lo
            yield key, c_hi, i_hi


@pytest.mark.parametrize(("key", "concentration", "index"), list(_epa_rows()))
def test_epa_every_breakpoint(key, concentration, index):
    assert aqi("us-epa-2024", {key: concentration}).iaqi[key] == index


def test_epa_truncates_then_interpolates_then_rounds():
    assert aqi("us-epa-2024", {"pm25_24h": "9.09"}).aqi == 50  # 9.0 after truncation
    assert aqi("us-epa-2024", {"pm25_24h": "35.49"}).aqi == 100
    assert aqi("us-epa-2024", {"o3_8h": "0.0789"}).aqi == 126  # 0.078 → 125.5 → 126
    assert aqi("us-epa-2024", {"pm10_24h": "154.9"}).aqi == 100  # 154
    assert aqi("us-epa-2024", {"co_8h": "4.49"}).aqi == 50


def test_epa_ozone_and_so2_rules():
    # 8-hour O3 above 0.200 ppm is not indexed: the 1-hour value is
    assert aqi("us-epa-2024", {"o3_8h": "0.210", "o3_1h": "0.300"}).iaqi == {"o3_1h": 248}
    # 1-hour O3 below 0.125 ppm is not indexed; where both exist the larger is reported
    assert aqi("us-epa-2024", {"o3_8h": "0.060", "o3_1h": "0.100"}).iaqi == {"o3_8h": 67}  # 67.33
    assert aqi("us-epa-2024", {"o3_8h": "0.080", "o3_1h": "0.170"}).aqi == 157
    # 1-hour SO2 from 305 ppb on is not indexed: the 24-hour value is, and only from 305
    assert aqi("us-epa-2024", {"so2_1h": 305, "so2_24h": 305}).iaqi == {"so2_24h": 201}
    assert aqi("us-epa-2024", {"so2_24h": 100}).iaqi == {}


def test_epa_categories_use_their_own_purple():
    result = aqi("us-epa-2024", {"pm25_24h": "150.0"})
    with translation.override("en"):
        body = result.as_dict("en")
    assert (body["level"], body["category"], body["color"]) == (5, "Very Unhealthy", "#8f3f97")
    assert body["primary_pollutants"] == ["PM2.5"]


@pytest.mark.parametrize(
    ("values", "field"),
    [({"pm25_24h": "abc"}, "pm25_24h"), ({"pm25_24h": -1}, "pm25_24h"), ({"pm25_24h": "nan"}, "pm25_24h"),
     ({"co_8h": 1}, "co_8h")],
)  # fmt: skip
def test_bad_input_names_its_field(values, field):
    with pytest.raises(AqiInputError) as raised:
        aqi("hj633-2026", values)
    assert raised.value.field == field


def test_epa_interpolates_inside_every_band_and_rounds_half_up():
    for key, bands in EPA.items():
        for c_lo, c_hi, i_lo, i_hi in bands:
            lo, hi = Fraction(c_lo), Fraction(c_hi)
            resolution = Fraction(1, 10 ** len(c_lo.split(".")[1])) if "." in c_lo else Fraction(1)
            c = lo + ((hi - lo) / 3 // resolution) * resolution  # a third in, on the key's resolution
            exact_index = Fraction(i_hi - i_lo) / (hi - lo) * (c - lo) + i_lo
            expected = int(exact_index + Fraction(1, 2))  # nearest integer, halves up
            text = f"{float(c):.{len(c_lo.split('.')[1])}f}" if "." in c_lo else str(int(c))
            assert aqi("us-epa-2024", {key: text}).iaqi[key] == expected, (key, c_lo, text)
