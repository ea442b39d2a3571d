"""Chinese written as Chinese is written: sentences composed from two translations meet without an ASCII space
("该手机号已是会员。该会员为…", not "会员。 该会员"), and a wrapped message never leaves its last character and
full stop ("分。") alone on a line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QTextLayout, QTextOption
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import commit_text, show_widget
from ui.enrol_dialog import EnrolDialog
from ui.i18n import Language, Translations
from widgets.display import WORD_JOINER, join_sentences, no_orphan


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.switch(Language.ZH_CN)
    yield
    translations.uninstall()


def test_a_refusal_and_what_the_dialog_adds_meet_without_a_space(gui_env: GuiEnv, qtbot: QtBot, chinese: None) -> None:
    gui_env.login("G001")
    _member_id, phone = gui_env.member_phone(3)
    dialog = show_widget(qtbot, EnrolDialog(gui_env.ctx))
    QTest.keyClicks(dialog.phone_input, phone)
    dialog.name_input.setFocus()
    commit_text(dialog.name_input, "重复")
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())
    text = dialog.error_label.text().replace(WORD_JOINER, "")
    assert "。该会员为" in text and "。 " not in text, text


def test_english_sentences_still_get_their_space() -> None:
    assert join_sentences("No member found.", "It is Ann (138****8000).") == (
        "No member found. It is Ann (138****8000)."
    )
    assert join_sentences("未找到会员。", "", "请重试。") == "未找到会员。请重试。"


def _lines(text: str, label: QLabel, width: float) -> list[str]:
    """The lines Qt breaks `text` into at `width` in the label's font (the break rules a wrapped QLabel uses)."""
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def test_a_wrapped_message_never_ends_on_a_lone_character(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    sentence = "离线时，该会员今天在本机最多还可抵扣 2,000 积分。"
    metrics = QFontMetricsF(label.font())
    # The width at which the plain sentence leaves "分。" alone on its last line.
    width = metrics.horizontalAdvance(sentence[:-2]) + 1
    assert _lines(sentence, label, width)[-1] == "分。"  # the defect, as Qt lays the plain text out
    kept = _lines(no_orphan(sentence), label, width)
    assert kept[-1].replace(WORD_JOINER, "").strip() == "积分。", kept  # the word wraps whole: "积分。"
    assert no_orphan("Not enough points.") == "Not enough points."
