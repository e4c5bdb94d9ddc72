"""The dossier renderer: content (what it says), template and assets (how it looks), fonts,
fetcher and PDF/A finishing. ``exports.operations.dossier_generate`` is its one caller that
stores what it renders."""

import logging

# WeasyPrint's step-by-step progress is for its command line, not a server's log. Set here, before
# any module of this package imports WeasyPrint (which parses its own stylesheets on import).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
