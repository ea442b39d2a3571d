"""The member card shows what the counter relies on (points with the unsynced part apart, tier progress, birthday
month, segment, tags, the top preferences), and the member page keeps it true and shows each role only its actions:
a cashier awards and redeems, a store guide reads preferences, and the card follows every change to the member."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QProgressBar, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from localdb.expiring import Expiring
from localdb.member_view import MemberView
from localdb.models import Member
from localdb.preferences import PreferenceView
from loyalty.clock import store_zone
from loyalty.coupons import CouponTemplate, HeldCoupon
from loyalty.insight import DEFAULT_INSIGHT_RULES
from loyalty.rules import DEFAULT_RULES
from protocol.vocabulary import PreferenceKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import button_visible, child, show_widget
from tests.posapi.conftest import TEN_OFF, hold
from ui.i18n import Language, Translations
from ui.member_page import MemberPage
from ui.slip_printing import entry_slip
from widgets.display import points_text, signed_points_text, yuan_text
from widgets.member_card import MemberCard

TODAY = date(2026, 3, 18)


def view(**changes: object) -> MemberView:
    values: dict[str, object] = {
        "id": "01960000-0000-7000-8000-000000000001",
        "name": "王芳",
        "phone_masked": "138****8000",
        "phone_tail": "8000",
        "gender": "F",
        "birthday": date(1990, 7, 2),
        "tier": "gold",
        "spend_12m_cents": 10_000_00,
        "balance_synced": 1_500,
        "pending_points": 0,
        "segment": "high_value_loyal",
        "tags": ("母婴", "周末客"),
        "consent_marketing": True,
        "consent_profile": True,
        "card_serial": 7,
        "last_visit_at": datetime(2026, 2, 28, 18, 30, tzinfo=UTC),  # 1 March, 02:30 in Shanghai
        "version": 3,
    }
    values.update(changes)
    return MemberView(**values)  # type: ignore[arg-type]


def preference(kind: PreferenceKind, value: str, n: int) -> PreferenceView:
    return PreferenceView(n, "m", kind, value, "staff", "G001", datetime(2026, 1, 1, tzinfo=UTC))


def label(widget: QWidget, name: str) -> QLabel:
    return child(widget, QLabel, name)


def shown(widget: QWidget, name: str) -> bool:
    return not label(widget, name).isHidden()


@pytest.fixture
def card(qtbot: QtBot) -> MemberCard:
    widget = MemberCard()
    qtbot.addWidget(widget)
    return widget


def test_the_card_shows_the_member_and_the_points_as_a_number(card: MemberCard) -> None:
    card.show_member(view(), rules=DEFAULT_RULES, preferences=[], today=TODAY, zone=store_zone())
    assert card.objectName() == "memberCard"
    assert label(card, "memberName").text() == "王芳"
    assert label(card, "memberPhone").text() == "138****8000"
    assert label(card, "pointsBalance").text() == "1,500"  # points always with thousands separators
    assert label(card, "tierLabel").text() == "Gold"  # 金卡 in Chinese
    assert label(card, "segmentLabel").text() == "High-value loyal"  # the server's code, in words
    assert label(card, "memberDetails").text() == "Birthday 07-02 · Last visit 2026-03-01"
    assert label(card, "tagsLabel").text() == "Tags: 母婴, 周末客"
    assert not shown(card, "pendingPoints")  # nothing waiting for the server: nothing said
    assert not shown(card, "birthdayBadge")  # March is not July


def test_pending_points_are_shown_apart_and_counted_in_the_balance(card: MemberCard) -> None:
    card.show_member(view(pending_points=120), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert label(card, "pointsBalance").text() == "1,620"
    assert shown(card, "pendingPoints") and label(card, "pendingPoints").text() == "incl. +120 not yet synced"
    card.show_member(view(pending_points=-300), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert label(card, "pointsBalance").text() == "1,200"
    assert label(card, "pendingPoints").text() == "incl. -300 not yet synced"


def test_the_tier_progress_says_how_far_the_next_tier_is(card: MemberCard) -> None:
    card.show_member(view(spend_12m_cents=10_000_50), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    bar = card.findChild(QProgressBar, "tierProgress")
    assert bar is not None
    # 金卡 from 8,000 yuan, 白金 at 20,000: 2,000.50 of 12,000 yuan done, rounded down.
    assert bar.value() == 16
    assert label(card, "tierNext").text() == "¥9,999.50 more to Platinum"  # money written one way everywhere
    card.show_member(view(tier="platinum", spend_12m_cents=25_000_00), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert bar.value() == 100 and label(card, "tierNext").text() == "Top tier"


def test_the_tier_line_says_until_when_the_tier_is_kept_without_a_purchase(
    card: MemberCard, qapp: QApplication
) -> None:
    card.show_member(view(tier_kept_until=date(2026, 9, 30)), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert shown(card, "tierKeptUntil")
    assert label(card, "tierKeptUntil").text() == "Without a purchase, Gold is kept until 2026-09-30"
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        qapp.processEvents()  # the language change reaches the card as an event
        assert label(card, "tierKeptUntil").text() == "若无消费，金卡保留至 2026-09-30"
    finally:
        translations.uninstall()
    card.show_member(view(tier="normal", tier_kept_until=None), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert not shown(card, "tierKeptUntil")  # the first tier: nothing to lose


def test_the_birthday_badge_shows_in_the_birthday_month_only(card: MemberCard) -> None:
    card.show_member(view(birthday=date(1990, 3, 30)), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert shown(card, "birthdayBadge") and label(card, "birthdayBadge").text() == "Birthday month"
    card.show_member(view(birthday=None), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert not shown(card, "birthdayBadge")


def test_the_card_lists_the_top_three_preferences_of_each_kind(card: MemberCard) -> None:
    preferences = [
        preference(PreferenceKind.CATEGORY, value, n)
        for n, value in enumerate(["生鲜", "乳品", "烘焙", "酒水", "零食"])
    ] + [preference(PreferenceKind.SIZE, "M", 10), preference(PreferenceKind.NOTE, "不要塑料袋", 11)]
    card.show_member(view(), rules=DEFAULT_RULES, preferences=preferences, today=TODAY)
    assert label(card, "preferencesLabel").text().splitlines() == [
        "Categories: 生鲜, 乳品, 烘焙",
        "Sizes: M",
        "Notes: 不要塑料袋",
    ]


def test_a_member_without_segment_tags_or_preferences_shows_no_empty_lines(card: MemberCard) -> None:
    card.show_member(view(segment=None, tags=()), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert not shown(card, "segmentLabel") and not shown(card, "tagsLabel")
    assert label(card, "preferencesLabel").text() == "No preferences recorded yet."


def test_figures_are_written_one_way_from_integers() -> None:
    assert [yuan_text(c) for c in (0, 5, 100, 123_456_78, 200_000_00, -150)] == [
        "¥0.00", "¥0.05", "¥1.00", "¥123,456.78", "¥200,000.00", "-¥1.50"
    ]  # fmt: skip
    assert [points_text(p) for p in (0, 999, 1000, 1_234_567)] == ["0", "999", "1,000", "1,234,567"]
    assert [signed_points_text(p) for p in (120, -1500, 0)] == ["+120", "-1,500", "+0"]


# -- the member page on the real till ---------------------------------------------------------------------------


def page_for(env: GuiEnv, qtbot: QtBot, staff: str) -> MemberPage:
    env.login(staff)
    return show_widget(qtbot, MemberPage(env.ctx), size=(1000, 640))


def member_with_preferences(env: GuiEnv) -> str:
    actor = env.ctx.actor()
    with env.till.db.read() as session:
        ids = session.scalars(select(Member.id).where(Member.consent_profile.is_(True)).order_by(Member.id)).all()
    for member_id in ids:
        if len(env.till.preferences.list(actor, member_id)) >= 2:
            return member_id
    raise AssertionError("the demo chain has no member with preferences")


def test_a_cashier_sees_the_member_with_the_counter_actions(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(0)
    assert page.show_member(member_id)
    member = gui_env.member(member_id)
    assert label(page, "memberName").text() == member.name
    assert label(page, "pointsBalance").text() == points_text(member.available_points)
    assert label(page, "memberPhone").text() == member.phone_masked
    for name in ("awardButton", "redeemButton", "reverseButton", "preferencesButton", "memberCodeButton"):
        assert button_visible(page, name), name
    assert child(page, QPushButton, "awardButton").text().endswith("(F2)")


def test_a_guide_reads_preferences_but_cannot_award_redeem_or_reverse(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "G001")
    member_id = member_with_preferences(gui_env)
    assert page.show_member(member_id)
    for name in ("awardButton", "redeemButton", "reverseButton"):
        assert not button_visible(page, name), name
    assert button_visible(page, "preferencesButton")
    first = gui_env.till.preferences.list(gui_env.ctx.actor(), member_id)[0]
    assert first.value in label(page, "preferencesLabel").text()
    with qtbot.waitSignal(page.preferences_requested) as asked:
        QTest.keyClick(page, Qt.Key.Key_F6)
    assert asked.args == [member_id]


def test_the_card_follows_an_award_and_shows_it_as_pending(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(2)
    page.show_member(member_id)
    before = int(label(page, "pointsBalance").text().replace(",", ""))
    assert gui_env.member(member_id).pending_points == 0

    result = gui_env.till.ledger.award(gui_env.ctx.actor(), member_id, 128_50, receipt_no="T-CARD-1")
    gui_env.ctx.hub.member_changed.emit(member_id)  # what ui.operations does after every write

    earned = result.entry.points
    assert earned > 0
    assert label(page, "pointsBalance").text() == points_text(before + earned)
    assert shown(page, "pendingPoints") and label(page, "pendingPoints").text() == f"incl. +{earned} not yet synced"


def test_another_members_change_leaves_the_card_alone_and_a_reload_refreshes_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(3)
    other_id, _other = gui_env.member_phone(4)
    page.show_member(member_id)
    before = label(page, "pointsBalance").text()
    gui_env.till.ledger.award(gui_env.ctx.actor(), member_id, 500_00, receipt_no="T-CARD-2")
    gui_env.ctx.hub.member_changed.emit(other_id)
    assert label(page, "pointsBalance").text() == before  # not re-read for someone else
    gui_env.ctx.hub.members_reloaded.emit()
    now = gui_env.member(member_id)
    assert label(page, "pointsBalance").text() == points_text(now.available_points)
    assert label(page, "pointsBalance").text() != before


def test_f2_opens_the_award_dialog_for_this_member_and_esc_goes_back(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(1)
    page.show_member(member_id)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.isActiveWindow())
    QTest.keyClick(page, Qt.Key.Key_F2)
    dialogs = [d for d in page.findChildren(QDialog) if d.isVisible()]
    assert [type(d).__name__ for d in dialogs] == ["AwardDialog"]
    assert dialogs[0].windowModality() is Qt.WindowModality.WindowModal  # open(), not a nested exec()
    member = gui_env.member(member_id)
    assert any(member.name in text.text() for text in dialogs[0].findChildren(QLabel))  # this member's dialog
    dialogs[0].reject()
    page.setFocus()
    with qtbot.waitSignal(page.back):
        QTest.keyClick(page, Qt.Key.Key_Escape)


def test_logging_out_clears_the_card(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = page_for(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(0)
    page.show_member(member_id)
    gui_env.ctx.log_out()
    assert label(page, "memberName").text() == "" and label(page, "pointsBalance").text() == ""
    assert not button_visible(page, "awardButton") and page.member is None


@pytest.mark.parametrize("language", [Language.EN, Language.ZH_CN])
def test_tags_show_by_layer_with_the_chains_actions_in_the_screens_language(
    card: MemberCard, qapp: QApplication, language: Language
) -> None:
    translations = Translations(qapp)
    try:
        translations.switch(language)
        member = view(segment="dormant", tags=("win_back", "birthday_soon", "night_shopper", "周末客", "churn_risk"))
        card.show_member(member, rules=DEFAULT_RULES, preferences=[], today=TODAY, insight=DEFAULT_INSIGHT_RULES)
        tags, action = label(card, "tagsLabel").text(), label(card, "suggestedAction").text()
        if language is Language.EN:
            assert tags == (
                "Tags: Basic: Birthday soon  ·  Behaviour: Night shopper  ·  "
                "Prediction: Worth winning back, Churn risk  ·  周末客"  # a tag the rules do not know: as stored
            )
            assert action.splitlines() == [
                "Suggested: Churn risk: call this week and offer a personal coupon",  # prediction first
                "Birthday soon: mention the birthday-month bonus",
            ]
        else:
            assert tags.startswith("标签：基础属性：生日临近") and "预测：待唤醒、流失风险" in tags
            assert action.splitlines()[0] == "建议：流失风险：本周内电话回访并赠送专属券"
            assert not re.search("[A-Za-z]", tags + action)
        assert shown(card, "suggestedAction")
        card.show_member(view(segment="new", tags=()), rules=DEFAULT_RULES, preferences=[], today=TODAY)
        assert not shown(card, "tagsLabel")
        words = "New member: explain" if language is Language.EN else "新会员：介绍积分规则"
        assert words in label(card, "suggestedAction").text()  # the segment's own action when no tag has one
    finally:
        translations.uninstall()


def test_the_card_lists_the_coupons_usable_here_in_the_screens_language(card: MemberCard, qapp: QApplication) -> None:
    ten = CouponTemplate.from_dict({"code": "ten", "name": {"zh_CN": "满 100 减 10", "en": "10 yuan off 100"},
                                    "kind": "amount_off", "amount_off_cents": 1_000, "valid_days": 30})  # fmt: skip
    held = HeldCoupon("c1", ten, date(2026, 3, 1), date(2026, 3, 31))
    card.show_member(view(), rules=DEFAULT_RULES, preferences=[], today=TODAY, coupons=[held])
    assert shown(card, "couponsLabel")
    assert label(card, "couponsLabel").text() == "Coupons: 10 yuan off 100 (until 2026-03-31)"
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        qapp.processEvents()
        assert label(card, "couponsLabel").text() == "可用券：满 100 减 10（至 2026-03-31）"
    finally:
        translations.uninstall()
    card.show_member(view(), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert not shown(card, "couponsLabel")


def test_the_member_page_shows_a_pulled_coupon_until_it_is_used_here(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
    member = gui_env.plain_member()
    hold(gui_env.till, member.id, ("c-ten", TEN_OFF))
    page.show_member(member.id)
    assert shown(page.card, "couponsLabel") and "10 yuan off 100" in label(page.card, "couponsLabel").text()
    gui_env.till.ledger.sale(gui_env.ctx.actor(), "R-C1", 20_000, None, member_id=member.id, coupon_ids=["c-ten"])
    page.refresh()
    assert not shown(page.card, "couponsLabel")  # used at this till: not offered again


def test_points_about_to_expire_are_said_under_the_balance(card: MemberCard, qapp: QApplication) -> None:
    card.show_member(view(), rules=DEFAULT_RULES, preferences=[], today=TODAY,
                     expiring=Expiring(1_200, date(2026, 3, 31)))  # fmt: skip
    assert shown(card, "expiringPoints")
    assert label(card, "expiringPoints").text() == "1,200 points expire on 2026-03-31"
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        qapp.processEvents()
        assert label(card, "expiringPoints").text() == "1,200 积分将于 2026-03-31 过期"
    finally:
        translations.uninstall()
    card.show_member(view(), rules=DEFAULT_RULES, preferences=[], today=TODAY)
    assert not shown(card, "expiringPoints")


def test_the_member_page_and_the_slip_say_which_points_expire_soon(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
    member = gui_env.plain_member()
    day = gui_env.till.today() + timedelta(days=20)
    with gui_env.till.db.write() as session:  # as the pull left it after the server's refresh
        session.execute(update(Member).where(Member.id == member.id).values(expiring_points=300, expiring_on=day))
    page.show_member(member.id)
    assert label(page.card, "expiringPoints").text() == f"300 points expire on {day.isoformat()}"
    award = gui_env.till.ledger.award(cashier, member.id, 10_000, receipt_no="R-X1")
    slip = entry_slip(gui_env.ctx, award.entry, award.member)
    assert slip.expiring is not None and (slip.expiring.points, slip.expiring.on) == (300, day)
