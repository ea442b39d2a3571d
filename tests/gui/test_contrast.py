"""Colours a cashier can read, measured from the pixels on screen: the birthday badge stands out on the member
card (it was white on white, so the doubled points came as a surprise), and every label the stylesheet styles on
the main screens keeps its text at WCAG AA (4.5:1) against what is painted behind it."""

from __future__ import annotations

from datetime import UTC, date

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import Member
from loyalty.rules import DEFAULT_RULES
from loyalty.tiers import is_birthday_month
from tests.gui.conftest import GuiEnv
from tests.gui.contrast import (
    AA,
    area_colours,
    contrast,
    label_colours,
    styled,
    styled_labels,
    unreadable,
    window_image,
)
from tests.gui.helpers import child, press_enter, show_widget, type_into
from tests.gui.test_member_card import view
from ui.award_dialog import AwardDialog
from ui.main_window import MainWindow
from widgets.member_card import MemberCard

__all__ = ["styled"]  # a fixture, used by name

TODAY = date(2026, 7, 18)


def test_the_birthday_badge_stands_out_on_the_card(styled: QApplication, qtbot: QtBot) -> None:
    card = show_widget(qtbot, MemberCard(), size=(900, 360))
    card.show_member(view(birthday=date(1990, 7, 2), pending_points=120), rules=DEFAULT_RULES, preferences=[],
                     today=TODAY, zone=UTC)  # fmt: skip
    badge = child(card, QLabel, "birthdayBadge")
    assert badge.isVisible()
    image = window_image(card)
    card_background = QColor(area_colours(image, card).most_common(1)[0][0])
    badge_background, badge_text = label_colours(image, badge)
    assert contrast(badge_background, card_background) >= 3  # the badge is a shape of its own on the card
    assert contrast(badge_text, badge_background) >= AA
    assert unreadable(card) == []  # the pending points, the captions: every styled label on the card


def _birthday_member(env: GuiEnv) -> str:
    zone = env.till.settings.current().zone
    today = env.till.clock().astimezone(zone).date()
    with env.till.db.read() as session:
        rows = session.execute(select(Member.id, Member.birthday).order_by(Member.id)).all()
    return next(str(row.id) for row in rows if is_birthday_month(row.birthday, today))


def test_every_styled_label_on_the_main_screens_is_readable(
    styled: QApplication, gui_env: GuiEnv, qtbot: QtBot
) -> None:
    manager = gui_env.login("M001")
    member_id = _birthday_member(gui_env)
    gui_env.till.ledger.award(manager, member_id, 12_000)  # not synced yet: the card shows the pending points
    window = show_widget(qtbot, MainWindow(gui_env.ctx), size=(1366, 768))
    problems = []

    type_into(window.lookup_page, "lookupInput", "13900000000")  # nobody: the lookup says so in its tone
    press_enter(window.lookup_page)
    qtbot.wait(300)
    problems += unreadable(window)

    window.show_member(member_id)
    qtbot.waitUntil(lambda: child(window.member_page, QLabel, "birthdayBadge").isVisible())
    assert {"birthdayBadge", "pendingPoints", "pointsBalance", "statusOnline"} <= {
        label.objectName() for label in styled_labels(window)
    }  # the walk sees the labels it is about
    problems += unreadable(window)

    window.show_sync()
    qtbot.wait(300)
    problems += unreadable(window)

    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, gui_env.member(member_id)))
    type_into(dialog, "awardAmount", "88")
    qtbot.wait(300)
    problems += unreadable(dialog)
    assert problems == []
