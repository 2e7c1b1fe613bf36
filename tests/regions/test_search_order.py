"""The map search lists places the way people count: 一, 二, 三, 四 … 十, 十一 and 1, 2 … 10, not by code point."""

from __future__ import annotations

import pytest

from tests.conftest import feature

pytestmark = pytest.mark.django_db


def test_numbered_communities_are_listed_in_counting_order(client, city):
    from apps.regions.services import regions_import

    # given: communities of street W1 named with Chinese numerals, created out of order
    names = ["七星四社区", "七星一社区", "七星十社区", "七星三社区", "七星二社区"]
    regions_import(
        features=[
            feature(f"W1{i}", name, f"Qixing {i} Community", (118.0 + i * 0.001, 32.0, 118.001 + i * 0.001, 32.01), 100)
            for i, name in enumerate(names)
        ],
        level="community",
        parent="W1",
    )
    # when
    zh = [r["name"] for r in client.get("/maps/search", {"q": "七星", "lang": "zh-hans"}).json()["results"]]
    en = [r["name"] for r in client.get("/maps/search", {"q": "qixing", "lang": "en"}).json()["results"]]
    # then
    assert [n for n in zh if n.endswith("社区")] == [
        "七星一社区",
        "七星二社区",
        "七星三社区",
        "七星四社区",
        "七星十社区",
    ]
    assert [n for n in en if n.endswith("Community")] == [f"Qixing {i} Community" for i in range(5)]


@pytest.mark.parametrize(
    ("names", "ordered"),
    [
        (
            ["七星十一社区", "七星九社区", "七星十社区", "七星二十社区"],
            ["七星九社区", "七星十社区", "七星十一社区", "七星二十社区"],
        ),
        (["10号楼", "9号楼", "2号楼"], ["2号楼", "9号楼", "10号楼"]),
        (["一百零五号", "二十号"], ["二十号", "一百零五号"]),
    ],
)
def test_numbers_in_names_compare_as_numbers(names, ordered):
    from apps.regions.basemap import counted

    assert sorted(names, key=counted) == ordered
