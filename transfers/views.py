"""Pages of transfers (filled in by its helper)."""


def case_header(request, case):
    return None
