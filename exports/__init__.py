"""Archival PDF dossiers, their fixity, batch archival and aggregate reports (DESIGN §6)."""
