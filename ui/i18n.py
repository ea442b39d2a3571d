"""The user's language: Simplified Chinese by default, English on request (`--lang en` or the settings).

Source strings in the code are English; `resources/translations/memberdesk_<lang>.ts` are the Qt Linguist sources
and the `.qm` files beside them are built by `scripts/build_translations.sh` (pyside6-lrelease; the bootstrap runs
it). Qt's own strings (the buttons of standard dialogs) come from the `qtbase` catalogue shipped with PySide6.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ui.assets import TRANSLATIONS

log = logging.getLogger(__name__)


class Language(StrEnum):
    ZH_CN = "zh_CN"
    EN = "en"


DEFAULT_LANGUAGE = Language.ZH_CN


def parse_language(text: str | None) -> Language:
    """'en', 'en_US', 'zh', 'zh_CN', 'zh-CN'... to one of ours; anything else is the default (Chinese)."""
    if not text:
        return DEFAULT_LANGUAGE
    key = text.replace("-", "_").lower()
    if key.startswith("en"):
        return Language.EN
    return Language.ZH_CN


class Translations:
    """The translators installed on the application; `switch()` replaces them (screens retranslate on
    QEvent.LanguageChange, which Qt sends to every widget when a translator is installed or removed)."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._installed: list[QTranslator] = []
        self.language = DEFAULT_LANGUAGE

    def uninstall(self) -> None:
        """Remove our translators (the app is closing, or a test is done with it)."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()

    def switch(self, language: Language) -> bool:
        """Install the catalogues of `language`; False when ours is missing (then the English source shows)."""
        self.uninstall()
        self.language = language
        QLocale.setDefault(QLocale(language.value))
        found = True
        ours = QTranslator(self._app)
        if ours.load(f"memberdesk_{language.value}", str(TRANSLATIONS)):
            self._installed.append(ours)
        elif language is not Language.EN:
            log.warning("translation %s is missing: run scripts/build_translations.sh", language.value)
            found = False
        qt_own = QTranslator(self._app)
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_own.load(QLocale(language.value), "qtbase", "_", qt_folder):
            self._installed.append(qt_own)
        for translator in self._installed:
            self._app.installTranslator(translator)
        return found
