"""A steward's decision on a release is parsed by ReleaseDecisionForm before a service sees it: an unknown
action is refused on the page, the release unchanged."""

from __future__ import annotations

import pytest

from apps.opendata.models import Release
from apps.opendata.services import release_produce
from tests.conftest import PASSWORD
from tests.opendata.conftest import yesterday


@pytest.mark.parametrize("post", [{}, {"action": "publish"}, {"action": ""}, {"action": "APPROVE"}])
def test_an_unknown_decision_is_refused_and_the_draft_stays_a_draft(client, cast, reports, post):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    client.login(username="steward", password=PASSWORD)

    response = client.post(f"/open-data/releases/{release.pk}/", post, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Unknown action." in response.content.decode()
    assert Release.objects.get().status == Release.Status.DRAFT
