"""A marketer uploads a CSV on the import page, maps it, starts it and watches the run finish in the
real qcluster, then downloads the rejected rows."""

from playwright.sync_api import expect

from people.models import Person, PersonImport
from tests.e2e.conftest import login
from tests.factories import TagFactory, UserFactory


def test_upload_map_start_progress_and_rejected_rows(live_stack, browser, tmp_path):
    UserFactory(username="mia", roles=["marketer"])
    TagFactory(name="fair")
    lines = ["Mail;Voornaam;Mobile;Notes"]
    lines += [f"p{i}@example.com;Person {i};+324701{i:05d};n{i}" for i in range(120)]
    lines += ["not-an-email;Bad;+32470999999;x", "ok@example.com;Phone;12;y"]
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = login(browser, live_stack, "mia", "pw-123456")
    page.goto(f"{live_stack}/people/")
    page.get_by_test_id("import-people").click()
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.get_by_test_id("import-upload").click()

    expect(page.get_by_test_id("detected-delimiter")).to_have_text("semicolon")
    expect(page.get_by_test_id("import-preview").locator("tbody tr")).to_have_count(5)
    expect(page.get_by_test_id("map-0")).to_have_value("email")
    expect(page.get_by_test_id("map-1")).to_have_value("first_name")
    expect(page.get_by_test_id("map-2")).to_have_value("phone")
    expect(page.get_by_test_id("map-3")).to_have_value("ignore")
    page.get_by_test_id("import-upsert-key").select_option("email")
    page.get_by_test_id("import-tags").select_option(label="fair")
    page.get_by_test_id("import-start").click()

    expect(page.get_by_test_id("import-progress")).to_have_text("122 / 122", timeout=30_000)
    expect(page.get_by_test_id("import-status")).to_have_text("done")
    expect(page.get_by_test_id("import-created")).to_have_text("120")
    expect(page.get_by_test_id("import-rejected")).to_have_text("2")
    link = page.get_by_test_id("rejected-download")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines() == [
        "line,reason,Mail,Voornaam,Mobile,Notes",
        "122,Mail: Enter a valid email address.,not-an-email,Bad,+32470999999,x",
        '123,"Mobile: Enter a valid phone number, e.g. +32470123456.",ok@example.com,Phone,12,y',
    ]
    assert Person.objects.filter(tags__name="fair").count() == 120
    assert PersonImport.objects.get().status == "done"
