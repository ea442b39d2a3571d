"""Words that follow the language: `QT_TRANSLATE_NOOP`, which marks a module-level string for lupdate, and
`Retranslating`, the mixin every screen and widget with words uses: Qt sends `QEvent.LanguageChange` to every
widget when the language is switched, and the mixin answers it by calling the widget's own `retranslate()`, so a
language switch needs no restart and no widget repeats the `changeEvent` boilerplate.

Put it first among the bases (`class AwardDialog(Retranslating, QDialog)`) so Qt's virtual finds it first.
Thread: GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    _Widget = QWidget
else:
    _Widget = object


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark `text` for translation under `context` (lupdate collects it); translate it when it is shown
    (`QCoreApplication.translate(context, text)`). Ours rather than PySide6's, whose stub returns `object`."""
    return text


class Retranslating(_Widget):
    """Calls `retranslate()` on every language change; the widget sets all its words there."""

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
