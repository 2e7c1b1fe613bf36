"""Everything a user reads exists in both languages.

Two walks: every model's names, fields, choices and every admin column, filter and action read differently in
Simplified Chinese and English (unless the label is a code, unit or proper name both languages write alike);
and every page a signed-in superuser or a visitor can open, found by walking the URL conf, shows no English
word in Chinese mode beyond a short list of those both languages write alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

# Labels that read the same in both languages: codes, units, standards and proper names.
SAME_IN_BOTH = {
    "CSV",
    "JSON",
    "GeoJSON",
    "ID",
    "Open311",
    "SHA-256",
    "TOTP",
    "URL",
    "UUID",
}


def _both(text: Any) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return zh, en


def _labels() -> Iterator[tuple[str, Any]]:
    """(where, label) of every model name, field name and choice of the project's models."""
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        name = model.__name__
        yield name, model._meta.verbose_name
        yield f"{name} (plural)", model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            yield f"{name}.{field.name}", field.verbose_name
            for value, label in getattr(field, "flatchoices", None) or []:
                yield f"{name}.{field.name} = {value!r}", label


def _admin_labels() -> Iterator[tuple[str, Any]]:
    """(where, label) of every admin list column, list filter and action."""
    for model, model_admin in admin.site._registry.items():
        name = f"admin {model.__name__}"
        for column in model_admin.list_display:
            if column != "__str__":
                yield f"{name} column {column}", label_for_field(column, model, model_admin)
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str | tuple):  # a field path: the admin titles it by its last field
                path = list_filter if isinstance(list_filter, str) else list_filter[0]
                yield f"{name} filter {path}", get_fields_from_path(model, path)[-1].verbose_name
            else:
                yield f"{name} filter {list_filter.__name__}", getattr(list_filter, "title", "")
        for action in model_admin.actions or []:
            if callable(action):
                yield f"{name} action {action.__name__}", getattr(action, "short_description", action.__name__)


def _untranslated(labels: Iterator[tuple[str, Any]]) -> list[str]:
    found = []
    for where, label in labels:
        zh, en = _both(label)
        if zh == en and any(c.isalpha() for c in en) and en not in SAME_IN_BOTH:
            found.append(f"{where}: {en!r}")
    return found


def test_every_model_field_and_choice_reads_differently_in_chinese_and_english():
    assert _untranslated(_labels()) == []


def test_every_admin_column_filter_and_action_reads_differently_in_chinese_and_english():
    assert _untranslated(_admin_labels()) == []


# --- Pages -----------------------------------------------------------------------------------------------

# Words a Chinese page rightly writes in Latin letters: abbreviations, units, standards, proper names.
WORDS_ALIKE = {
    *("AQI", "API", "CSV", "JSON", "GeoJSON", "XML", "Open311", "CityOps", "OpenAPI", "REST", "README", "SQLite"),
    *("PM2.5", "PM10", "SO₂", "NO₂", "O₃", "CO", "Leq", "ICU", "CUSUM", "TOTP", "URL", "UTC", "ID", "UUID", "EXIF"),
    # A: dB(A). Units with a Chinese word (h 小时, min 分钟, m 米, km 公里) are not here: a Chinese page says the
    # word; only symbols Chinese writes as they are pass (SYMBOL_UNITS, e.g. km/h, km²).
    *("dB", "A", "µg", "mg", "kPa"),
    *("GB", "T", "HJ", "WGS84", "SHA"),  # standards: GB/T 43697-2024, HJ 633-2012, WGS84, SHA-256
    *("CC", "BY"),  # the licence: CC BY 4.0
    "k",  # k-anonymity: every released combination covers at least k records
    *("street", "grid", "district", "confirmed", "contradicted", "partly"),  # values the open-data files write
    "English",  # the language switch offers English in its own name
    "ABCD",  # the tracking code's example (ABCD-2345)
    "Django",  # the admin's title (Django 管理)
    *("Control", "Command", "Mac", "LDAP"),  # Django's own Chinese help texts name keys and LDAP
    *("True", "False"),  # Django writes a boolean icon's alt as True / False (admin_list._boolean_icon)
}
# Words still English in Chinese on pages whose templates other work owns at the moment: reported, not fixed
# here. Each entry names the file; remove it when the file is fixed.
ELSEWHERE: dict[str, tuple[str, set[str]]] = {}
# Routes not walked, with why; the admin is walked from its registry (admin_urls).
ROUTES_SKIPPED = {
    "set_language": "a POST-only language switch",
    "logout": "signs the walker out",
    "fieldwork:service-worker": "the field app's script",
    "core:": "favicon",
    "regions:basemap-style": "the map's style (JSON)",
    "regions:basemap-features": "the map's labelled layers (GeoJSON)",
    "regions:basemap-search": "the map's place search (JSON)",
}
# Form fields whose options are rows of the database in English (Django stores a permission's name as written
# in English; the admin shows it as stored).
DATA_SELECTS = {"permissions", "user_permissions"}


class _VisibleText(HTMLParser):
    """The words a reader sees: element text and the placeholder, title, aria-label and alt attributes; not
    script, style or templates, nor code (code, kbd, samp, pre, class "mono") or form data (textarea, and the
    options of DATA_SELECTS)."""

    HIDDEN = {"script", "style", "template", "noscript", "code", "kbd", "samp", "pre", "textarea"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, hides its text)
        self.parts: list[str] = []

    @property
    def hidden(self) -> bool:
        return any(hides for _tag, hides in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if not self.hidden:
            self.parts += [value for name, value in attrs if name in self.ATTRIBUTES and value]
        if tag in self.VOID:
            return
        hides = (
            tag in self.HIDDEN
            or "mono" in (values.get("class") or "").split()
            or (tag == "select" and values.get("name") in DATA_SELECTS)
        )
        self.stack.append((tag, hides))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):  # closes what it closes, tolerating unclosed <p>, <li>
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _data_words() -> set[str]:
    """Words of the walk's own data in English (names, codes, user names): a page may show them as they are."""
    from django.contrib.auth.models import Group, User

    values = [*User.objects.values_list("username", flat=True), *Group.objects.values_list("name", flat=True)]
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()} & {"code", "name_en", "title_en", "domain"}
        if model.__module__.startswith("apps.") and names:
            values += [v for row in model.objects.values_list(*names) for v in row if v]
    return {word for value in values for word in re.split(r"[^A-Za-z0-9]+", str(value)) if word}


# Compound unit symbols Chinese text writes in Latin letters (GB 3100): the speed and the area, not a bare km.
SYMBOL_UNITS = re.compile(r"(?<![A-Za-z])(?:km/h|km²|m²|m³)(?![A-Za-z])")


def english_words(html: str) -> set[str]:
    """Latin-letter words of the page's visible text, but for web addresses, paths and code names (an audit
    action fieldwork.visit.add, service_code); a word must start the token (4a, 02T10 and W1 are codes)."""
    parser = _VisibleText()
    parser.feed(html)
    text = SYMBOL_UNITS.sub(" ", " ".join(parser.parts))
    text = re.sub(r"https?://\S+|\S+@\S+|/\S*|\b[a-z_]+(?:\.[a-z_]+)+\b|\b\w*_\w*\b", " ", text)
    return {word.rstrip(".") for word in re.findall(r"(?<![0-9A-Za-z_])[A-Za-zµ][A-Za-z0-9µ.₂₃]*", text)}


def page_routes() -> Iterator[tuple[str, list[str]]]:
    """(URL name, parameter names) of every named route outside the admin, the API and Open311."""

    def walk(patterns: Any, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            full = prefix + str(pattern.pattern)
            if full.startswith(("api/", "open311/", "admin/")):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, full)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", None) or {}
                yield f"{namespace}{pattern.name}", list(converters) or list(pattern.pattern.regex.groupindex)

    return walk(get_resolver().url_patterns)


def _fill() -> dict[str, list[dict[str, str]]]:
    """Parameters of the routes the walk can fill: the test city's region pages (tests/conftest.py: C and W)
    and every open dataset (a catalogue in code). Other parameters name objects the fixtures do not make."""
    from apps.opendata.datasets import datasets

    return {
        "dashboards:region": [{"code": "C"}, {"code": "W"}],
        "opendata:dataset": [{"code": dataset.code} for dataset in datasets()],
    }


def page_urls() -> list[str]:
    """Every page route without parameters, and those _fill fills."""
    fill, found = _fill(), []
    for name, parameters in page_routes():
        if name in ROUTES_SKIPPED:
            continue
        if not parameters:
            found.append(reverse(name))
        found += [reverse(name, kwargs=kwargs) for kwargs in fill.get(name, [])]
    return found


def admin_urls() -> list[str]:
    """The admin's index, each app's page, and every model's list and add form."""
    found = [reverse("admin:index")]
    found += sorted({reverse("admin:app_list", args=[m._meta.app_label]) for m in admin.site._registry})
    for model in admin.site._registry:
        meta = model._meta
        found.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        found.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return found


def _walk(client: Any, urls: list[str]) -> dict[str, list[str]]:
    """{url: its English words} of every page among `urls` that opens (200, HTML) in Chinese."""
    client.cookies["django_language"] = "zh-hans"
    allowed = WORDS_ALIKE | _data_words()
    found = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        words = english_words(content.decode()) - allowed - ELSEWHERE.get(url, ("", set()))[1]
        if words:
            found[url] = sorted(words)
    return found


def test_the_walk_opens_the_pages_it_names(client, cast):
    # given a superuser, when the walk's routes are listed, then they include pages of every kind
    urls = page_urls()
    assert {"/", "/accounts/login/", "/regions/C/", "/grievances/", "/open-data/citizen-reports/"} <= set(urls)
    assert "/admin/fieldwork/visit/" in admin_urls()


def test_every_page_a_visitor_opens_reads_in_chinese(client, cast):
    assert _walk(client, page_urls()) == {}


def test_every_page_a_superuser_opens_reads_in_chinese(client, cast):
    client.force_login(cast["admin"])
    assert _walk(client, page_urls()) == {}


def test_every_admin_page_reads_in_chinese(client, cast):
    client.force_login(cast["admin"])
    assert _walk(client, admin_urls()) == {}


def test_a_chinese_word_list_finds_english_left_in_chinese_text():
    # given a page with an untranslated button among Chinese, code, a unit and a standard
    html = (
        '<main><h1>走访</h1><button title="Save">保存</button><p>60 km/h · GB/T 43697-2024 · 4a类</p>'
        '<span class="mono">fieldwork.visit.add</span><script>const x = "Hello";</script></main>'
    )

    # when its words are read, then only the button's title is English
    assert english_words(html) - WORDS_ALIKE == {"Save"}


def test_a_chinese_word_list_finds_units_that_have_a_chinese_word():
    # given a Chinese page that writes hours, minutes and distances as symbols, beside speed and area
    html = "<main><p>中位数 12.0 h · 72 m · 5 min · 3 km</p><p>60 km/h · 4.2 km² · 35 µg/m³</p></main>"

    # when its words are read, then the units with a Chinese word are English left in, the symbols are not
    assert english_words(html) - WORDS_ALIKE == {"h", "m", "min", "km"}
