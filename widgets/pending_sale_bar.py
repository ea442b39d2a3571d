"""`PendingSaleBar`, the strip across the counter window while the POS has a sale waiting for the cashier: how many
items and the total ("收银机待结算：12 件 ¥356.00"), the points the customer asked to redeem, and the one key that
confirms it: F10 "确认积分" with a member on screen, F11 "无会员结账" without one. It only shows what it is given and
says which button was pressed; the counter window (`ui.pending_sale`) owns the sale and the keys' meaning.

The keys are F10 and F11 because F1–F7, F9 and F12 are the window's and the member page's, F8 a dialog's approval,
and a keyboard-wedge scanner never sends a function key (`widgets.scan_detector`).

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from widgets.display import points_text, yuan_text
from widgets.retranslating import Retranslating

CONFIRM_KEY = Qt.Key.Key_F10  # 确认积分: commit the POS's sale for the member on screen
NO_MEMBER_KEY = Qt.Key.Key_F11  # 无会员结账: commit it without a member

Words = Callable[[], str]


def key_text(key: Qt.Key) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


class PendingSaleBar(Retranslating, QFrame):
    """objectNames `pendingSaleBar`, `pendingSaleSummary`, `pendingSaleNote` (what to do next, or a refusal, with
    property tone=error), `pendingConfirmButton` (F10, shown with a member on screen), `pendingNoMemberButton` (F11,
    shown without one). Signals `confirm_pressed` and `no_member_pressed`."""

    confirm_pressed = Signal()
    no_member_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pendingSaleBar")
        self._items: int | None = None
        self._total_cents = 0
        self._redeem_points = 0
        self._member_on_screen = False
        self._busy = False
        self._note: Words | None = None
        self._note_is_error = False

        self.summary = QLabel(self)
        self.summary.setObjectName("pendingSaleSummary")
        self.note = QLabel(self)
        self.note.setObjectName("pendingSaleNote")
        self.note.setWordWrap(True)
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("pendingConfirmButton")
        self.confirm_button.setProperty("role", "primary")
        self.no_member_button = QPushButton(self)
        self.no_member_button.setObjectName("pendingNoMemberButton")
        for button in (self.confirm_button, self.no_member_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the page (a phone being typed)
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)  # as wide as its words
            button.setMinimumWidth(180)
        self.confirm_button.clicked.connect(self.confirm_pressed)
        self.no_member_button.clicked.connect(self.no_member_pressed)

        row = QHBoxLayout(self)
        self._row = row
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(16)
        row.addWidget(self.summary)
        row.addWidget(self.note, 1)
        row.addStretch(0)  # the buttons stay at the right edge, as wide as their words, while the note is hidden
        row.addWidget(self.no_member_button)
        row.addWidget(self.confirm_button)
        self._show_buttons()
        self.retranslate()

    # -- what it shows -----------------------------------------------------------------------------------------------

    def show_sale(self, items: int | None, total_cents: int, redeem_points: int) -> None:
        """The sale waiting: items (a count; None when the POS sent no lines), the total in cents, the points the POS
        asked to redeem (0: none)."""
        self._items, self._total_cents, self._redeem_points = items, total_cents, redeem_points
        self._retranslate_summary()

    def set_member_on_screen(self, on_screen: bool) -> None:
        """With a member on screen the bar offers 确认积分; without one, 无会员结账."""
        self._member_on_screen = on_screen
        self._show_buttons()
        self._retranslate_note()

    def set_busy(self, busy: bool) -> None:
        """A confirmation in flight: both buttons disabled (a second press does nothing), the confirm words say so."""
        self._busy = busy
        self._show_buttons()
        self._retranslate_buttons()

    def set_compact(self, compact: bool) -> None:
        """A short window (a 1366 x 768 screen less its title bar): one slim line, so every page keeps its buttons
        whole under it; taller windows get the roomier bar."""
        if (self.property("scale") == "compact") == compact:
            return
        self.setProperty("scale", "compact" if compact else "normal")
        self._row.setContentsMargins(24, 2 if compact else 8, 24, 2 if compact else 8)
        for widget in (self, self.summary, self.note, self.confirm_button, self.no_member_button):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.updateGeometry()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def member_on_screen(self) -> bool:
        return self._member_on_screen

    def show_note(self, words: Words | None, *, error: bool = False) -> None:
        """A sentence of the screen's (a refusal with `error`), worded again on a language change; None: the bar's
        own advice."""
        self._note, self._note_is_error = words, error and words is not None
        self._retranslate_note()

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._retranslate_summary()
        self._retranslate_note()
        self._retranslate_buttons()

    def _retranslate_summary(self) -> None:
        total = yuan_text(self._total_cents)
        if self._items is None:
            waiting = self.tr("POS sale waiting: %1").replace("%1", total)
        else:
            waiting = self.tr("POS sale waiting: %n item(s) %1", "", self._items).replace("%1", total)
        if self._redeem_points:
            redeem = self.tr("redeem %1 points").replace("%1", points_text(self._redeem_points))
            waiting = f"{waiting} · {redeem}"
        self.summary.setText(waiting)

    def _retranslate_note(self) -> None:
        if self._note is not None:
            text = self._note()
        elif self._member_on_screen:
            text = self.tr("The points go to the member on screen.")
        else:
            text = self.tr("Scan the member's code or type the phone to earn points.")
        tone = "error" if self._note_is_error else "muted"
        if self.note.property("tone") != tone:
            self.note.setProperty("tone", tone)
            self.note.style().unpolish(self.note)
            self.note.style().polish(self.note)
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _retranslate_buttons(self) -> None:
        confirm = self.tr("Confirming…") if self._busy else self.tr("Confirm points")
        self.confirm_button.setText(f"{confirm} ({key_text(CONFIRM_KEY)})")
        no_member = self.tr("Sale without member")
        self.no_member_button.setText(f"{no_member} ({key_text(NO_MEMBER_KEY)})")

    def _show_buttons(self) -> None:
        self.confirm_button.setVisible(self._member_on_screen)
        self.no_member_button.setVisible(not self._member_on_screen)
        for button in (self.confirm_button, self.no_member_button):
            button.setEnabled(not self._busy)
