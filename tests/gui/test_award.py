"""Awarding points as a cashier does it at the counter: type the purchase and the receipt, read the preview, press
Enter; on the real synced demo till. Also what must never happen: a double Enter awarding twice, a receipt earning
twice, a bad amount writing anything, a store guide awarding."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.models import Member
from loyalty.points import EarnProblem, EarnRefused
from loyalty.tiers import is_birthday_month
from protocol.vocabulary import EntryKind
from tests.gui.conftest import GuiEnv
from ui.award_dialog import AwardDialog
from widgets.display import yuan_text
from widgets.money_input import parse_points, parse_yuan

W = TypeVar("W", bound=QWidget)


def plain_member(env: GuiEnv) -> MemberView:
    """A 普通-tier member outside their birthday month: 1 point a yuan, nothing else."""
    zone = env.till.settings.current().zone
    today = env.till.clock().astimezone(zone).date()
    with env.till.db.read() as session:
        ids = session.scalars(select(Member.id).where(Member.tier == "normal").order_by(Member.id)).all()
    for member_id in ids:
        member = env.till.members.get(env.ctx.actor(), member_id)
        if not is_birthday_month(member.birthday, today):
            return member
    raise AssertionError("the demo chain has no plain member")


def earn_entries(env: GuiEnv, member_id: str) -> list[str]:
    entries = env.till.ledger.recent_entries(env.ctx.actor(), member_id, limit=100)
    return [entry.id for entry in entries if entry.kind is EntryKind.EARN]


def open_dialog(env: GuiEnv, qtbot: QtBot, member: MemberView) -> AwardDialog:
    dialog = AwardDialog(env.ctx, member)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def child(dialog: QWidget, kind: type[W], name: str) -> W:
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def type_into(dialog: QWidget, name: str, text: str) -> None:
    field = child(dialog, QLineEdit, name)
    field.setFocus()
    QTest.keyClicks(field, text)


def press_enter(dialog: QWidget) -> None:
    """Enter, wherever the dialog's focus is (as on the keyboard)."""
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)


def test_a_cashier_awards_a_purchase_with_its_receipt(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = plain_member(gui_env)
    before = earn_entries(gui_env, member.id)
    dialog = open_dialog(gui_env, qtbot, member)

    type_into(dialog, "awardAmount", "128.50")
    assert child(dialog, QLabel, "pointsPreview").text() == "+128 points"
    type_into(dialog, "receiptNumber", "R-0318-0001")
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed) as changed:
        press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result() == AwardDialog.DialogCode.Accepted)

    assert changed.args == [member.id]
    new = [entry_id for entry_id in earn_entries(gui_env, member.id) if entry_id not in before]
    assert len(new) == 1
    entry = dialog.result_entry
    assert entry is not None and entry.id == new[0]
    assert (entry.points, entry.amount_cents, entry.receipt_no, entry.staff_code) == (128, 12850, "R-0318-0001", "C001")
    after = gui_env.till.members.get(gui_env.ctx.actor(), member.id)
    assert after.available_points == member.available_points + 128


def test_the_preview_follows_the_amount_and_the_bonus(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = plain_member(gui_env)
    dialog = open_dialog(gui_env, qtbot, member)
    preview = child(dialog, QLabel, "pointsPreview")
    type_into(dialog, "awardAmount", "99.99")
    assert preview.text() == "+99 points"  # points round down
    QTest.mouseClick(child(dialog, QWidget, "bonus_own_bag"), Qt.MouseButton.LeftButton)
    assert preview.text() == "+108 points"  # own bag: +10 % of 99, rounded down
    press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert dialog.result_entry is not None and dialog.result_entry.points == 108


def test_enter_pressed_twice_awards_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = plain_member(gui_env)
    before = earn_entries(gui_env, member.id)
    dialog = open_dialog(gui_env, qtbot, member)
    type_into(dialog, "awardAmount", "88")  # no receipt: only the dialog itself stands between Enter and a 2nd award
    press_enter(dialog)
    assert not child(dialog, QPushButton, "confirmButton").isEnabled()  # disabled while the write is in flight
    press_enter(dialog)
    qtbot.waitUntil(lambda: not gui_env.ctx.ops.busy() and dialog.result() == AwardDialog.DialogCode.Accepted)
    assert len(earn_entries(gui_env, member.id)) == len(before) + 1
    after = gui_env.till.members.get(gui_env.ctx.actor(), member.id)
    assert after.available_points == member.available_points + 88


def test_the_same_receipt_earns_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = plain_member(gui_env)
    first = open_dialog(gui_env, qtbot, member)
    type_into(first, "awardAmount", "50")
    type_into(first, "receiptNumber", "R-0318-0042")
    press_enter(first)
    qtbot.waitUntil(lambda: first.result_entry is not None)
    count = len(earn_entries(gui_env, member.id))

    again = open_dialog(gui_env, qtbot, member)
    type_into(again, "awardAmount", "50")
    type_into(again, "receiptNumber", " R-0318-0042 ")
    press_enter(again)
    error = child(again, QLabel, "errorLabel")
    qtbot.waitUntil(lambda: error.text() != "")
    assert error.text() == "This receipt has already earned points."
    assert again.isVisible() and again.result_entry is None
    assert child(again, QPushButton, "confirmButton").isEnabled()
    assert len(earn_entries(gui_env, member.id)) == count


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12a", "Enter the amount in yuan, with at most two decimals."),
        ("1.234", "Enter the amount in yuan, with at most two decimals."),
        ("0", "Enter an amount above zero."),
        ("0.00", "Enter an amount above zero."),
        ("", "Enter an amount above zero."),
        ("-5", "Enter an amount above zero."),
        ("100000.01", "The amount is above the limit for one receipt (100000 yuan)."),
        ("6901234567890123", "The amount is above the limit for one receipt (100000 yuan)."),
        ("0.5", "This purchase earns no points."),  # 1 point a yuan, rounded down
    ],
)
def test_a_bad_amount_is_explained_and_writes_nothing(gui_env: GuiEnv, qtbot: QtBot, typed: str, message: str) -> None:
    gui_env.login("C001")
    member = plain_member(gui_env)
    before = earn_entries(gui_env, member.id)
    dialog = open_dialog(gui_env, qtbot, member)
    type_into(dialog, "awardAmount", typed)
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    qtbot.waitUntil(lambda: error.text() == message and not gui_env.ctx.ops.busy())
    assert dialog.isVisible() and dialog.result_entry is None
    assert earn_entries(gui_env, member.id) == before
    assert child(dialog, QPushButton, "confirmButton").isEnabled()


def test_a_guide_cannot_award(gui_env: GuiEnv, qtbot: QtBot) -> None:
    guide = gui_env.login("G001")
    member = plain_member(gui_env)
    before = earn_entries(gui_env, member.id)
    dialog = open_dialog(gui_env, qtbot, member)
    assert child(dialog, QLabel, "errorLabel").text() == "Your role does not allow this."
    assert not child(dialog, QPushButton, "confirmButton").isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert not gui_env.ctx.ops.busy() and dialog.result_entry is None
    with pytest.raises(StoreError) as refused:  # the service refuses too: hiding the action is not the guard
        gui_env.till.ledger.award(guide, member.id, 10_000)
    assert refused.value.problem is Problem.PERMISSION_DENIED
    assert earn_entries(gui_env, member.id) == before


# -- yuan text to cents (no float anywhere) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [("128.5", 12850), ("128.50", 12850), ("128", 12800), ("128.", 12800), (".5", 50), ("0.05", 5),
     ("0.1", 10), ("１２８．５", 12850), ("¥1,280.50", 128050), ("￥ 99", 9900), (" 7.7 ", 770),
     ("100000", 10_000_000), ("1.10", 110), ("19.99", 1999)],
)  # fmt: skip
def test_yuan_text_becomes_exact_cents(text: str, cents: int) -> None:
    assert parse_yuan(text) == cents


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", EarnProblem.NOT_POSITIVE), ("0", EarnProblem.NOT_POSITIVE), ("-1", EarnProblem.NOT_POSITIVE),
     ("1.234", EarnProblem.NOT_INTEGER), ("1e3", EarnProblem.NOT_INTEGER), ("12,34", EarnProblem.NOT_INTEGER),
     ("1.2.3", EarnProblem.NOT_INTEGER), ("nan", EarnProblem.NOT_INTEGER), ("100000.01", EarnProblem.TOO_LARGE),
     ("9" * 40, EarnProblem.TOO_LARGE)],
)  # fmt: skip
def test_yuan_text_that_is_not_an_amount_is_refused(text: str, problem: EarnProblem) -> None:
    with pytest.raises(EarnRefused) as refused:
        parse_yuan(text)
    assert refused.value.problem is problem


def test_cents_are_shown_as_yuan_and_points_are_whole() -> None:
    assert [yuan_text(c) for c in (12850, 5, 0, -500, 123456789)] == [
        "¥128.50", "¥0.05", "¥0.00", "-¥5.00", "¥1,234,567.89"
    ]  # fmt: skip
    assert parse_points("５００") == 500 and parse_points("1,000") == 1000
    for bad in ("", "0", "1.5", "-3", "abc"):
        with pytest.raises(ValueError, match="points"):
            parse_points(bad)


class Shouting(QTranslator):
    """A stand-in catalogue that translates the award dialog's words into capitals."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        # None: "not in this catalogue" (an empty string would translate every other context to nothing)
        return source.upper() if context == "AwardDialog" else None  # type: ignore[return-value]

    def isEmpty(self) -> bool:
        return False


def test_switching_language_retranslates_an_open_dialog(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    dialog = open_dialog(gui_env, qtbot, plain_member(gui_env))
    type_into(dialog, "awardAmount", "12a")
    translator = Shouting()
    assert QCoreApplication.installTranslator(translator)
    try:
        qtbot.waitUntil(lambda: child(dialog, QPushButton, "confirmButton").text() == "AWARD (ENTER)")
        assert child(dialog, QLabel, "pointsPreview").text() == "—"
        # The refusal is worded again in the new language (its own context, "Messages", untranslated here).
        assert child(dialog, QLabel, "errorLabel").text() == "Enter the amount in yuan, with at most two decimals."
    finally:
        QCoreApplication.removeTranslator(translator)
    qtbot.waitUntil(lambda: child(dialog, QPushButton, "confirmButton").text() == "Award (Enter)")
