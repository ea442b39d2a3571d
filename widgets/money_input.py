"""Money as the cashier types it: yuan text ("128.5", "¥1,280.50", full-width "１２８．５") to integer cents,
exactly (string arithmetic, never a float); `MoneyInput`, the line edit for an amount in yuan; and `parse_points` for
a whole number of points. Showing money and points is `widgets.display`'s.

Refusals are the domain's typed errors (`EarnRefused`, `RedeemRefused`), so `ui.messages.describe` words them.
Thread: GUI thread (the functions are pure and run anywhere).
"""

from __future__ import annotations

import re
import unicodedata

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from loyalty.points import MAX_RECEIPT_CENTS, EarnProblem, EarnRefused, RedeemProblem, RedeemRefused

_YUAN = re.compile(r"(?P<whole>\d{0,15})(?:\.(?P<fraction>\d*))?")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_POINTS = re.compile(r"\d{1,12}")
_FRACTION = re.compile(r"\d+\.\d*|\.\d+")  # points typed with a decimal point: "100.5", "100.", ".5"


def _fold(text: str) -> str:
    """Full-width digits and signs (a Chinese input method's) to ASCII; the ideographic full stop to a point."""
    return unicodedata.normalize("NFKC", text).replace("。", ".").strip()


def parse_yuan(text: str, *, maximum: int = MAX_RECEIPT_CENTS) -> int:
    """Yuan text to cents: "128.5" → 12850, "0.05" → 5, "¥1,280" → 128000. Refuses (EarnRefused) letters, more than
    two decimals, a sign, zero or nothing (NOT_POSITIVE), and more than `maximum` cents (TOO_LARGE)."""
    cleaned = _fold(text).removeprefix("¥").strip()
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if cleaned.startswith("-") and _YUAN.fullmatch(cleaned[1:]):
        raise EarnRefused(EarnProblem.NOT_POSITIVE, "a negative amount")
    match = _YUAN.fullmatch(cleaned)
    if match is None:
        if re.fullmatch(r"\d{16,}(?:\.\d*)?", cleaned):
            raise EarnRefused(EarnProblem.TOO_LARGE, "too many digits", limit=maximum)
        raise EarnRefused(EarnProblem.NOT_INTEGER, "not an amount in yuan")
    whole, fraction = match["whole"], match["fraction"] or ""
    if len(fraction) > 2:
        raise EarnRefused(EarnProblem.NOT_INTEGER, "more than two decimals")
    if not whole and not fraction:
        raise EarnRefused(EarnProblem.NOT_POSITIVE, "no amount")
    cents = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    if cents <= 0:
        raise EarnRefused(EarnProblem.NOT_POSITIVE, "a zero amount")
    if cents > maximum:
        raise EarnRefused(EarnProblem.TOO_LARGE, "above the receipt limit", limit=maximum)
    return cents


def _field_text(cents: int) -> str:
    """Cents as the field's own text, what `parse_yuan` reads back: 12850 → "128.50" (no symbol, no grouping; money
    shown to people is `widgets.display.yuan_text`)."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{fraction:02d}"


def parse_points(text: str) -> int:
    """A whole number of points ("500", full-width "５００", "1,000"); refuses a number with a fraction ("100.5")
    with NOT_INTEGER and anything else, zero included, with NOT_POSITIVE (RedeemRefused)."""
    cleaned = _fold(text).replace(",", "")
    if _FRACTION.fullmatch(cleaned):
        raise RedeemRefused(RedeemProblem.NOT_INTEGER, "points are a whole number, without a fraction")
    if not _POINTS.fullmatch(cleaned) or int(cleaned) <= 0:
        raise RedeemRefused(RedeemProblem.NOT_POSITIVE, "not a whole number of points")
    return int(cleaned)


class MoneyInput(QLineEdit):
    """An amount in yuan. `cents()` parses it (raising the domain's refusal); `cents_or_none()` for live previews;
    `edited_cents` fires on the cashier's edits with the cents (an int), or None when the text is not an amount yet."""

    edited_cents = Signal(object)

    def __init__(self, *, maximum: int = MAX_RECEIPT_CENTS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._maximum = maximum
        self.setPlaceholderText("0.00")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        self.setMaxLength(24)
        self.textEdited.connect(self._on_edited)

    def cents(self) -> int:
        return parse_yuan(self.text(), maximum=self._maximum)

    def cents_or_none(self) -> int | None:
        try:
            return self.cents()
        except EarnRefused:
            return None

    def set_cents(self, cents: int | None) -> None:
        """Show an amount (programmatic: `edited_cents` does not fire); None clears the field."""
        self.setText("" if cents is None else _field_text(cents))

    def _on_edited(self, _text: str) -> None:
        self.edited_cents.emit(self.cents_or_none())
