"""The counter app's own settings on this computer, declared once (Vorta's `get_misc_settings`, Electrum's
`ConfigVar`s): the language, the window's place and size, how often the till checks the server and syncs in
the background, when an untouched counter puts the member away and locks, and the slip printer (which printer, how
it is reached, the paper, whether a slip prints after each award and redemption) and the local POS interface's
port (its shared secret is not here: `posapi` keeps it like the database key, out of this plain file). Each is a
`Setting` with its key, default, words for a settings screen and a parser that refuses a value it cannot use, so a
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
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from slip.layout import Paper
from slip.printers import BAUDRATES, DEFAULT_PORT, PrinterKind
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


def _text(longest: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = str(value).strip()
        if len(text) > longest:
            raise ValueError("too long")
        return text

    return parse


def _switch(value: object) -> bool:
    """A yes/no: QSettings' INI file keeps a bool as "true" / "false"."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("not a yes/no")


def _printer_kind(value: object) -> PrinterKind:
    return PrinterKind(str(value))


def _paper(value: object) -> Paper:
    return Paper(int(str(value)))


def _baudrate(value: object) -> int:
    rate = int(str(value))
    if rate not in BAUDRATES:
        raise ValueError("not a serial speed the printers use")
    return rate


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
# The slip printer (slip/printers.py; docs/operations.md, "Slips and printers"). None until a manager sets one.
PRINTER_KIND = Setting(
    "printer/kind", PrinterKind.NONE, QT_TRANSLATE_NOOP("Settings", "Slip printer connection"), _printer_kind
)
PRINTER_USB_VENDOR = Setting(
    "printer/usb_vendor", 0, QT_TRANSLATE_NOOP("Settings", "USB vendor ID"), _whole_number(0, 0xFFFF)
)
PRINTER_USB_PRODUCT = Setting(
    "printer/usb_product", 0, QT_TRANSLATE_NOOP("Settings", "USB product ID"), _whole_number(0, 0xFFFF)
)
PRINTER_HOST = Setting("printer/host", "", QT_TRANSLATE_NOOP("Settings", "Printer address"), _text(253))
PRINTER_PORT = Setting("printer/port", DEFAULT_PORT, QT_TRANSLATE_NOOP("Settings", "Port"), _whole_number(1, 65535))
PRINTER_SERIAL_DEVICE = Setting("printer/serial_device", "", QT_TRANSLATE_NOOP("Settings", "Serial port"), _text(260))
PRINTER_BAUDRATE = Setting("printer/baudrate", 9600, QT_TRANSLATE_NOOP("Settings", "Speed (baud)"), _baudrate)
PRINTER_FILE_PATH = Setting(
    "printer/file_path", "", QT_TRANSLATE_NOOP("Settings", "Device file or shared printer"), _text(260)
)
PRINTER_PAPER = Setting("printer/paper", Paper.MM58, QT_TRANSLATE_NOOP("Settings", "Paper width"), _paper)
PRINTER_NATIVE_QR = Setting(
    "printer/native_qr", True, QT_TRANSLATE_NOOP("Settings", "The printer draws QR codes itself"), _switch
)
PRINT_AFTER_POINTS = Setting(
    "printer/print_after_points",
    True,
    QT_TRANSLATE_NOOP("Settings", "Print a slip after each award and redemption"),
    _switch,
)
PRINTER_SETTINGS: tuple[Setting[Any], ...] = (
    PRINTER_KIND,
    PRINTER_USB_VENDOR,
    PRINTER_USB_PRODUCT,
    PRINTER_HOST,
    PRINTER_PORT,
    PRINTER_SERIAL_DEVICE,
    PRINTER_BAUDRATE,
    PRINTER_FILE_PATH,
    PRINTER_PAPER,
    PRINTER_NATIVE_QR,
    PRINT_AFTER_POINTS,
)


def _port(value: object) -> int:
    """0 (off) or a port a user may listen on, 1024..65535."""
    port = int(str(value))
    if port != 0 and not 1024 <= port <= 65535:
        raise ValueError(f"{port} is not 0 or 1024..65535")
    return port


# The POS interface's port on 127.0.0.1 (posapi; 0: off). Its secret is not a setting: posapi.secret keeps it like
# the database key.
POS_PORT = Setting(
    "pos/port", 8765, QT_TRANSLATE_NOOP("Settings", "POS interface port on this computer (0: off)"), _port
)
ALL_SETTINGS: tuple[Setting[Any], ...] = (
    LANGUAGE,
    WINDOW_GEOMETRY,
    AUTO_SYNC_MINUTES,
    HEALTH_CHECK_SECONDS,
    MEMBER_IDLE_SECONDS,
    IDLE_LOCK_MINUTES,
    *PRINTER_SETTINGS,
    POS_PORT,
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
        if isinstance(value, bool):
            stored = "true" if value else "false"  # as QSettings' INI file keeps it, read back the same everywhere
        elif isinstance(value, bytes):
            stored = QByteArray(value)
        elif isinstance(value, Enum):
            stored = value.value
        self._store.setValue(setting.key, stored)
        self._store.sync()

    @property
    def path(self) -> str:
        return self._store.fileName()
