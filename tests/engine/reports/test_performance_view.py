"""The flow performance page's view (engine/reports/views_performance.py): who may open it, 404 for an
unknown flow, and a page configuration whose URLs are the report API's real routes. (What the page shows:
tests/e2e/test_performance_page.py.)"""

import json
import re

import pytest

from tests.factories import FlowFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def page_config(html: str) -> dict:
    match = re.search(r'<script id="performance-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no performance-config in the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("role", ["marketer", "staff"])
def test_marketers_and_staff_open_it_with_the_report_api_urls(client, role):
    flow = FlowFactory(name=HOSTILE)
    client.force_login(UserFactory(roles=[role]))
    response = client.get(f"/flows/{flow.pk}/performance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert HOSTILE not in html
    config = page_config(html)
    assert config == {
        "flowId": flow.pk,
        "flowName": HOSTILE,
        "reportUrl": f"/api/flows/{flow.pk}/report/",
        "activityUrl": f"/api/flows/{flow.pk}/report/activity/",
        "answersUrl": f"/api/flows/{flow.pk}/report/answers/",
        "participantsUrl": f"/flows/{flow.pk}/participants/",
        "flowUrl": f"/flows/{flow.pk}/",
    }
    # The URLs answer (an unpublished flow: no definition yet, and no element to list answers of).
    assert client.get(config["reportUrl"]).json()["definition"] is None
    assert client.get(config["activityUrl"]).status_code == 200
    assert client.get(config["answersUrl"] + "ask/").status_code == 404
    assert 'src="/static/dist/reports.js"' in html


def test_the_flow_page_links_to_it(client, marketer):
    flow = FlowFactory()
    client.force_login(marketer)
    html = client.get(f"/flows/{flow.pk}/").content.decode()
    assert f'href="/flows/{flow.pk}/performance/"' in html


def test_others_are_refused_and_unknown_flows_are_404(client, enduser, marketer):
    flow = FlowFactory()
    response = client.get(f"/flows/{flow.pk}/performance/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(enduser)
    assert client.get(f"/flows/{flow.pk}/performance/").status_code == 403
    client.force_login(marketer)
    assert client.get(f"/flows/{flow.pk + 1000}/performance/").status_code == 404
