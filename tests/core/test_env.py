import pytest
from django.core.exceptions import ImproperlyConfigured

from cityops.env import DatabaseUrl, env_bool, env_choice, env_int, env_list, env_networks, parse_database_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        (" On ", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_env_bool_accepts_the_usual_spellings_in_any_case(monkeypatch, raw, expected):
    # given
    monkeypatch.setenv("CITYOPS_TEST_FLAG", raw)

    # when / then: the default is the opposite, so only the parsed value can give `expected`
    assert env_bool("CITYOPS_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch, default):
    # given an unset variable
    monkeypatch.delenv("CITYOPS_TEST_FLAG", raising=False)

    # when / then
    assert env_bool("CITYOPS_TEST_FLAG", default=default) is default

    # given an empty (blank) variable
    monkeypatch.setenv("CITYOPS_TEST_FLAG", "  ")

    # when / then
    assert env_bool("CITYOPS_TEST_FLAG", default=default) is default


def test_env_bool_refuses_an_unknown_value_naming_the_variable_and_value(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_FLAG", "maybe")

    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool("CITYOPS_TEST_FLAG", default=True)

    # then
    assert "CITYOPS_TEST_FLAG='maybe'" in str(excinfo.value)


def test_env_int_parses_and_defaults(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_INT", " 42 ")
    monkeypatch.delenv("CITYOPS_TEST_UNSET", raising=False)
    monkeypatch.setenv("CITYOPS_TEST_EMPTY", "")

    # when / then
    assert env_int("CITYOPS_TEST_INT", 7) == 42
    assert env_int("CITYOPS_TEST_UNSET", 7) == 7
    assert env_int("CITYOPS_TEST_EMPTY", 7) == 7


def test_env_int_accepts_the_minimum_itself(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_INT", "0")

    # when / then
    assert env_int("CITYOPS_TEST_INT", 5, minimum=0) == 0


def test_env_int_refuses_a_value_below_the_minimum(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_INT", "-1")

    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_int("CITYOPS_TEST_INT", 5, minimum=0)

    # then
    assert str(excinfo.value) == "CITYOPS_TEST_INT='-1' must be at least 0"


def test_env_int_refuses_a_non_integer(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_INT", "12s")

    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_int("CITYOPS_TEST_INT", 5)

    # then
    assert str(excinfo.value) == "CITYOPS_TEST_INT='12s' is not an integer"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_LIST", " a.example , b.example,,  ,c ")

    # when / then
    assert env_list("CITYOPS_TEST_LIST") == ["a.example", "b.example", "c"]


def test_env_list_returns_a_copy_of_the_default_when_unset_or_empty(monkeypatch):
    # given
    default = ["x", "y"]
    monkeypatch.delenv("CITYOPS_TEST_LIST", raising=False)

    # when
    value = env_list("CITYOPS_TEST_LIST", default)
    value.append("z")

    # then the caller's default is untouched
    assert value == ["x", "y", "z"]
    assert default == ["x", "y"]
    assert env_list("CITYOPS_TEST_LIST") == []
    monkeypatch.setenv("CITYOPS_TEST_LIST", "")
    assert env_list("CITYOPS_TEST_LIST", default) == ["x", "y"]


def test_env_choice_accepts_a_listed_value_and_defaults(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_CHOICE", "en")
    monkeypatch.delenv("CITYOPS_TEST_UNSET", raising=False)

    # when / then
    assert env_choice("CITYOPS_TEST_CHOICE", "zh-hans", ("zh-hans", "en")) == "en"
    assert env_choice("CITYOPS_TEST_UNSET", "zh-hans", ("zh-hans", "en")) == "zh-hans"


def test_env_choice_refuses_an_unlisted_value(monkeypatch):
    # given
    monkeypatch.setenv("CITYOPS_TEST_CHOICE", "fr")

    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_choice("CITYOPS_TEST_CHOICE", "zh-hans", ("zh-hans", "en"))

    # then
    assert str(excinfo.value) == "CITYOPS_TEST_CHOICE='fr' is not one of zh-hans, en"


def test_parse_database_url_gives_every_part_with_the_password_unquoted():
    # when
    parsed = parse_database_url("DATABASE_URL", "postgres://u:p%40ss@h:5433/db?sslmode=require")

    # then
    assert parsed == DatabaseUrl(
        name="db", user="u", password="p@ss", host="h", port="5433", options={"sslmode": "require"}
    )


def test_parse_database_url_accepts_postgresql_scheme_without_credentials_or_port():
    # when
    parsed = parse_database_url("DATABASE_URL", "postgresql://127.0.0.1/cityops")

    # then
    assert parsed == DatabaseUrl(name="cityops", user="", password="", host="127.0.0.1", port="", options={})


def test_parse_database_url_refuses_other_schemes_and_redacts_the_password():
    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        parse_database_url("DATABASE_URL", "mysql://root:hunter2secret@db:3306/cityops")

    # then
    message = str(excinfo.value)
    assert "hunter2secret" not in message
    assert "DATABASE_URL='mysql://root:***@db:3306/cityops'" in message
    assert "only postgres:// URLs are supported" in message


def test_parse_database_url_refuses_a_url_without_a_database_name():
    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        parse_database_url("DATABASE_URL", "postgres://u:topsecret@h:5432/")

    # then
    message = str(excinfo.value)
    assert "topsecret" not in message
    assert "DATABASE_URL='postgres://u:***@h:5432/'" in message
    assert "names no database" in message


def test_env_networks_accepts_addresses_and_networks_and_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("CITYOPS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24,::1")
    assert env_networks("CITYOPS_TRUSTED_PROXIES") == ["127.0.0.1", "10.0.0.0/24", "::1"]

    monkeypatch.setenv("CITYOPS_TRUSTED_PROXIES", "127.0.0.1,proxy.local")
    with pytest.raises(ImproperlyConfigured, match=r"CITYOPS_TRUSTED_PROXIES: 'proxy.local' is not an IP"):
        env_networks("CITYOPS_TRUSTED_PROXIES")
