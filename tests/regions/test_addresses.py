"""An imported address list (manage.py import_addresses, apps/regions/addresses.py) and the maps' search over it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog
from apps.regions.models import Address
from tests.regions.basemap_world import basemap_world

GOOD = (
    "address,lon,lat,address_en\n"
    "幸福路12号,118.0075,32.006,12 Xingfu Road\n"
    "解放路3号,118.0025,32.012,\n"
    "城外村1号,118.2,32.3,\n"  # in no region of the test city
)


@pytest.fixture
def world(city: dict[str, Any]) -> dict[str, Any]:
    return basemap_world(city)


def run(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> tuple[str, str]:
    path = tmp_path / "addresses.csv"
    path.write_bytes(text.encode(encoding))
    out, err = StringIO(), StringIO()
    call_command("import_addresses", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows() -> list[tuple[Any, ...]]:
    return list(Address.objects.order_by("text_zh").values_list("text_zh", "text_en", "lon", "lat", "region__code"))


def test_a_good_file_imports_each_address_in_the_deepest_region_holding_it(world, tmp_path):
    # when
    out, _err = run(tmp_path, GOOD)

    # then each address is in its community (or street), the one outside the city in none, and it is said
    assert rows() == [
        ("城外村1号", "", 118.2, 32.3, None),
        ("幸福路12号", "12 Xingfu Road", 118.0075, 32.006, "W1B"),
        ("解放路3号", "", 118.0025, 32.012, "W1A"),
    ]
    assert "Imported 3 new and 0 updated addresses (0 unchanged)." in out
    assert "Note: 1 addresses lie outside every region: 城外村1号" in out
    assert AuditLog.objects.filter(action="regions.address.import").count() == 1


def test_importing_again_changes_nothing_and_a_moved_address_is_updated_in_place(world, tmp_path):
    # given the list imported once
    run(tmp_path, GOOD)
    ids = dict(Address.objects.values_list("text_zh", "id"))

    # when the same file comes again, then a version where one address moved
    again, _err = run(tmp_path, GOOD)
    moved, _err = run(tmp_path, GOOD.replace("解放路3号,118.0025,32.012,", "解放路3号,118.0085,32.012,Jiefang Rd 3"))

    # then the first changed nothing, the second moved that address (same row) into the other community
    assert "Imported 0 new and 0 updated addresses (3 unchanged)." in again
    assert "Imported 0 new and 1 updated addresses (2 unchanged)." in moved
    assert dict(Address.objects.values_list("text_zh", "id")) == ids
    assert Address.objects.get(text_zh="解放路3号").region.code == "W1B"
    assert Address.objects.get(text_zh="解放路3号").text_en == "Jiefang Rd 3"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "address,lon,lat\n幸福路12号,118.0075,32.006\n,118.0,32.0\n解放路3号,east,32.0\n和平路1号,118.0,95\n",
            [
                "line 3: the address is empty",
                "line 4: lon 'east' is not a number from -180 to 180",
                "line 5: lat '95' is not a number from -90 to 90",
            ],
        ),
        (
            "address,lon,lat\n幸福路12号,118.0075,32.006\n幸福路12号,118.1,32.1\n",
            ["line 3: the address '幸福路12号' is listed again (first on line 2)"],
        ),
        ("地址,经度,纬度\n幸福路12号,118.0075,32.006\n", ["the first row must name the columns address, lon, lat"]),
        ("address,lon,lat\n", ["the file holds no address"]),
    ],
)
def test_a_bad_file_names_each_bad_row_on_its_own_line_exits_non_zero_and_imports_nothing(
    world, tmp_path, text, problems
):
    # given one address already imported
    run(tmp_path, "address,lon,lat\n旧地址1号,118.001,32.001\n")
    before = rows()

    # when a file with bad rows is imported
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_addresses", str(path), stdout=StringIO(), stderr=err)
    said = err.getvalue().splitlines()

    # then each problem is one line naming the file, and nothing changed (not even the good rows)
    assert len(said) == len(problems)
    for line, problem in zip(said, problems, strict=True):
        assert line.startswith(f"{path}: {problem}")
    assert rows() == before


def test_a_file_saved_by_excel_in_gb18030_with_windows_line_ends_is_read(world, tmp_path):
    # when
    run(tmp_path, "address,lon,lat\r\n幸福路12号,118.0075,32.006\r\n", encoding="gb18030")

    # then
    assert [r[0] for r in rows()] == ["幸福路12号"]


def test_a_missing_file_is_one_line_and_a_non_zero_exit(db, tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_addresses", str(tmp_path / "none.csv"), stdout=StringIO(), stderr=err)
    assert len(err.getvalue().splitlines()) == 1
    assert "cannot read" in err.getvalue()


@pytest.mark.parametrize(
    ("query", "lang", "name", "context"),
    [
        ("幸福路12", "zh-hans", "幸福路12号", "西区 · 西一街道 · 七星四社区"),  # part of it
        ("七星四社区幸福路12号3单元", "zh-hans", "幸福路12号", "西区 · 西一街道 · 七星四社区"),  # inside what was typed
        ("12 xingfu", "en", "12 Xingfu Road", "West District · West 1 Subdistrict · Qixing 4 Community"),
    ],
)
def test_the_maps_search_finds_an_imported_address_and_says_where_it_is(
    client, world, tmp_path, query, lang, name, context
):
    # given the list imported
    run(tmp_path, GOOD)

    # when
    results = client.get("/maps/search", {"q": query, "lang": lang}).json()["results"]

    # then the address comes first, at its point, with the regions it lies in top-down
    assert results[0] == {
        "name": name,
        "kind": "address",
        "kind_label": "地址" if lang == "zh-hans" else "Address",
        "context": context,
        "center": [118.0075, 32.006],
        "bbox": None,
    }


def test_an_edit_in_the_admin_finds_the_region_again(admin_client, world, tmp_path):
    # given an imported address
    run(tmp_path, GOOD)
    address = Address.objects.get(text_zh="解放路3号")

    # when an admin moves it east into the other community
    response = admin_client.post(
        f"/admin/regions/address/{address.pk}/change/",
        {"text_zh": "解放路3号", "text_en": "3 Jiefang Road", "lon": "118.0085", "lat": "32.012"},
    )

    # then it is saved in that community, and found by its new English text
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.region.code, address.text_en) == ("W1B", "3 Jiefang Road")
    found = admin_client.get("/maps/search", {"q": "3 jiefang", "lang": "en"}).json()["results"]
    assert found[0]["name"] == "3 Jiefang Road"
