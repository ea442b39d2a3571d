"""The home screen: one input that takes a scanned member code, a full phone, its last 4 digits or a name.
`LookupPage` owns turning that text into one member: a code or a full phone finds the member at once
(`member_chosen`), a tail or a name lists the candidates to pick with the arrow keys and Enter, a valid phone that
no member has is offered for enrolment (`enrol_requested`), and a refusal is said in one plain sentence.

Scans typed while the focus is elsewhere arrive through `ctx.hub.scanned` (the main window's ScanDetector). Lookups
are single indexed SELECTs and run right here on the GUI thread (see docs/gui.md).

Thread: GUI thread.
"""

from __future__ import annotations

import logging
import unicodedata

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.members import LookupKind
from loyalty.phone import national_digits
from loyalty.roles import Permission
from ui.context import AppContext
from ui.error_line import ErrorLine, Words
from ui.lookup_home import LookupHome
from ui.messages import describe, is_refusal
from widgets.candidate_list import CandidateList
from widgets.display import tier_name
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)

_LIST_KINDS = (LookupKind.TAIL, LookupKind.NAME)
_NAVIGATION = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}


#: Search as you type: after this pause, or at once from this many characters on.
LIVE_IDLE_MS = 300
LIVE_AT_LENGTH = 4


def _searchable_as_typed(text: str) -> bool:
    """A last-4 (exactly four digits) or a name (no digits; not the start of a member code): what typing alone
    searches. A phone or a code is looked up when it is whole (Enter, or the scanner's Enter)."""
    if text.isdigit():
        return len(text) == 4
    if any(ch.isdigit() for ch in text):
        return False
    return not unicodedata.normalize("NFKC", text).upper().startswith("MD")


class LookupPage(Retranslating, QWidget):
    """The lookup input (`lookupInput`), its `errorLabel`, the enrol offer and the `candidateList`."""

    # One member was found or picked: their id.
    member_chosen = Signal(str)
    # A valid phone that no member has: the 11 national digits, for the enrol dialog.
    enrol_requested = Signal(str)
    # A lookup found nobody (the scan feedback's second pattern).
    not_found = Signal()
    # The answer needs the cashier on this page (candidates, an error, "no member found"): the main window shows it.
    attention_needed = Signal()

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._listed_text: str | None = None  # the input text the candidates were found for
        self._matched = 0  # how many members that text matched (more than listed for a common name)
        self._enrol_phone: str | None = None
        self._scan_pending = False

        self.title = QLabel()
        self.title.setObjectName("lookupTitle")
        self.title.setProperty("tone", "title")
        self.input = QLineEdit()
        self.input.setObjectName("lookupInput")
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self.look_up)
        self.input.textEdited.connect(self._edited)
        # Search as you type: when the typing pauses, or at once from 4 characters on (a tail, a name).
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.timeout.connect(self._live_search)
        self.input.installEventFilter(self)
        self.hint = QLabel()
        self.hint.setObjectName("lookupHint")
        self.hint.setProperty("tone", "muted")
        self.hint.setWordWrap(True)
        self.error_label = ErrorLine()
        self.enrol_button = QPushButton()
        self.enrol_button.setObjectName("enrolPhoneButton")
        self.enrol_button.setProperty("role", "primary")
        self.enrol_button.clicked.connect(self._enrol)
        self.enrol_button.hide()
        self.candidates_caption = QLabel()
        self.candidates_caption.setObjectName("candidatesCaption")
        self.candidates_caption.setProperty("tone", "muted")
        self.candidates = CandidateList(parent=self)
        self.candidates.chosen.connect(self._choose)
        self.home = LookupHome(ctx, parent=self)  # what shows while no candidates do
        self.home.member_chosen.connect(self._choose)

        enrol_row = QHBoxLayout()
        enrol_row.addWidget(self.enrol_button)
        enrol_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.input)
        layout.addWidget(self.hint)
        layout.addWidget(self.error_label)
        layout.addLayout(enrol_row)
        layout.addWidget(self.candidates_caption)
        layout.addWidget(self.candidates, 1)
        layout.addWidget(self.home, 1)
        layout.addStretch(0)
        self._show_candidates([])

        ctx.hub.scanned.connect(self.show_scan)
        ctx.hub.staff_changed.connect(lambda _staff: self.reset())
        ctx.hub.member_changed.connect(lambda _member_id: self._refresh_home())
        ctx.hub.members_reloaded.connect(self._refresh_home)
        self.retranslate()

    # -- the lookup ----------------------------------------------------------------------------------------------

    def show_scan(self, text: str) -> None:
        """A scan that arrived while the focus was elsewhere: show it in the input and look it up.

        The lookup runs once control is back in the event loop, after every other listener of `hub.scanned` (the
        main window brings this page forward on it), so a member found opens after that and stays open."""
        self.input.setText(text)
        if not self._scan_pending:
            self._scan_pending = True
            QTimer.singleShot(0, self, self._look_up_scan)

    def _look_up_scan(self) -> None:
        self._scan_pending = False
        self.look_up()

    def focus_input(self) -> None:
        """Put the cursor in the input with its text selected, so the next scan or typing replaces it."""
        self.input.setFocus()
        self.input.selectAll()

    def look_up(self) -> None:
        """Look up the input's text (Enter). With the candidates of this same text listed, Enter picks one."""
        self._live.stop()
        text = self.input.text().strip()
        if not text:
            return
        if text == self._listed_text and self.candidates.choose_current():
            return
        self._clear_answer()
        self.input.selectAll()  # after any answer or message, the next scan or typing replaces this text
        if text.isdigit() and len(text) < 4:
            self._say(lambda: self.tr("Type the last 4 digits or the whole 11-digit phone number."))
            return
        if self._ctx.staff is None:
            return  # logged out (the lock screen is up): a stray scan finds nothing
        try:
            result = self._ctx.till.members.lookup(self._ctx.actor(), text)
        except Exception as error:  # a refusal is explained; anything else is a bug, logged without the input
            if not is_refusal(error):
                log.error("lookup failed: %s", type(error).__name__)
            refusal = error  # `error` is unbound after the except block; the message is re-made on a language change
            self._say(lambda: describe(refusal))
            return
        finally:
            self.input.selectAll()  # the next scan or typing replaces this text
        if result.kind in _LIST_KINDS and result.members:
            self._listed_text = text
            self._matched = result.matched
            self._show_candidates(result.members)
            self.attention_needed.emit()
        elif len(result.members) == 1:
            if result.kind is LookupKind.MEMBER_CODE:  # the code the member showed: their slip's QR for next time
                self._ctx.member_codes[result.members[0].id] = unicodedata.normalize("NFKC", text).strip().upper()
            self._choose(result.members[0].id)
        else:
            self._not_found(text if result.kind is LookupKind.PHONE else None)

    def _not_found(self, phone_text: str | None) -> None:
        self._say(lambda: describe(StoreError(Problem.MEMBER_NOT_FOUND)))
        self.not_found.emit()
        if phone_text is not None and self._ctx.can(Permission.ENROL):
            self._enrol_phone = national_digits(phone_text)
            self.enrol_button.show()

    def _choose(self, member_id: str) -> None:
        self.reset()  # the next customer starts from an empty input; a typed phone does not stay on screen
        self.member_chosen.emit(member_id)

    def _enrol(self) -> None:
        if self._enrol_phone is not None:
            self.enrol_requested.emit(self._enrol_phone)

    @property
    def enrol_phone(self) -> str | None:
        """The phone just found to be nobody's (11 national digits), while that answer is on screen; else None."""
        return self._enrol_phone if not self.enrol_button.isHidden() else None

    # -- showing the answer --------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to an empty input (after a choice, or when the staff changes)."""
        self.input.clear()
        self._clear_answer()
        # Read the lists once control is back in the event loop, and only if this page still shows: after a choice
        # the member page has taken over (showEvent reads them when the lookup comes back), so a scan does not pay
        # for lists nobody sees.
        QTimer.singleShot(0, self, self._refresh_home)
        if self.isVisible():
            self.input.setFocus()

    def _clear_answer(self) -> None:
        self._listed_text = None
        self._enrol_phone = None
        self.error_label.clear_error()
        self.enrol_button.hide()
        self._show_candidates([])

    def _say(self, message: Words) -> None:
        self.error_label.show_words(message)
        self.attention_needed.emit()

    def _show_candidates(self, members: tuple[MemberView, ...] | list[MemberView]) -> None:
        config = self._ctx.till.settings.current()
        tier_names = {tier.code: tier_name(config.rules, tier.code) for tier in config.rules.tiers}
        self.candidates.set_candidates(members, tier_names=tier_names, zone=config.zone)
        self.candidates.setVisible(bool(members))
        self.candidates_caption.setVisible(bool(members))
        self.home.setVisible(not members)
        self._caption()

    def _refresh_home(self) -> None:
        if self.isVisible() and self.home.isVisibleTo(self):
            self.home.refresh()

    def _caption(self) -> None:
        count = self.candidates.topLevelItemCount()
        if count and self._matched > count:  # a common name or tail: say how many are not listed
            self.candidates_caption.setText(
                self.tr(
                    "Showing the first %1 of %2 members (most recent visit first): type more to narrow, or choose "
                    "with the arrow keys."
                )
                .replace("%1", f"{count:,}")
                .replace("%2", f"{self._matched:,}")
            )
            return
        self.candidates_caption.setText(self.tr("%n member(s) found: choose with the arrow keys and Enter.", "", count))

    def _edited(self, text: str) -> None:
        if not self.error_label.is_empty or self.enrol_button.isVisible():
            self.error_label.clear_error()
            self.enrol_button.hide()
        self._live.start(0 if len(text.strip()) >= LIVE_AT_LENGTH else LIVE_IDLE_MS)

    def _live_search(self) -> None:
        """List the members the text typed so far matches, quietly: a last-4 or a name only (a phone half typed, a
        code half scanned are not searched), nothing opened by itself, no message when nothing matches; Enter
        still looks up and answers."""
        text = self.input.text().strip()
        if self._ctx.staff is None or text == self._listed_text:
            return
        if not _searchable_as_typed(text):
            if self.candidates.isVisible():  # the list was for what was typed before
                self._listed_text = None
                self._show_candidates([])
            return
        try:
            result = self._ctx.till.members.lookup(self._ctx.actor(), text)
        except Exception as error:  # half-typed input: Enter gives the worded answer; a bug is logged
            if not is_refusal(error):
                log.error("search as you type failed: %s", type(error).__name__)
            return
        if result.kind in _LIST_KINDS and result.members:
            self._listed_text = text
            self._matched = result.matched
            self._show_candidates(result.members)
        elif self.candidates.isVisible():
            self._listed_text = None
            self._show_candidates([])

    # -- keys ----------------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The arrow keys in the input move through the candidates, so the focus never has to leave the input."""
        if watched is self.input and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = _NAVIGATION.get(Qt.Key(event.key()))
            if step is not None and self.candidates.isVisible():
                self.candidates.step_selection(step)
                self._listed_text = self.input.text().strip() or self._listed_text
                return True
            if event.key() == Qt.Key.Key_Escape and self.input.text():
                self.reset()
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.input.setFocus()
        self.home.refresh()

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Find a member"))
        self.input.setPlaceholderText(
            self.tr("Scan the member code, or type a phone number, its last 4 digits or a name")
        )
        self.hint.setText(
            self.tr("A scan lands here wherever the cursor is. Last 4 digits list the members to choose from.")
        )
        self.enrol_button.setText(self.tr("Enrol this phone as a new member"))
        self._caption()
