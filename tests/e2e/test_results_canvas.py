"""The designer's results mode on the real processes (daphne, engine worker, qcluster) and Chromium: a
marketer watches the canvas while staff launch the flow to two end users and one of them answers in the
inbox; the counts on the elements and connections change live, without a reload. Then a click on an
element lists who waits there, a participant's path is drawn on the canvas, and the draft editor is
found as it was after a visit to the results."""

from playwright.sync_api import Page, expect

from engine.models import Participant
from flowdesigner import services as flow_services
from tests.e2e.conftest import login
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
LIVE = 30_000  # ms: a step through the worker, the outbox, the channel layer and a refetch


def published_flow(tag):
    definition = two_step_definition(tags=[tag.pk])
    definition["ui"] = {
        "nodes": {
            "audience": {"x": 0, "y": 0},
            "ask": {"x": 300, "y": 0},
            "thanks": {"x": 600, "y": -120},
            "accepted": {"x": 900, "y": -120},
            "declined": {"x": 600, "y": 200},
        }
    }
    flow = FlowFactory(name="Friday", draft_definition=definition)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    return flow


def count(page: Page, name: str, node: str):
    return page.get_by_test_id(f"result-{name}-{node}")


def viewport_transform(page: Page) -> str:
    viewport = page.locator("[data-testid=results-canvas] .react-flow__viewport")
    return viewport.evaluate("e => e.style.transform")


def test_counts_change_live_on_the_results_canvas(live_stack, browser):
    base = live_stack
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    erin_user = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    finn_user = UserFactory(username="finn", password=PASSWORD, roles=["enduser"])
    tag = TagFactory(name="friday")
    erin = PersonFactory(first_name="Erin", last_name="Doe", user=erin_user, tags=[tag])
    finn = PersonFactory(first_name="Finn", last_name="Roe", user=finn_user, tags=[tag])
    flow = published_flow(tag)

    # --- the marketer opens the results canvas before anything happened -----------------------------
    canvas = login(browser, base, "mia", PASSWORD, viewport={"width": 1600, "height": 900})
    page_errors = []
    canvas.on("pageerror", lambda error: page_errors.append(error))
    canvas.goto(f"{base}/flows/{flow.pk}/design/?results=1")
    expect(canvas.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    expect(canvas.get_by_test_id("results-version")).to_have_value("1")
    expect(count(canvas, "entered", "ask")).to_have_text("0")
    expect(canvas.get_by_test_id("result-edge-audience-next")).to_have_text("0")
    # Results mode draws the published version read-only: no palette, no draft toolbar.
    expect(canvas.get_by_test_id("palette-message")).to_have_count(0)
    expect(canvas.get_by_test_id("save")).to_have_count(0)
    canvas.evaluate("window.__sameDocument = 'yes'")
    viewport_before = viewport_transform(canvas)

    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
    inbox.goto(f"{base}/inbox/")
    expect(inbox.get_by_test_id("connection")).to_have_text("live")

    # --- staff launch it to the tag (two end users) ------------------------------------------------
    console = login(browser, base, "sam", PASSWORD)
    console.goto(f"{base}/flows/{flow.pk}/")
    console.check("input[name=audience][value=tag]")
    console.select_option("select[name=tag]", str(tag.pk))
    console.fill("input[name=launch_tag]", "dec")
    console.get_by_test_id("launch").click()
    console.get_by_test_id("launch-confirm").click()  # the "Launch version N to X people?" dialog
    expect(console.locator(".flash")).to_contain_text("to 2 people")

    # Both entered and wait at the question; the connection into it was passed twice.
    expect(count(canvas, "entered", "audience")).to_have_text("2", timeout=LIVE)
    expect(canvas.get_by_test_id("result-edge-audience-next")).to_have_text("2", timeout=LIVE)
    expect(count(canvas, "entered", "ask")).to_have_text("2", timeout=LIVE)
    expect(count(canvas, "waiting", "ask")).to_have_text("2", timeout=LIVE)
    expect(canvas.get_by_test_id("total-entered")).to_have_text("2", timeout=LIVE)

    # --- Erin answers "Yes", then "OK" -------------------------------------------------------------
    question = inbox.locator("[data-testid^=message-]", has_text="Coming on Friday?")
    expect(question).to_be_visible(timeout=LIVE)
    question.get_by_test_id("answer-yes").click()
    expect(question.get_by_test_id("answered")).to_contain_text("Yes")

    expect(count(canvas, "waiting", "ask")).to_have_text("1", timeout=LIVE)
    expect(canvas.get_by_test_id("result-edge-ask-yes")).to_have_text("1", timeout=LIVE)
    expect(canvas.get_by_test_id("result-edge-ask-no")).to_have_text("0")
    expect(count(canvas, "entered", "thanks")).to_have_text("1", timeout=LIVE)
    expect(count(canvas, "waiting", "thanks")).to_have_text("1", timeout=LIVE)

    follow_up = inbox.locator("[data-testid^=message-]", has_text="Great!")
    expect(follow_up).to_be_visible(timeout=LIVE)
    follow_up.get_by_test_id("answer-ok").click()
    expect(count(canvas, "completed", "accepted")).to_have_text("1", timeout=LIVE)
    expect(canvas.get_by_test_id("result-edge-thanks-ok")).to_have_text("1", timeout=LIVE)
    expect(count(canvas, "waiting", "thanks")).to_have_text("0", timeout=LIVE)
    expect(canvas.get_by_test_id("total-completed")).to_have_text("1", timeout=LIVE)

    # All of it arrived in the same document (no reload), and the canvas did not move.
    assert canvas.evaluate("window.__sameDocument") == "yes"
    assert viewport_transform(canvas) == viewport_before

    # --- a click on an element lists who waits there -----------------------------------------------
    finn_participant = Participant.objects.get(person=finn)
    erin_participant = Participant.objects.get(person=erin)
    canvas.get_by_test_id("result-node-ask").click()
    expect(canvas.get_by_test_id("panel-waiting")).to_have_text("1")
    expect(canvas.get_by_test_id("panel-exit-yes")).to_contain_text("1")
    waiting = canvas.get_by_test_id(f"waiting-participant-{finn_participant.pk}")
    expect(waiting).to_have_text("Finn Roe")
    expect(waiting).to_have_attribute("href", f"/flows/{flow.pk}/participants/{finn_participant.pk}/")
    expect(canvas.get_by_test_id("waiting-list").locator("li")).to_have_count(1)
    canvas.get_by_test_id("result-node-thanks").click()
    expect(canvas.get_by_test_id("waiting-empty")).to_be_visible()

    # --- a participant's path, as the participant page's "Show on canvas" opens it -----------------
    canvas.goto(f"{base}/flows/{flow.pk}/participants/{erin_participant.pk}/")
    canvas.get_by_test_id("show-on-canvas").click()
    expect(canvas.get_by_test_id("participant-name")).to_have_text("Erin Doe")
    expect(canvas.get_by_test_id("path-steps-audience")).to_have_text("1")
    expect(canvas.get_by_test_id("path-steps-ask")).to_have_text("2")
    expect(canvas.get_by_test_id("path-steps-thanks")).to_have_text("3")
    expect(canvas.get_by_test_id("path-steps-accepted")).to_have_text("4")
    expect(canvas.get_by_test_id("path-steps-declined")).to_have_count(0)
    expect(canvas.get_by_test_id("result-edge-ask-yes")).to_have_attribute("data-path-steps", "2")
    expect(canvas.get_by_test_id("result-edge-ask-no")).not_to_have_attribute("data-path-steps", "2")
    expect(canvas.get_by_test_id("participant-messages")).to_contain_text("Coming on Friday?")
    expect(canvas.get_by_test_id("participant-messages")).to_contain_text("Great!")

    canvas.goto(f"{base}/flows/{flow.pk}/design/?results=1&participant=999999")
    expect(canvas.get_by_test_id("participant-unknown")).to_contain_text("There is no participant 999999")
    expect(count(canvas, "entered", "ask")).to_have_text("2")

    # --- back to the draft: the editor is as it was, the results show the published version ----------
    canvas.get_by_test_id("mode-edit").click()
    canvas.get_by_test_id("node-ask").click()
    canvas.get_by_test_id("field-text").fill("Coming on Saturday?")
    canvas.get_by_test_id("mode-results").click()
    assert "results=1" in canvas.url
    expect(canvas.get_by_test_id("result-node-ask")).to_contain_text("Coming on Friday?")
    expect(canvas.get_by_test_id("result-node-ask")).not_to_contain_text("Saturday")
    # (the hidden editor keeps its own toggle)
    canvas.get_by_test_id("results-mode").get_by_test_id("mode-edit").click()
    assert "results=1" not in canvas.url
    expect(canvas.get_by_test_id("field-text")).to_have_value("Coming on Saturday?")
    expect(canvas.get_by_test_id("node-ask")).to_contain_text("Coming on Saturday?")
    assert page_errors == []
