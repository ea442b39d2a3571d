"""An error line never outlives the input it was about: every field of every form clears it when it changes, by
typing or otherwise (a button that fills a field, the other field kept in step), and "Use the most" without a bill
asks for the bill instead of doing nothing under an old refusal."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QComboBox, QDateEdit, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, show_widget, type_into
from ui.award_dialog import AwardDialog
from ui.day_report_view import DayReportView
from ui.enrol_dialog import EnrolDialog
from ui.error_line import ErrorLine
from ui.member_edit_dialog import MemberEditDialog
from ui.preferences_page import PreferencesPage
from ui.redeem_dialog import RedeemDialog
from ui.registration_dialog import RegistrationDialog


def _change(field: QWidget) -> None:
    """Change a field's value as a program would (no keys typed): a new text, the box flipped, another choice."""
    if isinstance(field, QLineEdit):
        field.setText(field.text() + "1")
    elif isinstance(field, QAbstractButton):
        field.setChecked(not field.isChecked())
    elif isinstance(field, QComboBox):
        field.setCurrentIndex((field.currentIndex() + 1) % field.count())
    elif isinstance(field, QDateEdit):
        field.setDate(field.date().addDays(-1))
    else:
        raise AssertionError(f"no way to change {type(field).__name__}")


def _fields(form: QWidget) -> list[QWidget]:
    kinds = (QLineEdit, QComboBox, QDateEdit, QAbstractButton)
    return [
        field
        for field in form.findChildren(QWidget)
        if isinstance(field, kinds)
        and not isinstance(field, QPushButton)
        and field.isVisibleTo(form)
        and not isinstance(field.parent(), (QComboBox, QDateEdit))  # a combo's or date box's own line edit
    ]


def test_every_field_of_every_form_clears_the_error_shown(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    member = gui_env.plain_member()
    forms: list[Callable[[], QWidget]] = [
        lambda: AwardDialog(gui_env.ctx, member),
        lambda: RedeemDialog(gui_env.ctx, member),
        lambda: EnrolDialog(gui_env.ctx),
        lambda: MemberEditDialog(gui_env.ctx, member),
        lambda: RegistrationDialog(gui_env.ctx),
        lambda: DayReportView(gui_env.ctx),
    ]
    page = PreferencesPage(gui_env.ctx)
    page.show_member(member.id)
    checked = 0
    for make in forms:
        form = show_widget(qtbot, make())
        for field in _fields(form):
            field.setEnabled(True)  # a registered till's dialog shows its fields disabled: the wiring is the same
            error = form.findChild(ErrorLine)
            assert error is not None
            error.show_words(lambda: "refused")
            _change(field)
            assert error.is_empty and not error.isVisible(), f"{type(form).__name__}.{field.objectName()}"
            checked += 1
        form.close()
    show_widget(qtbot, page, size=(1280, 760))
    for name in ("preferenceKind", "preferenceValue"):
        page.error_label.show_words(lambda: "refused")
        _change(page.findChild(QWidget, name))  # type: ignore[arg-type]
        assert page.error_label.is_empty, name
    assert checked >= 15


def test_use_the_most_without_a_bill_asks_for_it_and_the_bill_typed_clears_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    error = child(dialog, QLabel, "errorLabel")
    click(child(dialog, QPushButton, "redeemMaxButton"))
    assert error.isVisible() and error.text() == "Enter the bill amount first."
    assert dialog.focusWidget() is child(dialog, QLineEdit, "billAmount")
    type_into(dialog, "billAmount", "100")
    assert not error.isVisible() and error.text() == ""
