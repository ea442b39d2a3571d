"""Finding a member as a cashier does at the counter, on the real synced demo till: scanning the card at scanner speed
while the cursor is in another field, typing a full phone, or the last 4 digits and picking from the candidates with
the arrow keys and Enter. And the refusals, in plain words: a wrong phone, a revoked card, a phone nobody has (which
is offered for enrolment)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from localdb.member_view import MemberView
from loyalty import member_code
from loyalty.phone import mask_phone
from server import chain
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import (
    ScanClock,
    child,
    click,
    commit_text,
    enter_at,
    filtering_app_events,
    let_time_pass,
    show_widget,
    type_at,
)
from ui.lookup_page import LookupPage
from ui.member_page import MemberPage
from widgets.candidate_list import CandidateList
from widgets.display import points_text
from widgets.member_card import MemberCard
from widgets.scan_detector import ScanDetector


class Counter(QWidget):
    """The lookup and member pages wired as the main window wires them, with a field elsewhere to hold the focus."""

    def __init__(self, env: GuiEnv, clock: ScanClock) -> None:
        super().__init__()
        self.lookup = LookupPage(env.ctx)
        self.member = MemberPage(env.ctx)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.lookup)
        self.pages.addWidget(self.member)
        self.elsewhere = QLineEdit()
        self.elsewhere.setObjectName("noteInput")
        layout = QVBoxLayout(self)
        layout.addWidget(self.elsewhere)
        layout.addWidget(self.pages)
        self.chosen: list[str] = []
        self.enrol: list[str] = []
        self.lookup.member_chosen.connect(self.chosen.append)
        self.lookup.member_chosen.connect(self.show_member)
        self.lookup.enrol_requested.connect(self.enrol.append)
        self.detector = ScanDetector(clock=clock, parent=self)
        self.detector.scanned.connect(env.ctx.hub.scanned)

    def show_member(self, member_id: str) -> None:
        self.member.show_member(member_id)
        self.pages.setCurrentWidget(self.member)


@pytest.fixture
def counter(gui_env: GuiEnv, qtbot: QtBot, scan_clock: ScanClock) -> Iterator[Counter]:
    gui_env.login("C001")
    form = show_widget(qtbot, Counter(gui_env, scan_clock), size=(900, 700), active=True)
    with filtering_app_events(form.detector):
        yield form


def lookup_input(counter: Counter) -> QLineEdit:
    return child(counter.lookup, QLineEdit, "lookupInput")


def error_text(counter: Counter) -> str:
    label = child(counter.lookup, QLabel, "errorLabel")
    return label.text() if label.isVisibleTo(counter) else ""


def type_and_enter(counter: Counter, text: str) -> None:
    field = lookup_input(counter)
    field.setFocus()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def card_of(counter: Counter) -> MemberCard:
    return child(counter.member, MemberCard, "memberCard")


def card_text(counter: Counter, name: str) -> str:
    return child(card_of(counter), QLabel, name).text()


def same_tail_members(env: GuiEnv, tail: str) -> list[MemberView]:
    """Two new members whose phones end like an existing one's (what makes the last 4 digits ambiguous)."""
    staff = env.ctx.actor()
    return [
        env.till.members.enrol(staff, phone="1391234" + tail, name="周晓").member,
        env.till.members.enrol(staff, phone="1865678" + tail, name="陈静").member,
    ]


def test_a_scan_at_scanner_speed_with_the_focus_elsewhere_opens_the_member(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter, scan_clock: ScanClock
) -> None:
    member_id, _phone = gui_env.member_phone(3)
    code = gui_env.member_code(member_id)
    counter.elsewhere.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.elsewhere)

    type_at(qtbot, scan_clock, counter.elsewhere, code, 3)  # a wedge scanner: 3 ms a key, then Enter
    enter_at(scan_clock, counter.elsewhere, 3)

    qtbot.waitUntil(lambda: counter.pages.currentWidget() is counter.member)
    member = gui_env.member(member_id)
    assert counter.chosen == [member_id]
    assert card_text(counter, "memberName") == member.name
    assert card_text(counter, "pointsBalance") == points_text(member.available_points)
    let_time_pass(qtbot, 60)  # past the scanner's hold window: nothing of the scan reaches the field later either
    assert counter.elsewhere.text() == ""
    assert lookup_input(counter).text() == ""  # the code does not stay on screen


def test_a_full_phone_typed_in_the_lookup_opens_the_member_once(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter
) -> None:
    member_id, phone = gui_env.member_phone(5)
    type_and_enter(counter, phone)
    QTest.keyClick(lookup_input(counter), Qt.Key.Key_Return)  # a second Enter finds an empty input
    assert counter.chosen == [member_id]
    assert card_of(counter).member_id == member_id
    assert error_text(counter) == ""


def test_the_last_4_digits_list_the_candidates_and_the_arrow_keys_pick_one(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter
) -> None:
    member_id, phone = gui_env.member_phone(7)
    tail = phone[-4:]
    extra = same_tail_members(gui_env, tail)
    type_and_enter(counter, tail)

    candidates = child(counter.lookup, CandidateList, "candidateList")
    assert candidates.isVisibleTo(counter)
    expected = [m.id for m in gui_env.till.members.find_by_tail(gui_env.ctx.actor(), tail)]
    assert candidates.member_ids() == expected and set(expected) >= {member_id, *(m.id for m in extra)}
    first_row = candidates.topLevelItem(0)
    assert first_row is not None
    assert first_row.text(0) == mask_phone("+86" + phone) and phone not in first_row.text(0)  # masked, never whole
    assert first_row.text(1) and first_row.text(2) in {"Standard", "Silver", "Gold", "Platinum"}
    new_row = candidates.topLevelItem(expected.index(extra[0].id))
    assert new_row is not None and [new_row.text(c) for c in range(1, 5)] == ["周晓", "Standard", "0", "—"]
    member_points = gui_env.member(member_id).available_points
    assert first_row.text(3) == f"{member_points:,}" if candidates.member_ids()[0] == member_id else first_row.text(3)
    assert counter.chosen == []  # nothing is chosen for the cashier

    field = lookup_input(counter)
    QTest.keyClick(field, Qt.Key.Key_Down)
    QTest.keyClick(field, Qt.Key.Key_Down)
    QTest.keyClick(field, Qt.Key.Key_Up)
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert counter.chosen == [expected[1]]
    assert card_of(counter).member_id == expected[1]
    assert not candidates.isVisibleTo(counter)  # the list is cleared for the next customer


def test_a_candidate_can_be_picked_with_a_double_click(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    _member_id, phone = gui_env.member_phone(8)
    extra = same_tail_members(gui_env, phone[-4:])
    type_and_enter(counter, phone[-4:])
    candidates = child(counter.lookup, CandidateList, "candidateList")
    row = candidates.member_ids().index(extra[1].id)
    item = candidates.topLevelItem(row)
    assert item is not None
    qtbot.waitUntil(lambda: candidates.viewport().rect().contains(candidates.visualItemRect(item)))
    point = candidates.visualItemRect(item).center()
    viewport, left, none = candidates.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(viewport, left, none, point)  # a double-click is a click, then the double-click event
    assert counter.chosen == []  # one click only selects
    QTest.mouseDClick(viewport, left, none, point)
    assert counter.chosen == [extra[1].id]


def test_a_phone_too_short_is_refused_in_plain_words_and_kept(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    type_and_enter(counter, "1380013800")
    assert error_text(counter) == "Not a valid mobile number: it needs 11 digits."
    assert lookup_input(counter).text() == "1380013800"  # kept (selected) so it can be corrected
    assert counter.chosen == []
    QTest.keyClicks(lookup_input(counter), "139")  # typing again replaces it and clears the message
    assert lookup_input(counter).text() == "139" and error_text(counter) == ""


def test_a_phone_nobody_has_is_offered_for_enrolment(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    phone = "13900001111"
    assert gui_env.till.members.find_by_phone(gui_env.ctx.actor(), phone) is None
    type_and_enter(counter, "139 0000 1111")
    assert error_text(counter) == "No member found."
    enrol = child(counter.lookup, QPushButton, "enrolPhoneButton")
    assert enrol.isVisibleTo(counter)
    click(enrol)
    assert counter.enrol == [phone] and counter.chosen == []


def test_a_tail_nobody_has_finds_no_member_and_offers_nothing(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    actor = gui_env.ctx.actor()
    tail = next(f"{n:04d}" for n in range(10_000) if not gui_env.till.members.find_by_tail(actor, f"{n:04d}"))
    type_and_enter(counter, tail)
    assert error_text(counter) == "No member found."
    assert not child(counter.lookup, QPushButton, "enrolPhoneButton").isVisibleTo(counter)


def test_a_code_from_a_replaced_card_is_refused_in_plain_words(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter, scan_clock: ScanClock
) -> None:
    member_id, _phone = gui_env.member_phone(4)
    current = gui_env.member(member_id).card_serial
    assert current is not None and gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        key = chain.signing_key(session)
    old_card = member_code.sign_member_code(key, uuid.UUID(member_id), current + 1)
    gui_env.ctx.hub.scanned.emit(old_card)  # as the scanner detector delivers it
    qtbot.waitUntil(lambda: error_text(counter) != "")
    assert error_text(counter) == "This code is from a revoked card: ask for the member's phone."
    assert counter.chosen == []


def test_a_guide_looks_members_up_too(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    gui_env.login("G001")
    member_id, phone = gui_env.member_phone(6)
    type_and_enter(counter, phone)
    assert counter.chosen == [member_id]


def test_a_name_typed_in_pinyin_initials_lists_the_member(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    """A cashier without a Chinese input method switched on types "zxq" for 钟小琴 (issue 15, item 29)."""
    member = gui_env.till.members.enrol(gui_env.ctx.actor(), phone="13912340001", name="钟小琴").member
    type_and_enter(counter, "zxq")
    candidates = child(counter.lookup, CandidateList, "candidateList")
    qtbot.waitUntil(lambda: member.id in candidates.member_ids() or counter.chosen == [member.id])
    assert error_text(counter) == ""


def test_a_single_tap_on_a_touch_screen_opens_the_candidate(gui_env: GuiEnv, qtbot: QtBot, counter: Counter) -> None:
    """A finger has no double-click: one tap on a row opens that member (a mouse click still only selects)."""
    _member_id, phone = gui_env.member_phone(5)
    extra = same_tail_members(gui_env, phone[-4:])
    type_and_enter(counter, phone[-4:])
    candidates = child(counter.lookup, CandidateList, "candidateList")
    item = candidates.topLevelItem(candidates.member_ids().index(extra[1].id))
    assert item is not None
    qtbot.waitUntil(lambda: candidates.viewport().rect().contains(candidates.visualItemRect(item)))
    point = candidates.visualItemRect(item).center()

    QTest.mouseClick(candidates.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert counter.chosen == [] and candidates.current_member_id() == extra[1].id  # a mouse click selects

    # What Qt delivers for a tap on a widget that leaves touch to it: a press and a release from the touch screen.
    finger = QTest.createTouchDevice()
    where, on_screen = QPointF(point), QPointF(candidates.viewport().mapToGlobal(point))
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, left),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        tap = QMouseEvent(kind, where, on_screen, left, buttons, none, finger)
        QApplication.sendEvent(candidates.viewport(), tap)
    qtbot.waitUntil(lambda: counter.chosen == [extra[1].id])
    assert not candidates.viewport().testAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)


def test_after_any_message_the_text_is_selected_so_the_next_scan_or_typing_replaces_it(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter
) -> None:
    type_and_enter(counter, "13")
    assert error_text(counter) == "Type the last 4 digits or the whole 11-digit phone number."
    assert lookup_input(counter).selectedText() == "13"
    QTest.keyClicks(lookup_input(counter), "5")
    assert lookup_input(counter).text() == "5"


def test_a_code_typed_in_full_width_by_a_chinese_input_method_opens_the_member(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter
) -> None:
    """A scanner typing through an input method in full-width mode delivers "ＭＤ１…": it is a code, not a name."""
    member_id, _phone = gui_env.member_phone(4)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in gui_env.member_code(member_id))
    field = lookup_input(counter)
    field.setFocus()
    commit_text(field, full_width)
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.chosen == [member_id])
    assert error_text(counter) == ""


def test_names_and_last_4_digits_are_searched_as_they_are_typed(
    gui_env: GuiEnv, qtbot: QtBot, counter: Counter
) -> None:
    """Search as you type (issue 15, item 29): a name lists its members when the typing pauses, four digits list
    at once; a phone or a code half typed is not searched and says nothing; nothing opens by itself."""
    member = gui_env.till.members.enrol(gui_env.ctx.actor(), phone="13912340001", name="钟小琴").member
    candidates = child(counter.lookup, CandidateList, "candidateList")
    field = lookup_input(counter)
    field.setFocus()
    QTest.keyClicks(field, "zxq")
    qtbot.waitUntil(lambda: member.id in candidates.member_ids(), timeout=2000)
    assert counter.chosen == [] and error_text(counter) == ""

    field.clear()
    _member_id, phone = gui_env.member_phone(7)
    same_tail_members(gui_env, phone[-4:])
    QTest.keyClicks(field, phone[-4:])
    qtbot.waitUntil(lambda: len(candidates.member_ids()) >= 3, timeout=2000)

    QTest.keyClicks(field, "5")  # a phone being typed: five digits are not searched, and no error shows
    let_time_pass(qtbot, 500)  # more than the pause that starts a search
    assert error_text(counter) == "" and counter.chosen == []
    assert not candidates.isVisibleTo(counter)
