import numpy as np
import pytest

from apps.regions import selectors
from apps.regions.services import regions_import
from tests.conftest import feature


def test_lookup_returns_the_deepest_region(city):
    # given points in street W1, in East (no streets) and outside the city
    lon = np.array([118.005, 118.03, 117.5])
    lat = np.array([32.01, 32.01, 32.01])

    # when
    ids = selectors.region_ids_for_points(lon, lat)

    # then
    assert list(ids) == [city["W1"].id, city["E"].id, 0]


def test_point_on_a_shared_border_goes_to_the_smallest_code_at_the_same_depth(city):
    # given a point on the W/E district border (no streets on the East side)
    # when
    region = selectors.region_for_point(lon=118.02, lat=32.01)

    # then the deeper street W2 touches it too and wins over both districts
    assert region.code == "W2"


def test_border_between_two_districts_without_streets_is_deterministic(db):
    # given two districts sharing a border at 118.02
    regions_import(
        features=[
            feature("B", "乙区", "B", (118.02, 32.00, 118.04, 32.02), 1),
            feature("A", "甲区", "A", (118.00, 32.00, 118.02, 32.02), 1),
        ],
        level="district",
    )

    # when the border point is looked up many times
    answers = {selectors.region_for_point(lon=118.02, lat=32.01).code for _ in range(5)}

    # then always the smaller code
    assert answers == {"A"}


def test_index_is_rebuilt_when_regions_change(city):
    # given the index answered "outside" for a point east of the city
    assert selectors.region_for_point(lon=118.05, lat=32.01) is None

    # when a district is added there
    regions_import(features=[feature("X", "新区", "New", (118.04, 32.00, 118.06, 32.02), 1)], level="district")

    # then the lookup finds it without a restart
    assert selectors.region_for_point(lon=118.05, lat=32.01).code == "X"


@pytest.mark.parametrize("n", [0, 1, 1000])
def test_lookup_handles_empty_and_large_batches(city, n):
    rng = np.random.default_rng(1)
    lon = rng.uniform(118.0, 118.04, n)
    lat = rng.uniform(32.0, 32.02, n)

    ids = selectors.region_ids_for_points(lon, lat)

    assert len(ids) == n
    assert (ids != 0).all()


def _brute_force(index_rows, lon, lat):
    """The definition: of the regions that intersect the point, the deepest, then the smallest code."""
    import shapely

    from apps.regions.geo import from_geojson

    answers = []
    for x, y in zip(lon, lat, strict=True):
        point = shapely.Point(x, y)
        hits = [
            (-depth, code, pk) for pk, code, depth, geometry in index_rows if from_geojson(geometry).intersects(point)
        ]
        answers.append(min(hits)[2] if hits else 0)
    return answers


@pytest.mark.django_db
def test_grid_index_agrees_with_the_definition_on_random_and_border_points():
    # given the demo city (irregular Voronoi boundaries at four levels)
    import shapely
    from django.core.management import call_command

    from apps.regions.geo import RegionIndex, from_geojson
    from apps.regions.models import Region

    call_command("seed_demo", "--seed", "3", verbosity=0, stdout=__import__("io").StringIO())
    rows = list(Region.objects.values_list("id", "code", "depth", "geometry"))
    rng = np.random.default_rng(7)
    west, south, east, north = Region.objects.get(level="city").bbox
    vertices = np.concatenate([shapely.get_coordinates(from_geojson(row[3])) for row in rows[:40]])
    lon = np.concatenate([rng.uniform(west - 0.01, east + 0.01, 1500), vertices[:, 0]])
    lat = np.concatenate([rng.uniform(south - 0.01, north + 0.01, 1500), vertices[:, 1]])

    # when the index answers
    answers = RegionIndex(rows).lookup(lon, lat)

    # then every answer matches the brute-force definition, borders and outside points included
    assert list(answers) == _brute_force(rows, lon, lat)
