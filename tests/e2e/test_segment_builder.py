"""A marketer builds a segment with nested AND/OR in the browser's rule builder and sees the count."""

from playwright.sync_api import expect

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
