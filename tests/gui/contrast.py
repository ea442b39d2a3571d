"""Reading colours off the screen as a customer's eye would: WCAG's contrast ratio of two colours, the background
and text colours of a label measured from the pixels of its window (not from its stylesheet, which a more specific
rule may overrule), the labels the stylesheet styles, and a fixture that applies the app's stylesheet for one test.

Thread: the GUI thread, like the tests that call them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from ui.assets import stylesheet

#: WCAG 2 AA for normal text.
AA = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    return 0.2126 * _channel(colour.red()) + 0.7152 * _channel(colour.green()) + 0.0722 * _channel(colour.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio, 1 (the same) to 21 (black on white)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def window_image(widget: QWidget) -> QImage:
    """What the window around `widget` shows, as pixels (parents' backgrounds included)."""
    QApplication.processEvents()
    return widget.window().grab().toImage()


def area_colours(image: QImage, widget: QWidget, rect: QRect | None = None) -> Counter[int]:
    """How often each colour is painted inside `widget` (or `rect` of it) in the window's `image`."""
    area = rect if rect is not None else widget.rect()
    origin = widget.mapTo(widget.window(), QPoint(0, 0))
    ratio = image.devicePixelRatio()
    counts: Counter[int] = Counter()
    left, top = int((origin.x() + area.x()) * ratio), int((origin.y() + area.y()) * ratio)
    for y in range(top, min(image.height(), top + int(area.height() * ratio))):
        for x in range(left, min(image.width(), left + int(area.width() * ratio))):
            counts[image.pixel(x, y) & 0xFFFFFF] += 1
    return counts


def label_colours(image: QImage, label: QLabel) -> tuple[QColor, QColor]:
    """(background, text) of `label` as painted: the commonest colour, and the colour that stands out most from it
    among those painted more than a few times (anti-aliased edges are in between)."""
    counts = area_colours(image, label)
    background = QColor(counts.most_common(1)[0][0])
    painted = [QColor(rgb) for rgb, n in counts.items() if n >= 3] or [background]
    text = max(painted, key=lambda colour: contrast(colour, background))
    return background, text


def _styled_names() -> set[str]:
    return set(re.findall(r"QLabel#(\w+)", stylesheet()))


def styled_labels(root: QWidget) -> list[QLabel]:
    """The visible labels with words that the stylesheet gives a look of their own (by objectName or "tone")."""
    names = _styled_names()
    return [
        label
        for label in root.findChildren(QLabel)
        if label.isVisible()
        and label.text().strip()
        and (label.objectName() in names or label.property("tone") is not None)
    ]


def unreadable(root: QWidget) -> list[tuple[str, str, float]]:
    """(objectName or tone, text, ratio) of each styled label in `root` whose text is below AA on its background."""
    image = window_image(root)
    found = []
    for label in styled_labels(root):
        background, text = label_colours(image, label)
        ratio = contrast(background, text)
        if ratio < AA:
            found.append((label.objectName() or str(label.property("tone")), label.text(), round(ratio, 2)))
    return found


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own stylesheet for this test (the tests' application has none)."""
    qapp.setStyleSheet(stylesheet())
    try:
        yield qapp
    finally:
        qapp.setStyleSheet("")
