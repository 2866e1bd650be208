"""A marketer builds segments in the browser's rule builder and sees the count: nested AND/OR, and an
event condition with a window, a count and a property filter."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from people import events, selectors, services
from people.models import Company, Segment
from tests.e2e.conftest import login
from tests.factories import PersonFactory, TagFactory, UserFactory


def test_nested_and_or_segment_counts_saves_and_is_listed(live_stack, browser):
    UserFactory(username="mia", roles=["marketer"])
    vip, other_tag = TagFactory(name="vip"), TagFactory(name="newsletter")
    acme, globex = Company.objects.create(name="Acme"), Company.objects.create(name="Globex")
    people = [
        PersonFactory(first_name="alice", tags=[vip]),
        PersonFactory(first_name="Andy", company=acme),
        PersonFactory(first_name="anna", company=globex, tags=[other_tag]),
        PersonFactory(first_name="bob", company=acme, tags=[vip]),
        PersonFactory(first_name="Amy", company=acme, tags=[vip]),
        PersonFactory(first_name="carl"),
        PersonFactory(first_name="Ava", company=acme),
    ]

    def expected(either: bool) -> list[str]:
        """Counted here in Python over the persons made above, not by the segment compiler."""
        hits = []
        for person in people:
            is_vip = vip in person.tags.all()
            at_acme = person.company_id == acme.pk
            grouped = (is_vip or at_acme) if either else (is_vip and at_acme)
            if grouped and person.first_name.lower().startswith("a"):
                hits.append(person.first_name)
        return hits

    either, both = expected(either=True), expected(either=False)
    assert len(either) == 4 and len(both) == 1  # the data tells OR from AND

    page = login(browser, live_stack, "mia", "pw-123456", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_stack}/segments/")
    page.get_by_test_id("new-segment").click()
    count = page.get_by_test_id("live-count")
    expect(count).to_have_text(str(len(people)))  # an empty AND matches everyone

    # (tag vip OR company Acme) ...
    page.get_by_test_id("add-group-root").click()
    expect(page.get_by_test_id("group-op-root.0")).to_have_text("OR")
    page.get_by_test_id("subject-root.0.0").select_option(f"tag:{vip.pk}")
    expect(page.get_by_test_id("operator-root.0.0")).to_have_value("has")
    page.get_by_test_id("add-condition-root.0").click()
    page.get_by_test_id("subject-root.0.1").select_option(f"company:{acme.pk}")
    expect(page.get_by_test_id("operator-root.0.1")).to_have_value("in")
    expect(page.get_by_test_id("value-root.0.1")).to_have_count(0)  # "in" takes no value

    # ... AND first name starts with "a"; the server's complaint about the missing value shows on its row.
    page.get_by_test_id("add-condition-root").click()
    page.get_by_test_id("subject-root.1").select_option("attribute:first_name")
    operator = page.get_by_test_id("operator-root.1")
    expect(operator.locator("option")).to_have_text(
        [
            "is",
            "is not",
            "contains",
            "does not contain",
            "starts with",
            "ends with",
            "is empty",
            "is not empty",
        ]
    )
    operator.select_option("starts_with")
    expect(page.get_by_test_id("rule-error-root.1")).to_contain_text("needs a value")
    page.get_by_test_id("value-root.1").fill("a")
    expect(page.get_by_test_id("rule-error-root.1")).to_have_count(0)
    expect(count).to_have_text(str(len(either)))
    preview = page.get_by_test_id("preview-list").locator("li")
    expect(preview).to_have_count(len(either))
    for name in either:
        expect(page.get_by_test_id("preview-list")).to_contain_text(name)

    # AND instead of OR inside the group narrows it; switch back.
    page.get_by_test_id("group-op-root.0").click()
    expect(count).to_have_text(str(len(both)))
    page.get_by_test_id("group-op-root.0").click()
    expect(count).to_have_text(str(len(either)))

    page.get_by_test_id("segment-name").fill("VIP or Acme, A-names")
    page.get_by_test_id("save-segment").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Saved.")

    segment = Segment.objects.get(name="VIP or Acme, A-names")
    assert segment.rules == {
        "op": "and",
        "rules": [
            {
                "op": "or",
                "rules": [{"tag": vip.pk, "operator": "has"}, {"company": acme.pk, "operator": "in"}],
            },
            {"attribute": "first_name", "operator": "starts_with", "value": "a"},
        ],
    }
    page.goto(f"{live_stack}/segments/")
    expect(page.get_by_test_id(f"segment-count-{segment.pk}")).to_have_text(str(len(either)))
    page.get_by_role("link", name="VIP or Acme, A-names").click()
    expect(page.get_by_test_id("value-root.1")).to_have_value("a")
    expect(page.get_by_test_id("live-count")).to_have_text(str(len(either)))


# Purchases (total, days ago) per person: each row tells one part of "purchase happened in the last
# 7 days at least 2 times with total >= 50" apart from a wrong version of it (see `expected`).
PURCHASES = {
    "Ann": [(60, 1), (50, 2)],  # 50 counts only with >= (not >)
    "Ben": [(80, 1), (90, 3), (10, 1)],  # two of three are big enough
    "Cas": [(70, 1), (70, 10)],  # the second one is outside the window
    "Dee": [(100, 1)],  # once only
    "Eva": [(20, 1), (30, 2)],  # twice, but small
    "Fay": [],
    "Gus": [(55, 1), (55, 2), (55, 3)],  # three times: "exactly 2" would leave him out
}


def expected(*, total=lambda t: t >= 50, days: int | None = 7, times=lambda n: n >= 2) -> set[str]:
    """Who has purchases matching the filter and window `times` times, counted here in Python over
    PURCHASES, not by the segment compiler."""
    return {
        name
        for name, purchases in PURCHASES.items()
        if purchases and times(sum(1 for t, ago in purchases if total(t) and (days is None or ago < days)))
    }


def test_event_condition_with_window_count_and_property_filter_counts_as_the_server(live_stack, browser):
    UserFactory(username="mia", roles=["marketer"])
    events.event_definition_create(
        key="purchase",
        label="Purchase",
        properties=[
            {"key": "channel", "label": "Channel", "data_type": "TEXT"},
            {"key": "total", "label": "Total", "data_type": "NUMBER"},
        ],
    )
    now = timezone.now()
    items = []
    for name, purchases in PURCHASES.items():
        person = services.person_create(first_name=name)
        for i, (total, ago) in enumerate(purchases):
            at = now - dt.timedelta(days=ago, hours=1)
            items.append(
                {
                    "idempotency_key": f"{name}-{i}",
                    "event": "purchase",
                    "person": {"id": person.pk},
                    "occurred_at": at.isoformat(),
                    "properties": {"total": total, "channel": "web"},
                }
            )
    assert events.events_ingest(items=items).accepted == len(items)

    wanted = expected()
    assert wanted == {"Ann", "Ben", "Gus"}
    # A wrong operator, window or count anywhere gives another count.
    assert len(expected(total=lambda t: t > 50)) == 2
    assert len(expected(days=None)) == 4
    assert len(expected(times=lambda n: n == 2)) == 2
    assert len(expected(total=lambda t: True)) == 4

    page = login(browser, live_stack, "mia", "pw-123456", viewport={"width": 1400, "height": 900})
    page.goto(f"{live_stack}/segments/new/")
    count = page.get_by_test_id("live-count")
    expect(count).to_have_text(str(len(PURCHASES)))

    page.get_by_test_id("add-condition-root").click()
    page.get_by_test_id("subject-root.0").select_option("event:purchase")
    expect(page.get_by_test_id("operator-root.0")).to_have_value("happened")
    expect(count).to_have_text(str(len(expected(total=lambda t: True, days=None, times=lambda n: n >= 1))))

    page.get_by_test_id("event-window-amount-root.0").fill("7")
    expect(page.get_by_test_id("event-window-unit-root.0")).to_have_value("days")
    page.get_by_test_id("event-count-op-root.0").select_option("gte")
    page.get_by_test_id("event-count-value-root.0").fill("2")
    expect(count).to_have_text(str(len(expected(total=lambda t: True))))

    page.get_by_test_id("add-event-property-root.0").click()
    page.get_by_test_id("event-property-root.0-0").select_option("total")
    page.get_by_test_id("event-property-op-root.0-0").select_option("gte")
    page.get_by_test_id("event-property-value-root.0-0").fill("50")
    expect(count).to_have_text(str(len(wanted)))
    for name in wanted:
        expect(page.get_by_test_id("preview-list")).to_contain_text(name)
    expect(page.get_by_test_id("preview-list").locator("li")).to_have_count(len(wanted))

    # The operators the marketer picks are the ones counted: "greater than" drops Ann's 50, and
    # "not happened" is everyone else.
    page.get_by_test_id("event-property-op-root.0-0").select_option("gt")
    expect(count).to_have_text(str(len(expected(total=lambda t: t > 50))))
    page.get_by_test_id("event-property-op-root.0-0").select_option("gte")
    expect(count).to_have_text(str(len(wanted)))
    page.get_by_test_id("operator-root.0").select_option("not_happened")
    expect(count).to_have_text(str(len(PURCHASES) - len(wanted)))
    page.get_by_test_id("operator-root.0").select_option("happened")
    expect(count).to_have_text(str(len(wanted)))

    page.get_by_test_id("segment-name").fill("Repeat big buyers")
    page.get_by_test_id("save-segment").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Saved.")

    segment = Segment.objects.get(name="Repeat big buyers")
    assert segment.rules == {
        "op": "and",
        "rules": [
            {
                "event": "purchase",
                "operator": "happened",
                "within": {"amount": 7, "unit": "days"},
                "count": {"operator": "gte", "value": 2},
                "properties": [{"property": "total", "operator": "gte", "value": 50}],
            }
        ],
    }
    in_segment = selectors.segment_persons(segment)
    assert {p.first_name for p in in_segment} == wanted

    page.goto(f"{live_stack}/segments/")
    expect(page.get_by_test_id(f"segment-count-{segment.pk}")).to_have_text(str(in_segment.count()))
    page.get_by_role("link", name="Repeat big buyers").click()
    expect(page.get_by_test_id("event-window-amount-root.0")).to_have_value("7")
    expect(page.get_by_test_id("event-count-value-root.0")).to_have_value("2")
    expect(page.get_by_test_id("event-property-value-root.0-0")).to_have_value("50")
    expect(page.get_by_test_id("live-count")).to_have_text(str(in_segment.count()))
