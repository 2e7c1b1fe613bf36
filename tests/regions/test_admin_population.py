"""The region admin writes a population whole: grouped in the list, every digit in view in the form."""

import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_list_groups_a_population_in_thousands(cast, city, client, language):
    # given a city of 3,600,000 people
    city["C"].population = 3_600_000
    city["C"].save()
    client.force_login(cast["admin"])
    client.cookies["django_language"] = language

    # when the region list opens
    page = client.get(reverse("admin:regions_region_changelist")).content.decode()

    # then the population column reads 3,600,000 and the districts' 200,000 and 100,000
    assert re.findall(r'class="field-population_shown">([^<]*)<', page)[:3] == ["3,600,000", "100,000", "200,000"]


def test_the_population_input_is_sized_for_millions(cast, city, client):
    # given a city of 3,600,000 people
    city["C"].population = 3_600_000
    city["C"].save()
    client.force_login(cast["admin"])

    # when its change page opens
    page = client.get(reverse("admin:regions_region_change", args=[city["C"].pk])).content.decode()

    # then the input holds the bare number (a number input takes no separators) with the admin's 10em class
    [field] = re.findall(r'<input[^>]*name="population"[^>]*>', page)
    assert 'value="3600000"' in field
    assert 'class="vBigIntegerField"' in field
