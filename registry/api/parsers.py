"""The API's JSON parser: DRF's, with the nesting of a body bounded before it is parsed.

Python's JSON decoder recurses once per level of nesting, so a body of a thousand ``[`` would
end in a ``RecursionError`` (a 500 with a traceback in the log) — and anyone can send one, the
token endpoint parses bodies before anyone is signed in. :func:`nesting_exceeds` walks the text
without recursion, in time linear in its length, and a body nested deeper than
:attr:`JSONParser.max_depth` answers 400 ``json_too_deep`` before the decoder sees it. No body
of the API nests beyond a few levels.

The size of a body is bounded before this parser runs: DRF reads a JSON body through
``HttpRequest.body``, which refuses one larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(``RequestDataTooBig``, answered 413 ``request_too_large`` by ``registry.api.errors``).

Set as ``DEFAULT_PARSER_CLASSES``' JSON parser and on every view that names its parsers
(``registry.api.cases.CaseRouteViewSet``); a test checks no API view parses JSON another way.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from registry.errors import RegistryError

MAX_DEPTH = 32

# Outside strings only brackets change the depth; a string is skipped whole, escapes included
# (an escaped quote does not end it). Each character is looked at once: the string pattern is
# anchored where the string starts, never backtracks, and when a string never ends the walk
# stops there.
_BRACKET_OR_QUOTE = re.compile(r'[\[\]{}"]')
_REST_OF_STRING = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)  # possessive: no backtracking


class JsonTooDeep(RegistryError):
    """A JSON body nested deeper than the API accepts (400)."""

    code = "json_too_deep"


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects in the JSON ``text`` nest more than ``limit`` deep.

    Iterative and linear; it judges nesting only — malformed text is left to the decoder."""
    if text.count("[") + text.count("{") <= limit:
        return False  # too few brackets to nest that deep (most bodies: no walk at all)
    depth = 0
    position = 0
    find = _BRACKET_OR_QUOTE.search
    while (found := find(text, position)) is not None:
        char, position = found.group(), found.end()
        if char == '"':
            string = _REST_OF_STRING.match(text, position)
            if string is None:
                return False  # an unterminated string: the decoder refuses the body
            position = string.end()
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``max_depth`` with 400."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid %(encoding)s.") % {"encoding": encoding}) from None
        if nesting_exceeds(text, self.max_depth):
            raise JsonTooDeep(
                _("The JSON body nests arrays and objects more than %(limit)d deep.") % {"limit": self.max_depth}
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
