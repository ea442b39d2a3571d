"""Where the app's resources live (stylesheet, translations, icons), found the same way from a checkout or an
installed package. The one place that knows the folder layout of `resources/`."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
TRANSLATIONS = RESOURCES / "translations"
STYLESHEET = RESOURCES / "style.qss"


def asset(name: str) -> Path:
    """A file under resources/, e.g. asset("style.qss")."""
    return RESOURCES / name


def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8") if STYLESHEET.exists() else ""
