"""Awarding points as a cashier does it at the counter: type the purchase and the receipt, read the preview, press
Enter; on the real synced demo till. Also what must never happen: a double Enter awarding twice, a receipt earning
twice, a bad amount writing anything, a store guide awarding."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from localdb.errors import Problem, StoreError
from loyalty.coupons import CouponProblem, CouponRefused
from loyalty.points import EarnProblem, EarnRefused
from protocol.vocabulary import EntryKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import assert_role_refused, child, click, press_enter, show_widget, type_into, wait_idle
from tests.posapi.conftest import TEN_OFF, hold
from ui.award_dialog import AwardDialog
from ui.member_page import MemberPage
from ui.messages import describe
from widgets.display import yuan_text
from widgets.money_input import parse_points, parse_yuan


def earn_entries(env: GuiEnv, member_id: str) -> list[str]:
    return [entry.id for entry in env.entries(member_id, EntryKind.EARN)]


def test_a_cashier_awards_a_purchase_with_its_receipt(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    before = earn_entries(gui_env, member.id)
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, member))

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
    after = gui_env.member(member.id)
    assert after.available_points == member.available_points + 128


def test_the_preview_follows_the_amount_and_the_bonus(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
    preview = child(dialog, QLabel, "pointsPreview")
    type_into(dialog, "awardAmount", "99.99")
    assert preview.text() == "+99 points"  # points round down
    click(child(dialog, QWidget, "bonus_own_bag"))
    assert preview.text() == "+108 points"  # own bag: +10 % of 99, rounded down
    press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert dialog.result_entry is not None and dialog.result_entry.points == 108


def test_enter_pressed_twice_awards_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    before = earn_entries(gui_env, member.id)
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
    type_into(dialog, "awardAmount", "88")  # no receipt: only the dialog itself stands between Enter and a 2nd award
    press_enter(dialog)
    assert not child(dialog, QPushButton, "confirmButton").isEnabled()  # disabled while the write is in flight
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: dialog.result() == AwardDialog.DialogCode.Accepted)
    assert len(earn_entries(gui_env, member.id)) == len(before) + 1
    after = gui_env.member(member.id)
    assert after.available_points == member.available_points + 88


def test_the_same_receipt_earns_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    first = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
    type_into(first, "awardAmount", "50")
    type_into(first, "receiptNumber", "R-0318-0042")
    press_enter(first)
    qtbot.waitUntil(lambda: first.result_entry is not None)
    count = len(earn_entries(gui_env, member.id))

    again = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
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
        ("100000.01", "The amount is above the limit for one receipt (100,000 yuan)."),
        ("6901234567890123", "The amount is above the limit for one receipt (100,000 yuan)."),
        ("0.5", "This purchase earns no points."),  # 1 point a yuan, rounded down
    ],
)
def test_a_bad_amount_is_explained_and_writes_nothing(gui_env: GuiEnv, qtbot: QtBot, typed: str, message: str) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    before = earn_entries(gui_env, member.id)
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
    type_into(dialog, "awardAmount", typed)
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: error.text() == message)
    assert dialog.isVisible() and dialog.result_entry is None
    assert earn_entries(gui_env, member.id) == before
    assert child(dialog, QPushButton, "confirmButton").isEnabled()


def test_a_guide_cannot_award(gui_env: GuiEnv, qtbot: QtBot) -> None:
    guide = gui_env.login("G001")
    member = gui_env.plain_member()
    before = earn_entries(gui_env, member.id)
    assert_role_refused(qtbot, gui_env.ctx, show_widget(qtbot, AwardDialog(gui_env.ctx, member)))
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
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, gui_env.plain_member()))
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


def test_a_ticked_coupon_comes_off_the_bill_before_the_points(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """A purchase typed by hand takes the member's coupons too: ticked, the preview earns on what is left and says
    the discount; one that may not go on the amount is explained; the award writes the coupon's use with it, and the
    member page says what to take off at the register."""
    gui_env.login("C001")
    member = gui_env.plain_member(7)
    hold(gui_env.till, member.id, ("c-ten", TEN_OFF))
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
    page.show_member(member.id)
    click(page.award_button)
    qtbot.waitUntil(lambda: page.findChild(AwardDialog) is not None)
    dialog = page.findChild(AwardDialog)
    assert isinstance(dialog, AwardDialog) and dialog.coupon_list.count() >= 1
    preview, detail = child(dialog, QLabel, "pointsPreview"), child(dialog, QLabel, "pointsPreviewDetail")
    type_into(dialog, "awardAmount", "80")
    row = next(n for n in range(dialog.coupon_list.count())
               if dialog.coupon_list.item(n).data(Qt.ItemDataRole.UserRole) == "c-ten")  # fmt: skip
    dialog.coupon_list.item(row).setCheckState(Qt.CheckState.Checked)
    assert preview.text() == "—"
    assert dialog.error_label.text() == describe(CouponRefused(CouponProblem.BELOW_MIN_SPEND, "c-ten"))
    child(dialog, QLineEdit, "awardAmount").clear()
    type_into(dialog, "awardAmount", "150")
    assert preview.text() == "+140 points" and detail.text().startswith("coupons ¥10.00 off")
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: page.findChild(AwardDialog) is None)
    (earn,) = [e for e in gui_env.entries(member.id, EntryKind.EARN) if e.amount_cents == 14_000]
    assert earn.points == 140
    assert page.outcome.text().startswith("Coupons: ¥10.00 off — take it off at the register\n+140 points")
    assert all(offer.coupon.id != "c-ten" for offer in gui_env.till.coupons.offers(member.id))  # used here
