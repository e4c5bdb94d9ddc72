"""The HTTP answer carrying an attachment's content, for the API and the pages alike.

It streams (memory stays flat), is never stored by a browser or a proxy (``Cache-Control:
no-store``), is named from the case number and the document's title through Django's
``content_disposition_header`` (RFC 6266 / 5987: no quoting or header injection whatever the
title holds), and may not be sniffed into another type or run anything
(``X-Content-Type-Options: nosniff``; a ``Content-Security-Policy`` that loads nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from attachments.choices import EXTENSIONS, MediaType
from attachments.models import Attachment

# Characters a file name may not carry: controls, path separators and what shells and
# systems treat specially.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def download_name(attachment: Attachment) -> str:
    """``<case number>-<title>.<extension>``, with unsafe characters replaced."""
    title = _UNSAFE.sub("_", attachment.title).strip(" ._")[:100] or "document"
    return f"{attachment.case.number}-{title}.{EXTENSIONS[MediaType(attachment.media_type)]}"


def content_response(attachment: Attachment, chunks: Iterator[bytes], *, inline: bool = False) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=attachment.media_type)
    response["Content-Length"] = str(attachment.size)
    response["Content-Disposition"] = content_disposition_header(not inline, download_name(attachment))
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    # A sandbox keeps an image or a downloaded file from running anything; Chromium's PDF viewer
    # refuses to open in a sandbox, so a PDF shown in the browser gets no resource loads instead.
    sandbox = "" if inline and attachment.media_type == MediaType.PDF else "; sandbox"
    response["Content-Security-Policy"] = f"default-src 'none'{sandbox}"
    return response
