"""The counter app's own settings on this computer, declared once (Vorta's `get_misc_settings`, Electrum's
`ConfigVar`s): the language, the window's place and size, how often the till checks the server and syncs in
the background, when an untouched counter puts the member away and locks, and the local POS interface's port (its
shared secret is not here: `posapi` keeps it like the database key, out of this plain file). Each is a `Setting`
with its key, default, words for a settings screen and a parser that refuses a value it cannot use, so a
hand-edited or stale file never breaks the start: a bad value reads as the default.

They are kept with QSettings in an INI file in the user's configuration folder (on Windows in %APPDATA%, not the
registry, so support can read and fix it). What the chain decides (rules, staff, the store) comes from the server
and lives in the till's database, not here.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from ui.i18n import Language
from widgets.retranslating import QT_TRANSLATE_NOOP

T = TypeVar("T")
ORGANIZATION = "MemberDesk"
APPLICATION = "MemberDesk"


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    key: str
    default: T
    label: str  # QT_TRANSLATE_NOOP("Settings", ...): what a settings screen calls it
    parse: Callable[[object], T]  # a stored value to T; raises ValueError or TypeError when it is not usable

    def words(self) -> str:
        return QCoreApplication.translate("Settings", self.label)


def _language(value: object) -> Language:
    return Language(str(value))


def _whole_number(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        number = int(str(value))
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low}..{high}")
        return number

    return parse


def _bytes(value: object) -> bytes:
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, bytes):
        return value
    raise TypeError("not bytes")


LANGUAGE = Setting("ui/language", Language.ZH_CN, QT_TRANSLATE_NOOP("Settings", "Language"), _language)
WINDOW_GEOMETRY = Setting("ui/window_geometry", b"", QT_TRANSLATE_NOOP("Settings", "Window position and size"), _bytes)
AUTO_SYNC_MINUTES = Setting(
    "sync/auto_sync_minutes",
    5,
    QT_TRANSLATE_NOOP("Settings", "Sync in the background every (minutes)"),
    _whole_number(1, 240),
)
HEALTH_CHECK_SECONDS = Setting(
    "sync/health_check_seconds",
    30,
    QT_TRANSLATE_NOOP("Settings", "Check whether the server answers every (seconds)"),
    _whole_number(5, 3600),
)
MEMBER_IDLE_SECONDS = Setting(
    "counter/member_idle_seconds",
    60,
    QT_TRANSLATE_NOOP("Settings", "Put the member away after no input for (seconds)"),
    _whole_number(10, 600),
)
IDLE_LOCK_MINUTES = Setting(
    "counter/idle_lock_minutes",
    10,
    QT_TRANSLATE_NOOP("Settings", "Lock the counter after no input for (minutes)"),
    _whole_number(1, 480),
)
POS_API_PORT = Setting(
    "pos/port",
    8765,
    QT_TRANSLATE_NOOP("Settings", "POS interface port (on 127.0.0.1)"),
    _whole_number(1024, 65535),
)
ALL_SETTINGS: tuple[Setting[Language] | Setting[bytes] | Setting[int], ...] = (
    LANGUAGE,
    WINDOW_GEOMETRY,
    AUTO_SYNC_MINUTES,
    HEALTH_CHECK_SECONDS,
    MEMBER_IDLE_SECONDS,
    IDLE_LOCK_MINUTES,
    POS_API_PORT,
)


def default_store() -> QSettings:
    """The INI file in the user's configuration folder (tests point QSettings' user path at a folder of theirs)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class LocalSettings:
    """`settings.get(LANGUAGE)`, `settings.set(LANGUAGE, Language.EN)`; written to disk at once."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else default_store()

    def get(self, setting: Setting[T]) -> T:
        stored = self._store.value(setting.key)
        if stored is None:
            return setting.default
        try:
            return setting.parse(stored)
        except (TypeError, ValueError):
            return setting.default  # a hand-edited or stale value: the default, never a failed start

    def set(self, setting: Setting[T], value: T) -> None:
        stored: object = value
        if isinstance(value, bytes):
            stored = QByteArray(value)
        elif isinstance(value, Enum):
            stored = value.value
        self._store.setValue(setting.key, stored)
        self._store.sync()

    @property
    def path(self) -> str:
        return self._store.fileName()
