"""The one registry type (apps/core/registry.py): one rule for a name taken twice, and override() for tests."""

from dataclasses import dataclass

import pytest

from apps.core.registry import DuplicateRegistration, Registry


@dataclass(frozen=True)
class Thing:
    name: str
    size: int = 0


def test_a_name_registered_twice_is_an_error_naming_both_places():
    things: Registry[Thing] = Registry("thing", key=lambda t: t.name)
    things.register(Thing("a"), origin="apps/one/manifest.py")

    with pytest.raises(DuplicateRegistration) as refused:
        things.register(Thing("a"), origin="apps/two/manifest.py")  # even the very same item

    assert str(refused.value) == (
        "thing 'a' is registered twice: first by apps/one/manifest.py, again by apps/two/manifest.py"
    )
    assert things.items() == [Thing("a")]


def test_without_an_origin_the_place_is_the_caller_file_and_line():
    things: Registry[Thing] = Registry("thing", key=lambda t: t.name)

    things.register(Thing("a"))

    assert things.origin("a").startswith("tests/core/test_registry.py:")


def test_override_adds_replaces_or_empties_for_the_block_and_restores_afterwards():
    things: Registry[Thing] = Registry("thing", key=lambda t: t.name)
    things.register(Thing("a", 1))
    things.register(Thing("b", 1))

    with things.override(Thing("a", 2), Thing("c")):
        inside = things.items()
    with things.override(replace=True) as empty:
        empty.register(Thing("z"))
        alone = things.names()
    with pytest.raises(RuntimeError), things.override(replace=True):
        raise RuntimeError("a failing test")

    assert sorted(inside, key=lambda t: t.name) == [Thing("a", 2), Thing("b", 1), Thing("c")]
    assert alone == ["z"]
    assert things.items() == [Thing("a", 1), Thing("b", 1)]


def test_lookups():
    things: Registry[Thing] = Registry("thing", key=lambda t: t.name)
    things.register(Thing("a"))

    assert things.get("a") == Thing("a")
    assert things.get("x") is None
    assert "a" in things
    assert len(things) == 1
    with pytest.raises(KeyError):
        things["x"]


def test_every_installed_domain_app_declares_itself_in_a_manifest():
    from django.apps import apps

    from apps.core.plugins import plugin_apps

    ours = {c.name for c in apps.get_app_configs() if c.name.startswith(("apps.", "tests."))}

    assert {c.name for c in plugin_apps()} == ours


def test_override_refuses_one_name_twice_and_names_the_test_not_contextlib():
    things: Registry[Thing] = Registry("thing", key=lambda t: t.name)

    with (
        pytest.raises(DuplicateRegistration, match="given twice to one override"),
        things.override(Thing("a"), Thing("a", 2)),
    ):
        pass  # pragma: no cover
    with things.override(Thing("b")):
        origin = things.origin("b")

    assert origin.startswith("tests/core/test_registry.py:")
    assert things.names() == []


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"comand_center": ["regions.view_region"]}, "'comand_center' is not a role"),
        ({"command_center": "regions.view_region"}, "takes a list of 'app_label.codename', not one string"),
    ],
)
def test_a_manifests_roles_name_real_roles_and_lists(roles, message):
    from django.core.exceptions import ImproperlyConfigured

    from apps.core.plugins import Manifest, _items

    with pytest.raises(ImproperlyConfigured, match=message):
        _items(Manifest(roles=roles), "roles")


def test_the_projects_own_urls_come_before_any_apps():
    from django.urls import resolve

    assert resolve("/admin/").app_name == "admin"
    assert resolve("/api/schema/").url_name == "api-schema"
