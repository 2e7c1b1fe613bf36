"""The wall's own configuration: short labels, the standards' palettes and its words in both languages."""

import re

from django.utils import translation

from apps.dashboards.wall import WALL_TEXT, palette_colorscale, wall_labels, wall_palettes, wall_text
from apps.indicators.registry import indicators
from apps.indicators.selectors import SPARK_POINTS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_shown_indicator_has_a_short_wall_label_in_both_languages():
    # given the registered indicators
    codes = {indicator.code for indicator in indicators()}

    # when the wall's labels are read in each language
    with translation.override("zh-hans"):
        zh = wall_labels()
    with translation.override("en"):
        en = wall_labels()

    # then each has one, at most 8 CJK or 14 Latin characters (a tile title at 22 px): its short name or its name
    assert set(zh) == set(en) == codes
    assert all(len(label) <= 8 for label in zh.values()), zh
    assert all(len(label) <= 14 for label in en.values()), en
    assert (zh["traffic.volume"], en["traffic.volume"]) == ("车流量", "Traffic")
    assert (zh["grievances.open"], en["grievances.open"]) == ("在办诉求", "Open cases")


def test_aqi_is_coloured_by_the_public_pages_categories():
    # when the wall's palettes are read in Chinese
    with translation.override("zh-hans"):
        bands = wall_palettes()["environment.aqi"]

    # then they are HJ 633's categories in its colours, with their words
    assert [(b["upper"], b["color"], b["name"]) for b in bands] == [
        (50, "#00e400", "优"),
        (100, "#ffff00", "良"),
        (150, "#ff7e00", "轻度污染"),
        (200, "#ff0000", "中度污染"),
        (300, "#99004c", "重度污染"),
        (500, "#7e0023", "严重污染"),
    ]


def test_congestion_takes_the_traffic_apps_bands_and_a_palette_is_a_stepped_scale():
    # given the congestion bands
    with translation.override("en"):
        bands = wall_palettes()["traffic.congestion"]

    # when they become a Plotly colour scale
    scale, cmin, cmax = palette_colorscale(bands)

    # then each band is one colour from the previous band's upper bound to its own
    assert [b["upper"] for b in bands] == [2, 4, 6, 8, 10]
    assert (cmin, cmax) == (0.0, 10.0)
    assert scale[:4] == [[0.0, "#1f9d55"], [0.2, "#1f9d55"], [0.2, "#8bc34a"], [0.4, "#8bc34a"]]


def test_the_walls_words_come_from_the_catalogue_in_both_languages_with_the_same_placeholders():
    # when the wall's words are read in English and in Chinese
    with translation.override("en"):
        english = wall_text()
    with translation.override("zh-hans"):
        chinese = wall_text()

    # then every word is translated (none falls back to its English msgid) and fills the same placeholders
    assert set(english) == set(chinese) == {*WALL_TEXT, "trend_empty"}
    assert [key for key in english if english[key] == chinese[key]] == []
    assert all(set(PLACEHOLDER.findall(chinese[key])) == set(PLACEHOLDER.findall(english[key])) for key in english)
    # and the words the room knows are the ones it knew before they moved into the catalogue
    assert chinese["verdict_confirmed"] == "现场属实"
    assert chinese["storm"] == "告警激增：%(minutes)s 分钟内新增 %(count)s 条，已按指标归组"
    assert english["group_below_warning"] == "%(count)s %(levels)s: %(name)s below warning"


def test_the_empty_trend_says_its_real_window_in_both_languages():
    # given the sparkline's window of 60 one-minute points
    assert SPARK_POINTS == 60

    # then the empty trend panel says one hour, in each language
    with translation.override("en"):
        assert wall_text()["trend_empty"] == "No data in the last hour"
    with translation.override("zh-hans"):
        assert wall_text()["trend_empty"] == "近 1 小时无数据"
