"""The on-screen keypad: big touch buttons for digits, backspace, clear and OK, for PINs and amounts, and optionally
a row of letters (the letters staff codes use, so "C001" can be typed on a touch screen alone).

It only emits signals (`digit`, `letter`, `backspace`, `cleared`, `entered`); the screen decides which field they go
to. Its buttons never take the focus, so a cashier can mix the keypad and the keyboard in the same field. A screen
whose dialog has its own primary button hides OK (`show_enter(False)`): one primary button, not two doing the same.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from widgets.retranslating import Retranslating

# Phone / card-terminal layout: 1 2 3 on top, as on the payment terminal beside the till.
_DIGIT_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"))
BACKSPACE_SYMBOL = "⌫"


class Keypad(Retranslating, QWidget):
    """Digits 0-9, ⌫, Clear and OK. objectNames `key0`..`key9`, `keyBackspace`, `keyClear`, `keyEnter`; letter keys
    `keyLetterC` etc. once `set_letters` gave some."""

    digit = Signal(str)
    letter = Signal(str)
    backspace = Signal()
    cleared = Signal()
    entered = Signal()

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self._letter_row = QHBoxLayout()
        self._letter_row.setSpacing(8)
        self._letters: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        outer.addLayout(self._letter_row)
        outer.addLayout(grid, 1)
        self._buttons: dict[str, QPushButton] = {}
        for row, digits in enumerate(_DIGIT_ROWS):
            for column, text in enumerate(digits):
                grid.addWidget(self._digit_button(text), row, column)
        self._backspace = self._button("keyBackspace", BACKSPACE_SYMBOL)
        self._backspace.setAutoRepeat(True)  # held down, it keeps deleting, like the keyboard's key
        self._backspace.clicked.connect(self.backspace)
        self._clear = self._button("keyClear", "")
        self._clear.clicked.connect(self.cleared)
        self._enter = self._button("keyEnter", "")
        self._enter.setProperty("role", "primary")
        self._enter.clicked.connect(self.entered)
        grid.addWidget(self._backspace, 3, 0)
        grid.addWidget(self._digit_button("0"), 3, 1)
        grid.addWidget(self._clear, 3, 2)
        grid.addWidget(self._enter, 4, 0, 1, 3)
        self.retranslate()

    def button(self, key: str) -> QPushButton:
        """The button for "0".."9", "backspace", "clear" or "enter" (for screens that enable/disable OK)."""
        named = {"backspace": self._backspace, "clear": self._clear, "enter": self._enter}
        return named.get(key) or self._buttons[key]

    def set_letters(self, letters: Sequence[str]) -> None:
        """A row of letter keys above the digits (`letter(text)` when tapped); an empty sequence removes it."""
        for button in self._letters.values():
            button.deleteLater()
        self._letters = {}
        for text in letters:
            button = self._button(f"keyLetter{text}", text)
            button.setMinimumSize(40, 48)
            button.clicked.connect(lambda _checked=False, text=text: self.letter.emit(text))
            self._letter_row.addWidget(button)
            self._letters[text] = button

    def letter_keys(self) -> list[QPushButton]:
        return list(self._letters.values())

    def show_enter(self, shown: bool) -> None:
        """Hide OK when the screen has its own primary button that does the same."""
        self._enter.setVisible(shown)

    def sizeHint(self) -> QSize:
        rows = 5 + (1 if self._letters else 0)
        return QSize(3 * 80 + 16, rows * 64 + 32)

    def retranslate(self) -> None:
        self._backspace.setToolTip(self.tr("Backspace"))
        self._backspace.setAccessibleName(self.tr("Backspace"))
        self._clear.setText(self.tr("Clear"))
        self._enter.setText(self.tr("OK"))

    def _digit_button(self, text: str) -> QPushButton:
        button = self._button(f"key{text}", text)
        button.clicked.connect(lambda: self.digit.emit(text))
        self._buttons[text] = button
        return button

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setProperty("keypad", True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.setDefault(False)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.setMinimumSize(72, 56)
        return button
