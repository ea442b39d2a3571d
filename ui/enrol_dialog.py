"""Enrolling a new member at the counter: phone, name, birthday (optional), gender, consents; then the member's
card code (QR) to scan, print or save.

The enrolment is written at once, offline too (`MemberService.enrol` on the database worker: member, outbox and
audit rows in one transaction), and the confirm button is disabled while it is written, so Enter pressed twice
enrols once. A phone already known is refused, naming the member (`existing_member`). Only the server signs card
codes, so the dialog then syncs (which pushes the enrolment; a phone the server already knew from another store
merges into that member, whose code is shown) and fetches the code. Offline, or when anything on the way fails, it
says the card code will be ready after the next sync: the enrolment is already saved and nothing is lost.

Thread: GUI thread; the enrolment runs on the database worker (`ctx.ops.db`), the code fetch on a network worker.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.members import MAX_NAME_LENGTH, MemberResult
from loyalty.phone import InvalidPhone
from loyalty.roles import Permission
from ui.context import AppContext
from ui.dialog_parts import key_for, with_key
from ui.error_line import Words
from ui.member_action import MemberActionDialog
from ui.member_code_dialog import MemberCodePanel

log = logging.getLogger(__name__)
OPEN_EXISTING_KEY = Qt.Key.Key_F1  # the lookup key: open the member this phone already belongs to

GENDERS: tuple[str | None, ...] = (None, "F", "M")  # what MemberService.enrol accepts: not given, female, male
_DATE = re.compile(r"^([0-9]{4})[-/. ]*([0-9]{1,2})[-/. ]*([0-9]{1,2})$")


def parse_birthday(text: str) -> date | None:
    """A birthday as typed: empty for none, or year-month-day in any usual writing (1990-05-12, 1990/5/12,
    19900512, 1990年5月12日, full-width digits). Raises StoreError(INVALID_BIRTHDAY) for anything else; the range
    (1900 to today) is the service's check."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return None
    cleaned = cleaned.replace("年", "-").replace("月", "-").removesuffix("日").strip()
    match = _DATE.match(cleaned)
    if match is None or (cleaned.isdigit() and len(cleaned) != 8):  # 1990512: which is the month?
        raise StoreError(Problem.INVALID_BIRTHDAY)
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise StoreError(Problem.INVALID_BIRTHDAY) from None


class EnrolDialog(MemberActionDialog):
    """Fields `enrolPhone`, `enrolName`, `enrolBirthday`, `enrolGender`, `enrolConsent` (marketing),
    `enrolProfileConsent` (keeping preferences), `confirmButton` (Enter), `errorLabel`, `openExistingButton` (a
    duplicate phone: emits `existing_member(id)`). After enrolling: the `memberCodePanel` (`qrView`, `printButton`,
    `savePngButton`, `codeStatus`) and `doneButton`. `enrolled_member_id` is the new member's id at this till (the
    survivor's, once a sync merged the enrolment into a member the server already had)."""

    existing_member = Signal(str)

    def __init__(self, ctx: AppContext, *, phone: str = "", parent: QWidget | None = None) -> None:
        super().__init__(ctx, None, name="enrolDialog", permission=Permission.ENROL, parent=parent)
        self._existing_id: str | None = None
        self._phone = ""  # as enrolled: to find the member again after a sync merged it
        self._merged = False
        self.enrolled_member_id: str | None = None
        self.enrolled_member: MemberView | None = None

        self.phone_input = QLineEdit(phone, self)
        self.phone_input.setObjectName("enrolPhone")
        self.phone_input.setMaxLength(32)
        self.phone_input.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.name_input = QLineEdit(self)
        self.name_input.setObjectName("enrolName")
        self.name_input.setMaxLength(MAX_NAME_LENGTH)
        self.birthday_input = QLineEdit(self)
        self.birthday_input.setObjectName("enrolBirthday")
        self.birthday_input.setMaxLength(16)
        self.birthday_input.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        self.referrer_input = QLineEdit(self)  # 邀请好友: the phone of the member who brought them (optional)
        self.referrer_input.setObjectName("enrolReferrer")
        self.referrer_input.setMaxLength(32)
        self.referrer_input.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.gender_input = QComboBox(self)
        self.gender_input.setObjectName("enrolGender")
        for code in GENDERS:
            self.gender_input.addItem("", code)
        self.consent_box = QCheckBox(self)
        self.consent_box.setObjectName("enrolConsent")
        self.profile_consent_box = QCheckBox(self)
        self.profile_consent_box.setObjectName("enrolProfileConsent")
        self._labels = [QLabel(self) for _ in range(5)]
        self.open_existing_button = QPushButton(self)
        self.open_existing_button.setObjectName("openExistingButton")
        self.open_existing_button.setAutoDefault(False)
        self.open_existing_button.clicked.connect(self._open_existing)
        key_for(self.open_existing_button, OPEN_EXISTING_KEY)
        self.open_existing_button.hide()
        self.error_label.changed.connect(self._error_changed)
        self.error_label.clear_when_changed(*self.inputs()[:-1])

        form = QFormLayout()
        fields = (self.phone_input, self.name_input, self.birthday_input, self.gender_input, self.referrer_input)
        for label, field in zip(self._labels, fields, strict=True):
            form.addRow(label, field)
        form.addRow(self.consent_box)
        form.addRow(self.profile_consent_box)
        existing_row = QHBoxLayout()
        existing_row.addWidget(self.open_existing_button)
        existing_row.addStretch(1)
        form_page = QWidget(self)
        form_layout = QVBoxLayout(form_page)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(12)
        form_layout.addLayout(form)
        form_layout.addWidget(self.error_label)
        form_layout.addLayout(existing_row)
        form_layout.addStretch(1)
        form_layout.addLayout(self.buttons_row)

        self.done_label = QLabel(self)
        self.done_label.setObjectName("enrolDone")
        self.done_label.setProperty("tone", "ok")
        self.done_label.setWordWrap(True)
        self.member_line.setObjectName("enrolMember")
        self.member_line.show()  # on the done page: the member just enrolled
        self.code_panel = MemberCodePanel(ctx, parent=self)
        self.code_panel.code_shown.connect(self._code_shown)
        self.done_button = QPushButton(self)
        self.done_button.setObjectName("doneButton")
        self.done_button.setAutoDefault(False)  # Enter pressed once too often must not close the code away
        self.done_button.clicked.connect(self.accept)
        done_buttons = QHBoxLayout()
        done_buttons.addStretch(1)
        done_buttons.addWidget(self.done_button)
        done_page = QWidget(self)
        done_layout = QVBoxLayout(done_page)
        done_layout.setContentsMargins(0, 0, 0, 0)
        done_layout.setSpacing(10)
        done_layout.addWidget(self.done_label)
        done_layout.addWidget(self.member_line)
        done_layout.addWidget(self.code_panel, 1)
        done_layout.addLayout(done_buttons)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(form_page)
        self.pages.addWidget(done_page)
        done_page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # sized when shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.pages, 1)
        self.setMinimumWidth(520)
        self.set_busy(False)
        self.retranslate()
        (self.name_input if phone.strip() else self.phone_input).setFocus()

    def inputs(self) -> Sequence[QWidget]:
        return (self.phone_input, self.name_input, self.birthday_input, self.gender_input, self.referrer_input,
                self.consent_box, self.profile_consent_box, self.cancel_button)  # fmt: skip

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New member"))
        self.heading.setText(self.tr("Enrol a new member"))
        for label, words in zip(
            self._labels,
            (self.tr("Mobile phone"), self.tr("Name"), self.tr("Birthday"), self.tr("Gender"), self.tr("Referred by")),
            strict=True,
        ):
            label.setText(words)
        self.phone_input.setPlaceholderText(self.tr("11-digit mobile number"))
        self.name_input.setPlaceholderText(self.tr("As the member wants to be called"))
        self.birthday_input.setPlaceholderText(self.tr("YYYY-MM-DD (optional)"))
        self.referrer_input.setPlaceholderText(self.tr("The referring member's mobile (optional)"))
        for index, words in enumerate((self.tr("Not given"), self.tr("Female"), self.tr("Male"))):
            self.gender_input.setItemText(index, words)
        self.consent_box.setText(self.tr("Agrees to receive offers and news (marketing)"))
        self.profile_consent_box.setText(self.tr("Agrees that staff note their preferences (sizes, styles…)"))
        self.open_existing_button.setText(with_key(self.tr("Open this member"), OPEN_EXISTING_KEY))
        self.done_label.setText(self._done_words())
        self.done_button.setText(self.tr("Done"))
        super().retranslate()

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Enrol (Enter)")

    def _done_words(self) -> str:
        if self._merged:
            return self.tr("This phone was already a member at another store: the enrolment joined that member.")
        return self.tr("The new member is saved.")

    # -- enrolling -------------------------------------------------------------------------------------------------

    def confirm(self) -> None:
        if self.enrolled_member_id is not None:
            return  # Enter pressed again after the enrolment: one member
        try:
            birthday = parse_birthday(self.birthday_input.text())
        except StoreError as refusal:
            self.refuse(refusal)
            return
        actor = self._ctx.actor()
        members = self._ctx.till.members
        phone, name = self.phone_input.text(), self.name_input.text()
        gender = self.gender_input.currentData()
        marketing, profile = self.consent_box.isChecked(), self.profile_consent_box.isChecked()
        referrer = self.referrer_input.text()

        def enrol() -> MemberResult:
            return members.enrol(actor, phone=phone, name=name, birthday=birthday, gender=gender,
                                 consent_marketing=marketing, consent_profile=profile,
                                 referrer_phone=referrer)  # fmt: skip

        self.write(enrol, self._enrolled)

    def _enrolled(self, result: MemberResult) -> None:
        member = result.member
        self.enrolled_member_id = member.id
        self.enrolled_member = member
        self._phone = self.phone_input.text()
        log.info("enrolled member %s", member.id)
        self._show_member(member)
        self._show_page(1)
        self.done_label.setText(self._done_words())
        self.code_panel.qr_view.setFocus()
        self.code_panel.fetch_after_sync(member.id, current_id=self._member_after_sync)

    def _show_page(self, index: int) -> None:
        """The dialog takes the size of the page shown (the form is short, the code needs room)."""
        for page_index in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if page_index == index else QSizePolicy.Policy.Ignored
            page = self.pages.widget(page_index)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        QTimer.singleShot(0, self, self.adjustSize)  # once the layout has taken in the page shown

    def refused(self, error: Exception) -> None:
        if isinstance(error, InvalidPhone) or (
            isinstance(error, StoreError) and error.problem is Problem.DUPLICATE_PHONE
        ):
            field: QWidget = self.phone_input
        elif isinstance(error, StoreError) and error.problem is Problem.INVALID_NAME:
            field = self.name_input
        elif isinstance(error, StoreError) and error.problem is Problem.INVALID_BIRTHDAY:
            field = self.birthday_input
        elif isinstance(error, StoreError) and error.problem is Problem.INVALID_GENDER:
            field = self.gender_input
        elif isinstance(error, StoreError) and error.problem is Problem.REFERRER_NOT_FOUND:
            field = self.referrer_input
        else:
            field = self.phone_input
        field.setFocus()
        if isinstance(field, QLineEdit):
            field.selectAll()

    def more_words(self, error: Exception) -> Words | None:
        """A phone that is already a member's: say whose, and offer to open that member."""
        self._existing_id = None
        if not (isinstance(error, StoreError) and error.problem is Problem.DUPLICATE_PHONE):
            return None
        existing = self._existing_member(error)
        if existing is None:
            return None
        self._existing_id = existing.id
        return lambda: self.tr("It is %1 (%2).").replace("%1", existing.name).replace("%2", existing.phone_masked)

    def _error_changed(self) -> None:
        if self.error_label.error is None:
            self._existing_id = None
        self.open_existing_button.setVisible(self._existing_id is not None)

    def _existing_member(self, error: StoreError) -> MemberView | None:
        """The member who has the phone: named by the refusal, or (a concurrent enrolment) found by the phone."""
        try:
            if error.member_id is not None:
                return self._ctx.till.members.get(self._ctx.actor(), error.member_id)
            return self._ctx.till.members.find_by_phone(self._ctx.actor(), self.phone_input.text())
        except (StoreError, InvalidPhone):
            return None

    def _open_existing(self) -> None:
        if self._existing_id is not None:
            self.existing_member.emit(self._existing_id)

    def _show_member(self, member: MemberView) -> None:
        self.member_line.setText(f"{member.name} · {member.phone_masked}")
        self.code_panel.set_member(member)

    # -- the card code ---------------------------------------------------------------------------------------------

    def _member_after_sync(self) -> str:
        """The enrolled member's id now: a sync that found the phone already known at the server merged the
        enrolment into that member (localdb.sync_store.merge_member_locally), who holds the phone here now."""
        assert self.enrolled_member_id is not None
        try:
            member = self._ctx.till.members.find_by_phone(self._ctx.actor(), self._phone)
        except (StoreError, InvalidPhone):
            member = None
        if member is not None and member.id != self.enrolled_member_id:
            log.info("enrolment %s merged into member %s", self.enrolled_member_id, member.id)
            self._adopt(member)
        return self.enrolled_member_id

    def _code_shown(self, member_id: str) -> None:
        if member_id != self.enrolled_member_id:  # the server knew of a merge the till has not pulled yet
            try:
                self._adopt(self._ctx.till.members.get(self._ctx.actor(), member_id))
            except StoreError:
                log.info("merged member %s is not at this till yet", member_id)

    def _adopt(self, member: MemberView) -> None:
        self._merged = True
        self.enrolled_member_id = member.id
        self.enrolled_member = member
        self._show_member(member)
        self.done_label.setText(self._done_words())

    # -- closing ---------------------------------------------------------------------------------------------------

    def save_png(self, path: Path | str) -> Path | None:
        """Save the shown code as PNG (what the save button does after asking for the file)."""
        return self.code_panel.save_png(path)

    def done(self, result: int) -> None:
        if self.busy:
            return  # the enrolment is being written: closing now would leave the screen not knowing the member
        self.code_panel.stop()
        if self.enrolled_member_id is not None:
            result = QDialog.DialogCode.Accepted.value  # Esc after enrolling: the member exists all the same
        super().done(result)
