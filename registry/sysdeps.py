"""System packages the registry needs, checked before it starts (and installed where possible).

Run as ``python -m registry.sysdeps [--for run|test] [--install]``. Without ``--install`` it
reports what is missing and exits 1; with it, as root on Debian or Ubuntu it installs the missing
packages with apt-get, and elsewhere it stops with the exact command to run. This module needs
no Django, so ``make`` can call it before anything is configured.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    what: str
    package: str  # Debian/Ubuntu package that provides it
    present: Callable[[], bool]
    why: str


def _library(name: str) -> Callable[[], bool]:
    return lambda: ctypes.util.find_library(name) is not None


def _font(family: str) -> Callable[[], bool]:
    def present() -> bool:
        if not shutil.which("fc-list"):
            return False
        found = subprocess.run(["fc-list", family, "family"], capture_output=True, text=True, check=False)  # noqa: S603, S607
        return bool(found.stdout.strip())

    return present


def _program(path: str) -> Callable[[], bool]:
    return lambda: shutil.which(path) is not None


# What serving the registry needs (dossiers are rendered by WeasyPrint on Pango).
RUN = (
    Requirement("Pango", "libpango-1.0-0", _library("pango-1.0"), "WeasyPrint lays out text with Pango"),
    Requirement("PangoFT2", "libpangoft2-1.0-0", _library("pangoft2-1.0"), "WeasyPrint loads fonts through PangoFT2"),
    Requirement(
        "HarfBuzz subsetter",
        "libharfbuzz-subset0",
        _library("harfbuzz-subset"),
        "without it WeasyPrint subsets CJK fonts in pure Python, about 30 times slower",
    ),
    Requirement("fontconfig", "fontconfig", _program("fc-list"), "fonts are found through fontconfig"),
    Requirement(
        "Noto Sans CJK SC font",
        "fonts-noto-cjk",
        _font("Noto Sans CJK SC"),
        "dossiers embed this named CJK font so their layout is the same on every machine",
    ),
)
# What the test suite needs on top.
TEST = RUN + (
    Requirement("poppler-utils", "poppler-utils", _program("pdftotext"), "tests read dossiers back with pdftotext"),
    Requirement("Chromium", "chromium", lambda: os.path.exists("/usr/bin/chromium"), "browser journeys run in it"),
)


def missing(requirements: tuple[Requirement, ...]) -> list[Requirement]:
    return [item for item in requirements if not item.present()]


def _can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def main(argv: list[str]) -> int:
    purpose = argv[argv.index("--for") + 1] if "--for" in argv else "run"
    requirements = TEST if purpose == "test" else RUN
    absent = missing(requirements)
    if not absent:
        return 0
    packages = sorted({item.package for item in absent})
    for item in absent:
        sys.stderr.write(f"missing: {item.what} (Debian package {item.package}) - {item.why}\n")
    if "--install" in argv and _can_apt():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        sys.stderr.write(f"installing with apt-get: {' '.join(packages)}\n")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603, S607
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)  # noqa: S603, S607
        still = missing(requirements)
        if not still:
            return 0
        absent = still
    sys.stderr.write(
        "Install the missing system packages, then run make again:\n"
        f"    sudo apt-get install {' '.join(sorted({item.package for item in absent}))}\n"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
