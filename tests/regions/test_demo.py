"""`manage.py seed_demo`: the demo city's regions and users. Seeding takes seconds: few tests."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from apps.accounts.roles import Role
from apps.regions.models import Region


def _seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _values():
    return {
        r.code: (r.name_zh, r.name_en, r.level, r.parent_id and r.parent.code, r.population, r.area_km2, r.geometry)
        for r in Region.objects.select_related("parent")
    }


def test_seed_demo_builds_a_plausible_city(db):
    # when
    _seed("--seed", "7")

    # then the hierarchy has the promised shape
    city = Region.objects.get(level="city")
    districts = list(Region.objects.filter(level="district"))
    streets = list(Region.objects.filter(level="street"))
    assert (city.code, city.parent) == ("990100", None)
    assert [d.code for d in districts] == [f"9901{i:02d}" for i in range(1, 11)]
    assert 40 <= len(streets) <= 60
    assert {d.parent_id for d in districts} == {city.id}
    assert {s.parent_id for s in streets} <= {d.id for d in districts}
    assert set(Region.objects.filter(level="community").values_list("parent_id", flat=True)) == {s.id for s in streets}
    assert all(r.population and r.population > 0 for r in [city, *districts, *streets])
    assert all(
        r.path == f"{r.parent.path}{r.code}/" for r in Region.objects.exclude(parent=None).select_related("parent")
    )
    # populations and areas add up
    assert sum(d.population for d in districts) == pytest.approx(city.population, rel=0.01)
    for parent in [city, *districts, *streets]:
        children = Region.objects.filter(parent=parent).aggregate(area=Sum("area_km2"), population=Sum("population"))
        assert children["area"] == pytest.approx(parent.area_km2, rel=0.01), parent.code
        assert children["population"] == pytest.approx(parent.population, rel=0.01), parent.code


def test_seed_demo_creates_a_user_for_each_role(db):
    # when
    _seed("--seed", "7")

    # then
    users = get_user_model().objects.prefetch_related("groups", "staff_profile__regions")
    roles = {u.username: sorted(g.name for g in u.groups.all()) for u in users}
    assert roles == {
        "admin": [],
        "command": [Role.COMMAND_CENTER],
        "officer.donghu": [Role.FIELD_OFFICER],
        "officer.xishan": [Role.FIELD_OFFICER],
        "staff.urban": [Role.DEPARTMENT_STAFF],
        "head.urban": [Role.DEPARTMENT_STAFF],
        "steward": [Role.DATA_STEWARD],
    }
    assert get_user_model().objects.get(username="admin").is_superuser
    donghu = get_user_model().objects.get(username="officer.donghu")
    assert [r.code for r in donghu.staff_profile.regions.all()] == ["990102"]
    assert Region.objects.get(code="990102").name_en == "Donghu District"


def _seed_and_forget(seed):
    """The regions a seed gives on an empty database; the database is left empty again."""
    with transaction.atomic():
        _seed("--seed", str(seed))
        values = _values()
        transaction.set_rollback(True)
    assert Region.objects.count() == 0
    return values


def test_seed_demo_is_deterministic(db):
    # given what seeds 7 and 8 give on an empty database
    from_scratch = _seed_and_forget(7)
    other_seed = _seed_and_forget(8)

    # when seed 7 is used twice more (the second time over its own data)
    _seed("--seed", "7")
    first = _values()
    _seed("--seed", "7")

    # then the same seed gives the same codes, names, populations and boundaries; another seed does not
    assert first == from_scratch
    assert _values() == from_scratch
    assert other_seed != from_scratch
    # the city and its ten districts keep their codes whatever the seed
    assert sorted(c for c in other_seed if len(c) == 6) == sorted(c for c in from_scratch if len(c) == 6)


def test_seed_demo_if_empty_leaves_existing_regions_alone(city):
    # given
    before = dict(Region.objects.values_list("code", "updated_at"))

    # when
    output = _seed("--seed", "7", "--if-empty")

    # then
    assert output == "Demo data already present; nothing to do.\n"
    assert dict(Region.objects.values_list("code", "updated_at")) == before
    assert not get_user_model().objects.filter(username__in=["admin", "officer.donghu"]).exists()
