"""Which printer this till prints on (`PrinterConfig`: none, USB, network, serial, or a device file / shared printer
path; 58 or 80 mm paper), the python-escpos printer object for it, and printing a slip with a time limit.

`print_slip(config, slip)` is the one entry point (the counter's screens and the POS API call it on a worker
thread, never the GUI's): the whole job is rendered first into bytes on a Dummy printer, so nothing half-made is
sent, then opened, written and closed on its own thread within `config.timeout_seconds`. Every failure — no printer
set, not found, connection refused, no answer in time, no permission, no USB driver, a full disk, a bad setting —
comes out as one `PrintFailed(problem)` with a stable code the UI words; nothing else escapes, and no slip text
goes to the log.

python-escpos (with Pillow, qrcode and python-barcode under it) is imported by the functions that print, not with
this module: the till's window reads the settings' words at start and must not load an image library for them.

Thread: any but the GUI thread (`print_slip` waits up to the timeout).
"""

from __future__ import annotations

import copy
import errno
import logging
import socket
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from slip.escpos_slip import render_escpos
from slip.layout import Paper
from slip.model import Slip

log = logging.getLogger(__name__)

BAUDRATES = (9600, 19200, 38400, 57600, 115200)
DEFAULT_PORT = 9100  # the raw-printing port of network receipt printers (JetDirect)
DEFAULT_TIMEOUT_SECONDS = 8.0


class PrinterKind(StrEnum):
    NONE = "none"
    USB = "usb"
    NETWORK = "network"
    SERIAL = "serial"
    FILE = "file"  # a device file (/dev/usb/lp0) or, on Windows, a shared printer's path (\\\\till\\receipt)


class PrintProblem(StrEnum):
    """Why a slip did not print (stable codes; the UI translates them)."""

    NOT_SET = "not_set"  # no printer chosen in the settings
    BAD_SETTING = "bad_setting"  # a setting cannot be used (`PrintFailed.setting` names which)
    NOT_FOUND = "not_found"  # unplugged, switched off, wrong address or ids
    REFUSED = "refused"  # a network printer refused the connection (wrong port, or busy with another till)
    TIMEOUT = "timeout"  # no answer within the time limit
    PERMISSION = "permission"  # the system did not allow this user to use the device
    NO_USB_DRIVER = "no_usb_driver"  # libusb missing, or (Windows) the printer not on the WinUSB driver
    DISK_FULL = "disk_full"  # writing to a file printer: no space left
    FAILED = "failed"  # anything else the device said


class PrintFailed(Exception):
    """A slip did not print. `problem` says why; `setting` names the bad setting for BAD_SETTING."""

    def __init__(self, problem: PrintProblem, setting: str | None = None) -> None:
        super().__init__(problem.value if setting is None else f"{problem.value}: {setting}")
        self.problem = problem
        self.setting = setting


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    kind: PrinterKind = PrinterKind.NONE
    usb_vendor: int = 0  # USB ids as `lsusb` / Device Manager show them in hex: 0x0416
    usb_product: int = 0
    host: str = ""
    port: int = DEFAULT_PORT
    serial_device: str = ""  # /dev/ttyUSB0, COM3
    baudrate: int = 9600
    file_path: str = ""
    paper: Paper = Paper.MM58
    native_qr: bool = True  # the printer's own QR command; False: the QR sent as an image
    timeout_seconds: float = field(default=DEFAULT_TIMEOUT_SECONDS)

    @property
    def is_set(self) -> bool:
        return self.kind is not PrinterKind.NONE

    def check(self) -> None:
        """Raise `PrintFailed(BAD_SETTING, setting)` for the first setting this kind of printer cannot use."""
        if self.kind is PrinterKind.USB:
            for name in ("usb_vendor", "usb_product"):
                if not 0 < getattr(self, name) <= 0xFFFF:
                    raise PrintFailed(PrintProblem.BAD_SETTING, name)
        elif self.kind is PrinterKind.NETWORK:
            if not self.host or len(self.host) > 253 or any(char.isspace() for char in self.host):
                raise PrintFailed(PrintProblem.BAD_SETTING, "host")
            if not 0 < self.port <= 65535:
                raise PrintFailed(PrintProblem.BAD_SETTING, "port")
        elif self.kind is PrinterKind.SERIAL:
            if not self.serial_device.strip():
                raise PrintFailed(PrintProblem.BAD_SETTING, "serial_device")
            if self.baudrate not in BAUDRATES:
                raise PrintFailed(PrintProblem.BAD_SETTING, "baudrate")
        elif self.kind is PrinterKind.FILE and not self.file_path.strip():
            raise PrintFailed(PrintProblem.BAD_SETTING, "file_path")
        if not 0 < self.timeout_seconds <= 120:
            raise PrintFailed(PrintProblem.BAD_SETTING, "timeout_seconds")


def parse_usb_id(text: str) -> int:
    """A USB vendor or product id as typed: hex, with or without 0x ("0416", "0x0416"); ValueError otherwise."""
    cleaned = text.strip().lower().removeprefix("0x")
    if not 1 <= len(cleaned) <= 4 or any(char not in "0123456789abcdef" for char in cleaned):
        raise ValueError("a USB id is 1 to 4 hex digits")
    value = int(cleaned, 16)
    if value == 0:
        raise ValueError("a USB id is not 0")
    return value


def usb_id_text(value: int) -> str:
    return f"{value:04x}" if value else ""


def printer_profile(paper: Paper) -> Any:
    """python-escpos' default profile (partial cut, QR, raster images) with this paper's width in dots and
    columns, so images are checked against the paper; a fresh copy: the library's profile data is shared."""
    from escpos.capabilities import Profile, get_profile

    base = get_profile("default")
    profile = Profile(columns=paper.columns, features=dict(base.features))
    data = copy.deepcopy(base.profile_data)
    data["media"] = {"dpi": 203, "width": {"mm": int(paper), "pixels": paper.dots}}
    profile.profile_data = data
    return profile


def dummy_printer(paper: Paper = Paper.MM58) -> Any:
    """A python-escpos Dummy printer: keeps what it is sent in `.output`."""
    from escpos.printer import Dummy

    return Dummy(profile=printer_profile(paper))


def make_printer(config: PrinterConfig) -> Any:
    """The python-escpos printer object for `config` (not opened yet). Raises PrintFailed for a bad setting."""
    from escpos.printer import File, Network, Serial, Usb

    if not config.is_set:
        raise PrintFailed(PrintProblem.NOT_SET)
    config.check()
    profile = printer_profile(config.paper)
    timeout = config.timeout_seconds
    if config.kind is PrinterKind.USB:
        return Usb(config.usb_vendor, config.usb_product, timeout=int(timeout * 1000), profile=profile)
    if config.kind is PrinterKind.NETWORK:
        return Network(config.host, config.port, timeout=timeout, profile=profile)
    if config.kind is PrinterKind.SERIAL:
        return Serial(devfile=config.serial_device, baudrate=config.baudrate, timeout=timeout, profile=profile)
    return File(devfile=config.file_path, profile=profile)


def print_slip(config: PrinterConfig, slip: Slip) -> None:
    """Print `slip` on the printer `config` names, within `config.timeout_seconds`; raises `PrintFailed`."""
    if not config.is_set:
        raise PrintFailed(PrintProblem.NOT_SET)
    config.check()
    job = dummy_printer(config.paper)
    render_escpos(slip, job, paper=config.paper, native_qr=config.native_qr)
    send(config, bytes(job.output))


def send(config: PrinterConfig, data: bytes) -> None:
    """Open the printer, write `data`, close it, on a thread of its own that may take `config.timeout_seconds`.

    A device that hangs (a USB printer out of paper, a file printer whose port blocks) cannot be interrupted from
    Python: its thread is left behind as a daemon and the till is told TIMEOUT."""
    printer = make_printer(config)
    outcome: list[BaseException | None] = []

    def job() -> None:
        try:
            printer.open()
            _prepare(printer, config)
            printer._raw(data)
            outcome.append(None)
        except BaseException as error:  # handed to the waiting thread, which words it
            outcome.append(error)
        finally:
            try:
                printer.close()
            except Exception as error:  # closing a device that failed: nothing more to say than the failure
                log.debug("closing the printer failed: %s", type(error).__name__)

    worker = threading.Thread(target=job, name="memberdesk-print", daemon=True)
    worker.start()
    worker.join(config.timeout_seconds)
    if worker.is_alive() or not outcome:
        log.warning("the %s printer did not answer within %s s", config.kind.value, config.timeout_seconds)
        raise PrintFailed(PrintProblem.TIMEOUT)
    error = outcome[0]
    if error is None:
        return
    problem = problem_of(error)
    log.warning("printing on the %s printer failed: %s (%s)", config.kind.value, problem.value, type(error).__name__)
    raise PrintFailed(problem) from error


def _prepare(printer: Any, config: PrinterConfig) -> None:
    """What the library leaves undone after opening: a serial port's write time limit (it sets only reads)."""
    device = printer.device
    if config.kind is PrinterKind.SERIAL and device is not None:
        device.write_timeout = config.timeout_seconds


def problem_of(error: BaseException) -> PrintProblem:
    """The problem code for what a device raised; python-escpos wraps OS errors in DeviceNotFoundError, so the
    error it was raised from (its context) is read too."""
    from escpos.exceptions import DeviceNotFoundError

    if isinstance(error, PrintFailed):
        return error.problem
    causes: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(causes) < 5:
        causes.append(current)
        current = current.__cause__ or current.__context__
    for cause in causes:
        problem = _os_problem(cause)
        if problem is not None:
            return problem
    names = {type(cause).__name__ for cause in causes}
    usb_missing = any(isinstance(cause, RuntimeError) and "usb" in str(cause).lower() for cause in causes)
    if "NoBackendError" in names or usb_missing:
        return PrintProblem.NO_USB_DRIVER  # pyusb found no libusb; python-escpos: the USB library is missing
    if any(isinstance(cause, DeviceNotFoundError | AssertionError) for cause in causes):
        return PrintProblem.NOT_FOUND
    return PrintProblem.FAILED


def _os_problem(error: BaseException) -> PrintProblem | None:
    if isinstance(error, TimeoutError) or type(error).__name__ in ("USBTimeoutError", "SerialTimeoutException"):
        return PrintProblem.TIMEOUT
    if isinstance(error, ConnectionRefusedError):
        return PrintProblem.REFUSED
    if isinstance(error, PermissionError):
        return PrintProblem.PERMISSION
    if isinstance(error, socket.gaierror | FileNotFoundError):
        return PrintProblem.NOT_FOUND
    if not isinstance(error, OSError) or error.errno is None:
        return None
    code = error.errno
    if code in (errno.EACCES, errno.EPERM):
        return PrintProblem.PERMISSION
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return PrintProblem.DISK_FULL
    if code == errno.ECONNREFUSED:
        return PrintProblem.REFUSED
    if code in (errno.ETIMEDOUT, errno.EAGAIN):
        return PrintProblem.TIMEOUT
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EHOSTUNREACH, errno.ENETUNREACH):
        return PrintProblem.NOT_FOUND
    return PrintProblem.FAILED
