"""The counter's side of the printed slip: this till's printer as the settings hold it (`printer_config`,
`save_printer_config`), whether a slip prints by itself after an award or a redemption, the slip of a ledger entry
in the language the screen speaks, and printing it on the print worker (`ctx.ops.print_job`) through the context's
printer seam (`ctx.print_slip`, `slip.printers.print_slip` unless a test gives another).

A print that fails never touches the points: the entry was committed before the slip was made. The failure comes
back as `PrintFailed`, which the screen words (`ui.messages.describe`).

Thread: GUI thread; the printing itself on the print worker.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, QObject

from localdb.expiring import Expiring
from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.slips import SlipFacts, slip_for_entry
from slip.model import ExpiringPoints, Slip
from slip.printers import PrinterConfig, PrinterKind
from ui.context import AppContext
from ui.i18n import parse_language
from ui.settings import (
    PRINT_AFTER_POINTS,
    PRINTER_BAUDRATE,
    PRINTER_FILE_PATH,
    PRINTER_HOST,
    PRINTER_KIND,
    PRINTER_NATIVE_QR,
    PRINTER_PAPER,
    PRINTER_PORT,
    PRINTER_SERIAL_DEVICE,
    PRINTER_USB_PRODUCT,
    PRINTER_USB_VENDOR,
    LocalSettings,
)
from widgets.display import tier_name


def printer_config(settings: LocalSettings) -> PrinterConfig:
    """This till's printer, as the settings file holds it (no printer: kind NONE)."""
    return PrinterConfig(
        kind=settings.get(PRINTER_KIND),
        usb_vendor=settings.get(PRINTER_USB_VENDOR),
        usb_product=settings.get(PRINTER_USB_PRODUCT),
        host=settings.get(PRINTER_HOST),
        port=settings.get(PRINTER_PORT),
        serial_device=settings.get(PRINTER_SERIAL_DEVICE),
        baudrate=settings.get(PRINTER_BAUDRATE),
        file_path=settings.get(PRINTER_FILE_PATH),
        paper=settings.get(PRINTER_PAPER),
        native_qr=settings.get(PRINTER_NATIVE_QR),
    )


def save_printer_config(settings: LocalSettings, config: PrinterConfig, *, print_after_points: bool) -> None:
    settings.set(PRINTER_KIND, config.kind)
    settings.set(PRINTER_USB_VENDOR, config.usb_vendor)
    settings.set(PRINTER_USB_PRODUCT, config.usb_product)
    settings.set(PRINTER_HOST, config.host)
    settings.set(PRINTER_PORT, config.port)
    settings.set(PRINTER_SERIAL_DEVICE, config.serial_device)
    settings.set(PRINTER_BAUDRATE, config.baudrate)
    settings.set(PRINTER_FILE_PATH, config.file_path)
    settings.set(PRINTER_PAPER, config.paper)
    settings.set(PRINTER_NATIVE_QR, config.native_qr)
    settings.set(PRINT_AFTER_POINTS, print_after_points)


def printer_set(ctx: AppContext) -> bool:
    return ctx.settings.get(PRINTER_KIND) is not PrinterKind.NONE


def prints_after_points(ctx: AppContext) -> bool:
    """A slip prints by itself after an award or a redemption: a printer is set and the setting is on."""
    return printer_set(ctx) and ctx.settings.get(PRINT_AFTER_POINTS)


def slip_language() -> str:
    """The language the screens speak now (the slip is printed in it)."""
    return parse_language(QLocale().name()).value


def entry_slip(ctx: AppContext, entry: EntryView, member: MemberView) -> Slip:
    """The slip of an award or a redemption, for the member as they stand after it (reads one row)."""
    config = ctx.till.settings.current()
    return slip_for_entry(
        entry,
        member,
        facts=SlipFacts.read(ctx.till.sync, config),
        config=config,
        language=slip_language(),
        tier_name=tier_name(config.rules, member.tier),
        member_code=ctx.member_codes.get(member.id),
        expiring=expiring_slip_line(ctx.till.expiring.soon(member)),
    )


def expiring_slip_line(soon: Expiring | None) -> ExpiringPoints | None:
    """The slip's "N points expire on …" line of the member's points expiring soonest (`localdb.expiring`)."""
    return None if soon is None else ExpiringPoints(soon.points, soon.on)


def trial_slip(ctx: AppContext) -> Slip:
    """The settings' test print: the store, this till and the staff, and a line saying it is not a receipt."""
    config = ctx.till.settings.current()
    facts = SlipFacts.read(ctx.till.sync, config)
    staff = ctx.staff.code if ctx.staff is not None else ""
    return Slip(
        store_name=facts.store_name,
        store_code=facts.store_code,
        till_name=facts.till_name,
        printed_at=ctx.till.clock(),
        zone=config.zone,
        staff_code=staff,
        language=slip_language(),
        test=True,
    )


def print_in_background(
    ctx: AppContext,
    slip: Slip,
    on_done: Callable[[None], None],
    on_error: Callable[[Exception], None],
    *,
    config: PrinterConfig | None = None,
    owner: QObject | None = None,
) -> None:
    """Print `slip` on the print worker (on the printer the settings hold, or `config`), then call back."""
    chosen = config if config is not None else printer_config(ctx.settings)
    printer = ctx.print_slip
    ctx.ops.print_job(lambda: printer(chosen, slip), on_done, on_error, owner=owner)
