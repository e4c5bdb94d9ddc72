"""The renderer fetches nothing but its own assets: a victim whose name and notes hold HTML,
``file://`` and ``http://`` URLs gets a dossier that prints them as text and fetches nothing."""

import http.server
import threading

import pytest
from weasyprint.urls import FatalURLFetchingError

from exports import operations, storage
from exports.dossier.fetcher import AssetFetcher, AssetRefused, asset_url
from exports.dossier.render import DossierRenderError, get_renderer
from tests.exports.helpers import open_pdf, pdf_text
from victims import operations as case_operations

pytestmark = pytest.mark.django_db


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        self.send_response(302)  # a redirect to a file, should anyone follow it
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A server on loopback that records every request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL any dossier fetcher is asked for during the test."""
    urls = []
    original = AssetFetcher.fetch

    def spy(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(AssetFetcher, "fetch", spy)
    return urls


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_html_and_urls_in_a_victims_file_are_printed_escaped_and_nothing_is_fetched(
    register, cast, web_server, fetched
):
    port = web_server.server_port
    name = '林<b>小红</b><img src="file:///etc/passwd">'
    notes = (
        f'<img src="file:///etc/passwd"> <img src="http://127.0.0.1:{port}/pixel.png"> '
        f'<link rel="attachment" href="file:///etc/passwd"> <style>@import "http://127.0.0.1:{port}/x.css";</style> '
        f'<a href="http://127.0.0.1:{port}/link">链接</a> http://127.0.0.1:{port}/plain'
    )
    case = register(seed=77, full_name=name)
    case_operations.record_add(
        actor=cast.alice,
        case=case,
        model="household",
        data={"address": "云南省某村", "jurisdiction_code": "530102", "notes": notes},
    )
    record = operations.dossier_generate(actor=cast.dave, case=case)
    pdf = storage.open_sealed(storage.read(record.storage_name), record_uuid=record.uuid)

    text = squeezed(pdf_text(pdf))
    assert squeezed(name) in text  # the markup is text, escaped, not an element
    assert squeezed(notes) in text
    assert web_server.requests == []  # no request reached the network
    assert "root:x:0:0" not in pdf_text(pdf)
    assert b"root:x:0:0" not in pdf
    with open_pdf(pdf) as document:
        assert list(document.attachments) == [f"{case.number}.json"]  # nothing else was attached
        for page in document.pages:
            assert "/XObject" not in page.Resources or not list(page.Resources.XObject.keys())  # no image
    allowed = get_renderer().fetcher.urls
    assert set(fetched) <= allowed, fetched  # only the template's own assets, if anything


def test_the_fetcher_refuses_files_the_network_and_anything_not_an_asset(web_server):
    fetcher = AssetFetcher({asset_url("fonts/a.otf"): (b"font bytes", "font/otf")})
    assert fetcher.fetch(asset_url("fonts/a.otf")).read() == b"font bytes"
    port = web_server.server_port
    for url in (
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/pixel.png",
        f"https://127.0.0.1:{port}/pixel.png",
        "data:text/plain,hello",
        asset_url("fonts/../../../etc/passwd"),
        asset_url("fonts/b.otf"),
        "fonts/a.otf",
    ):
        with pytest.raises(AssetRefused):
            fetcher.fetch(url)
        with pytest.raises(AssetRefused):
            fetcher.open(url)
    assert web_server.requests == []
    assert issubclass(AssetRefused, FatalURLFetchingError)  # WeasyPrint stops instead of going on


def test_markup_that_reached_weasyprint_unescaped_would_stop_the_rendering(web_server):
    # Defence in depth: were the template ever to let markup through, the fetcher refuses it
    # fatally — the dossier fails, nothing is fetched, nothing is silently left out.
    renderer = get_renderer()
    port = web_server.server_port
    for html in (
        '<html><body><img src="file:///etc/passwd"></body></html>',
        f'<html><body><img src="http://127.0.0.1:{port}/pixel.png"></body></html>',
        f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"></head><body>x</body></html>',
    ):
        with pytest.raises(DossierRenderError):
            renderer.render(html, language="zh-hans", attachment=b"{}", attachment_name="a.json", created=_now())
    assert web_server.requests == []


def _now():
    from django.utils import timezone

    return timezone.now()
