"""Where the keyboard is, and what cannot be pressed, both readable (WCAG AA), measured from the pixels: the focused
button and field wear a ring that stands out from the page (3:1, as WCAG asks of a focus indicator), and the text
of a disabled button keeps 4.5:1 against its face, for the plain, the primary and the danger buttons alike."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.contrast import AA, area_colours, contrast, styled, window_image
from tests.gui.helpers import show_widget

__all__ = ["styled"]  # a fixture, used by name

PAGE = QColor("#f5f7fa")  # QDialog's background in the stylesheet


def _form(qtbot: QtBot) -> tuple[QDialog, dict[str, QWidget]]:
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    widgets: dict[str, QWidget] = {"field": QLineEdit("1234")}
    for name, role, object_name in (
        ("plain", None, ""),
        ("primary", "primary", ""),
        ("danger", "danger", ""),
        ("confirm", None, "confirmButton"),
    ):
        button = QPushButton(f"{name} (F2)")
        if role:
            button.setProperty("role", role)
        if object_name:
            button.setObjectName(object_name)
        widgets[name] = button
    for widget in widgets.values():
        layout.addWidget(widget)
    show_widget(qtbot, dialog, size=(420, 420), active=True)
    return dialog, widgets


def _edge(widget: QWidget) -> QColor:
    """The colour painted on the widget's top edge, half way along (its border, or its focus ring)."""
    image = window_image(widget)
    counts = area_colours(image, widget, QRect(widget.width() // 2 - 10, 0, 20, 2))
    return max((QColor(rgb) for rgb in counts), key=lambda colour: contrast(colour, PAGE))


@pytest.mark.parametrize("name", ["field", "plain", "primary", "danger", "confirm"])
def test_the_focused_widget_wears_a_ring_that_stands_out(styled: QApplication, qtbot: QtBot, name: str) -> None:
    _dialog, widgets = _form(qtbot)
    widget = widgets[name]
    other = widgets["plain" if name != "plain" else "primary"]
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    before = _edge(widget)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    ring = _edge(widget)
    assert ring != before  # focus changes what the edge looks like
    assert contrast(ring, PAGE) >= 3  # and the ring is seen against the page


@pytest.mark.parametrize("name", ["plain", "primary", "danger", "confirm"])
def test_a_disabled_button_s_text_is_readable(styled: QApplication, qtbot: QtBot, name: str) -> None:
    _dialog, widgets = _form(qtbot)
    button = widgets[name]
    button.setEnabled(False)
    image = window_image(button)
    inner = button.rect().adjusted(4, 4, -4, -4)  # the face, inside the border
    counts = area_colours(image, button, inner)
    face = QColor(counts.most_common(1)[0][0])
    text = max((QColor(rgb) for rgb, n in counts.items() if n >= 3), key=lambda colour: contrast(colour, face))
    assert contrast(text, face) >= AA
