"""Logging filters: what no log line may carry (``LOGGING`` in ``registry.settings``).

Exact search puts personal values in the query string (``?name=``, ``?id_number=``), so no log
line may hold a query string. :class:`StripQueryString` is on every handler. The shapes it
covers: the development server's access line (``"GET /api/v1/cases/?name=… HTTP/1.1" 200 …``,
logger ``django.server``), its message about a malformed request, which quotes the raw request
line (``Bad request syntax ('GET /?name=… …')``), and any other message or argument that holds
a URL with a query.
"""

from __future__ import annotations

import logging
import re

__all__ = ["StripQueryString", "strip_query_string"]

# A "?" followed by text: up to the protocol of a request line (" HTTP/1.1"; a malformed
# request line may hold spaces in its query) or else up to the next white space. A question
# mark ending a sentence ("… right? …") is left alone.
_QUERY = re.compile(r"\?(?=\S)(?:.*?(?=\s+HTTP/\d)|\S*)", re.DOTALL)


def strip_query_string(text: str) -> str:
    """``text`` with every query string removed (``GET /cases/?name=x HTTP/1.1`` becomes
    ``GET /cases/ HTTP/1.1``)."""
    return _QUERY.sub("", text)


class StripQueryString(logging.Filter):
    """Remove query strings from a record's message and from each of its string arguments (the
    message is a format string and the request line one of its arguments). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query_string(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query_string(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                key: strip_query_string(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        return True
