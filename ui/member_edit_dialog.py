"""Editing a member (编辑会员), for managers: the name, the birthday and the phone, filled with what the till holds.
A new phone needs the member's old full number typed in `editOldPhone` (the manager asks the member; the masked
phone on screen is not enough), and is refused when it is not a valid mobile or belongs to another member. The edit
is written at once (offline too) and pushed with the next sync, where the server checks it again
(`MemberService.edit`; docs/operations.md, "Data rights").

Thread: GUI thread; the write runs on the database worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.members import MAX_NAME_LENGTH, MemberResult
from loyalty.phone import InvalidPhone
from loyalty.roles import Permission
from ui.context import AppContext
from ui.enrol_dialog import parse_birthday
from ui.member_action import MemberActionDialog

log = logging.getLogger(__name__)


class MemberEditDialog(MemberActionDialog):
    """Fields `editName`, `editBirthday`, `editPhone` (empty: the phone stays), `editOldPhone` (the member's old
    full number, needed only to change the phone), `confirmButton` (Enter), `errorLabel`. After saving:
    `result_member`, accepted (and `ctx.hub.member_changed`)."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="memberEditDialog", permission=Permission.EDIT_MEMBER,
                         member_line_name="editMemberLine", parent=parent)  # fmt: skip
        self.name_input = QLineEdit(member.name, self)
        self.name_input.setObjectName("editName")
        self.name_input.setMaxLength(MAX_NAME_LENGTH)
        self.birthday_input = QLineEdit("" if member.birthday is None else member.birthday.isoformat(), self)
        self.birthday_input.setObjectName("editBirthday")
        self.birthday_input.setMaxLength(16)
        self.birthday_input.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        self.phone_input = QLineEdit(self)
        self.phone_input.setObjectName("editPhone")
        self.phone_input.setMaxLength(32)
        self.phone_input.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.old_phone_input = QLineEdit(self)
        self.old_phone_input.setObjectName("editOldPhone")
        self.old_phone_input.setMaxLength(32)
        self.old_phone_input.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self._labels = [QLabel(self) for _ in range(4)]
        self.error_label.clear_when_changed(self.name_input, self.birthday_input, self.phone_input,
                                            self.old_phone_input)  # fmt: skip
        form = QFormLayout()
        for label, field in zip(self._labels, self.inputs(), strict=True):
            form.addRow(label, field)
        self.lay_out(form)
        self.setMinimumWidth(480)
        self.retranslate()
        self.set_busy(False)
        self.name_input.setFocus()
        self.name_input.selectAll()

    def inputs(self) -> Sequence[QWidget]:
        return (self.name_input, self.birthday_input, self.phone_input, self.old_phone_input)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Edit member"))
        self.heading.setText(self.tr("Edit member"))
        self.member_line.setText(self.member_words())
        for label, text in zip(
            self._labels,
            (self.tr("Name"), self.tr("Birthday"), self.tr("New phone"), self.tr("Old phone (to change it)")),
            strict=True,
        ):
            label.setText(text)
        self.birthday_input.setPlaceholderText(self.tr("YYYY-MM-DD (empty: none)"))
        self.phone_input.setPlaceholderText(self.tr("Empty: the phone stays"))
        self.old_phone_input.setPlaceholderText(self.tr("The member's current full number"))
        super().retranslate()

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Save (Enter)")

    # -- saving ----------------------------------------------------------------------------------------------------

    def confirm(self) -> None:
        member = self._member
        assert member is not None
        try:
            birthday = parse_birthday(self.birthday_input.text())
        except StoreError as refusal:
            self.refuse(refusal)
            return
        actor, members = self._ctx.actor(), self._ctx.till.members
        name = self.name_input.text()
        phone = self.phone_input.text().strip() or None
        old_phone = self.old_phone_input.text().strip() or None
        clear_birthday = birthday is None and member.birthday is not None

        def edit() -> MemberResult:
            return members.edit(actor, member.id, name=name, birthday=birthday, clear_birthday=clear_birthday,
                                phone=phone, old_phone=old_phone)  # fmt: skip

        self.write(edit, self._saved)

    def _saved(self, result: MemberResult) -> None:
        self.result_member = result.member
        log.info("member %s edited", result.member.id)
        self.accept()

    def refused(self, error: Exception) -> None:
        field: QLineEdit = self.name_input
        if isinstance(error, InvalidPhone) or (
            isinstance(error, StoreError) and error.problem is Problem.DUPLICATE_PHONE
        ):
            field = self.phone_input
        elif isinstance(error, StoreError) and error.problem is Problem.PHONE_NOT_VERIFIED:
            field = self.old_phone_input
        elif isinstance(error, StoreError) and error.problem is Problem.INVALID_BIRTHDAY:
            field = self.birthday_input
        field.setFocus()
        field.selectAll()
