"""`ErrorLine`, the `errorLabel` of every dialog and page: one refusal in words (`ui.messages.describe`), worded again
when the language changes (it keeps the refusal, not the sentence), hidden while there is none, and cleared as soon
as the input it is about changes, so an error never outlives the input that caused it. In a dialog it keeps the
room of two lines while hidden, so the dialog does not grow (and its buttons do not jump) when a refusal appears.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDateTimeEdit, QDialog, QLabel, QLineEdit, QWidget

from ui.messages import describe
from widgets.display import join_sentences, no_orphan
from widgets.retranslating import Retranslating

Words = Callable[[], str]

DIALOG_LINES = 2  # the room a dialog keeps for its refusal: most are one line, a long English one wraps to two


class ErrorLine(Retranslating, QLabel):
    """objectName `errorLabel` (or the one given); `show_error(error)`, `clear_error()`, `error`; `changed` is
    emitted whenever what it says is replaced or cleared (a screen may show an action that goes with the refusal)."""

    changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, name: str = "errorLabel", reserve_lines: int | None = None
    ) -> None:
        """`reserve_lines`: the lines of room kept while there is no refusal (default: two in a dialog, none on a
        page, where the room is worth more than the stillness)."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self._error: BaseException | None = None
        self._words: Words | None = None
        self._reserve_lines = (
            (DIALOG_LINES if isinstance(parent, QDialog) else 0) if reserve_lines is None else reserve_lines
        )
        if self._reserve_lines:
            policy = self.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # hidden, it still holds its place in the layout
            self.setSizePolicy(policy)
            self._reserve()
        self.hide()

    @property
    def error(self) -> BaseException | None:
        """The refusal shown (None when the line is empty or shows words of its own)."""
        return self._error

    @property
    def is_empty(self) -> bool:
        return self._words is None

    def show_error(self, error: BaseException | None, *, also: Words | None = None) -> None:
        """Show `error` in words, followed by `also()` (words the screen adds, e.g. who has the phone); None clears."""
        self._error = error
        if error is None:
            self._words = None
        else:
            self._words = (
                (lambda: join_sentences(describe(error), also())) if also is not None else (lambda: describe(error))
            )
        self.retranslate()
        self.changed.emit()

    def show_words(self, words: Words) -> None:
        """Show a sentence of the screen's own (`lambda: self.tr(...)`, so a language change words it again)."""
        self._error = None
        self._words = words
        self.retranslate()
        self.changed.emit()

    def clear_error(self) -> None:
        self.show_error(None)

    def clear_when_changed(self, *inputs: QWidget) -> None:
        """Clear the line whenever one of these inputs changes, by typing or otherwise (a button that fills a field,
        a scan): the text's, the box's, the choice's or the date's change signal, never only the edit signal."""
        for field in inputs:
            if isinstance(field, QLineEdit):
                field.textChanged.connect(self._input_changed)
            elif isinstance(field, QAbstractButton):
                field.toggled.connect(self._input_changed)
            elif isinstance(field, QComboBox):
                field.currentIndexChanged.connect(self._input_changed)
            elif isinstance(field, QDateTimeEdit):
                field.dateTimeChanged.connect(self._input_changed)
            else:
                raise TypeError(f"no change signal known for {type(field).__name__}")

    def _input_changed(self, *_args: object) -> None:
        if not self.is_empty:
            self.clear_error()

    def _reserve(self) -> None:
        margins = self.contentsMargins()
        lines = self._reserve_lines * self.fontMetrics().lineSpacing()
        self.setMinimumHeight(lines + margins.top() + margins.bottom() + 2 * self.margin())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._reserve_lines and event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._reserve()  # the stylesheet's font decides how tall a line is

    def retranslate(self) -> None:
        self.setText("" if self._words is None else no_orphan(self._words()))
        self.setVisible(self._words is not None)
