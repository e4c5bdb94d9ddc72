"""The dossier renderer's URL fetcher: the template's own assets and nothing else (DESIGN §6).

WeasyPrint's default fetcher reads ``file://`` URLs and follows HTTP redirects, so a dossier
whose text were ever taken for markup (``<img src="file:///etc/passwd">``, a tracking pixel on
``http://``) could pull a file or reach the network. :class:`AssetFetcher` answers only the
exact URLs of the assets the renderer registered — the fonts and the stylesheet, under the
``dossier-asset:`` scheme — from memory. It opens no socket and no file, follows no redirect,
and any other URL (``file:``, ``http(s):``, ``data:``, a relative one) is refused *fatally*:
the rendering stops with :class:`AssetRefused` rather than carry on without telling.
"""

from __future__ import annotations

from collections.abc import Mapping

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ASSET_SCHEME = "dossier-asset"


def asset_url(path: str) -> str:
    """The URL of one template asset, e.g. ``dossier-asset:/fonts/NotoSansCJKsc-Regular.otf``."""
    return f"{ASSET_SCHEME}:/{path.lstrip('/')}"


class AssetRefused(FatalURLFetchingError):
    """The renderer was asked for a URL that is not one of its assets. (WeasyPrint stops on a
    ``FatalURLFetchingError``; it is a ``BaseException``, so callers catch it by name.)"""


class AssetFetcher(URLFetcher):
    """Serves ``assets`` — ``{url: (bytes, media type)}`` — and refuses every other URL."""

    def __init__(self, assets: Mapping[str, tuple[bytes, str]]):
        # No protocol but ours, no redirects, errors fatal. The handlers the base class sets up
        # (file, http, ftp …) are never used: fetch() below never calls the base class.
        super().__init__(allowed_protocols=frozenset({ASSET_SCHEME}), allow_redirects=False, fail_on_errors=True)
        self._assets = dict(assets)

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._assets)

    def fetch(self, url, headers=None):
        asset = self._assets.get(url)
        if asset is None:
            # The URL is not echoed: it might be text of the dossier taken for markup.
            raise AssetRefused("the dossier renderer fetches only its own template assets")
        body, media_type = asset
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})

    def open(self, url, data=None, timeout=None):
        # urllib's interface (OpenerDirector) goes through fetch() too, never the base handlers.
        return self.fetch(url.full_url if hasattr(url, "full_url") else url)
