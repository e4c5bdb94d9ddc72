"""Documents in a real browser: Alice drops a scanned consent form (a JPEG) onto the consents
tab, the progress bar runs, the tab lists it; the preview shows the image under the list and
the download gives back the file without its EXIF — then the same pages on a phone."""

import base64

import pytest
from playwright.sync_api import expect

from attachments.models import Attachment
from tests.attachments import samples
from tests.browser.navigate import open_case
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, person
from victims import operations

pytestmark = pytest.mark.browser

DROP = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const zone = document.querySelector("#dropzone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


def test_a_caseworker_drops_a_document_previews_and_downloads_it(
    page, cast, places, password, screenshot, settings, tmp_path
):
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    settings.STORAGES = {**settings.STORAGES, "attachments": storage}
    case = operations.case_register(
        actor=cast.alice, victim=person(501, age=24), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    original = samples.jpeg(exif=samples.exif_with("浏览器测试的拍摄地点"), image=samples.noise_image((320, 200)))

    sign_in(page, "alice", password)
    page.set_viewport_size({"width": 1366, "height": 900})
    open_case(page, case, "consents")
    expect(page.locator("#attachments-empty")).to_be_visible()
    page.evaluate(DROP, [base64.b64encode(original).decode(), "签字同意书扫描件.jpg"])
    expect(page.locator(".dropzone__name")).to_have_text("签字同意书扫描件.jpg")
    page.locator("#id_kind").select_option("consent_form")
    page.locator("#id_title").fill("知情同意书（虚构）")
    screenshot(page, "consents-before-upload-1366")
    page.locator("#upload-submit").click()
    row = page.locator("#attachment-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("知情同意书（虚构）")
    expect(page.locator(".message--success")).to_have_text("文件已上传。")
    attachment = Attachment.objects.get()
    assert attachment.file_name == "签字同意书扫描件.jpg"

    # Preview: the image opens under the list (fetched with no-store), then closes.
    page.locator(".attachment-preview-link").click()
    expect(page.locator("#attachment-preview")).to_be_visible()
    expect(page.locator("#attachment-preview-image")).to_have_js_property("naturalWidth", 320)
    screenshot(page, "consents-preview-1366")
    page.locator("#attachment-preview-close").click()
    expect(page.locator("#attachment-preview")).to_be_hidden()

    # Download: the same pixels, no EXIF.
    with page.expect_download() as info:
        page.locator(".attachment-download-link").click()
    downloaded = open(info.value.path(), "rb").read()  # noqa: PTH123, SIM115
    assert samples.scan_data(downloaded) == samples.scan_data(original)
    assert "浏览器测试的拍摄地点".encode() not in downloaded
    assert info.value.suggested_filename == f"{case.number}-知情同意书（虚构）.jpg"

    # A refused upload says why, next to the form, and stores nothing.
    page.evaluate(DROP, [base64.b64encode(b"not an image at all").decode(), "fake.jpg"])
    page.locator("#id_title").fill("不是图片")
    page.locator("#upload-submit").click()
    expect(page.locator(".upload-status--error")).to_contain_text("不接受此类文件")
    assert Attachment.objects.count() == 1
    screenshot(page, "consents-refused-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    open_case(page, case, "consents")
    expect(page.locator("#attachment-list")).to_be_visible()
    screenshot(page, "consents-390")
    page.locator(f"#attachment-{attachment.uuid} .attachment-withdraw-link").click()
    expect(page.locator("#withdraw-form")).to_be_visible()
    screenshot(page, "withdraw-390")
