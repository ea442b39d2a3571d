"""Printer settings and printing: a bad setting is named, a slip reaches a real TCP printer on 127.0.0.1 and a file
printer byte for byte, and every failure (closed port, missing device, full disk, a device that never answers, no
USB library) comes out as one PrintFailed with its problem code, quickly."""

from __future__ import annotations

import errno
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from escpos.exceptions import DeviceNotFoundError

from slip.escpos_slip import slip_bytes
from slip.layout import Paper
from slip.printers import (
    PrinterConfig,
    PrinterKind,
    PrintFailed,
    PrintProblem,
    parse_usb_id,
    print_slip,
    problem_of,
    usb_id_text,
)
from tests.slip.samples import member_slip


def _failure(config: PrinterConfig) -> PrintFailed:
    with pytest.raises(PrintFailed) as caught:
        print_slip(config, member_slip())
    return caught.value


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_usb_ids_are_read_as_hex() -> None:
    assert parse_usb_id("0416") == 0x0416
    assert parse_usb_id(" 0x5011 ") == 0x5011
    assert usb_id_text(0x0416) == "0416"
    for bad in ("", "0", "12345", "xyz", "0x"):
        with pytest.raises(ValueError):
            parse_usb_id(bad)


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        (PrinterConfig(PrinterKind.USB, usb_vendor=0x0416), "usb_product"),
        (PrinterConfig(PrinterKind.NETWORK, host=""), "host"),
        (PrinterConfig(PrinterKind.NETWORK, host="printer 1"), "host"),
        (PrinterConfig(PrinterKind.NETWORK, host="10.0.0.9", port=70000), "port"),
        (PrinterConfig(PrinterKind.SERIAL, serial_device="/dev/ttyUSB0", baudrate=1234), "baudrate"),
        (PrinterConfig(PrinterKind.SERIAL), "serial_device"),
        (PrinterConfig(PrinterKind.FILE, file_path=" "), "file_path"),
    ],
)
def test_a_bad_setting_is_named_and_nothing_is_sent(config: PrinterConfig, setting: str) -> None:
    failure = _failure(config)
    assert failure.problem is PrintProblem.BAD_SETTING
    assert failure.setting == setting


def test_no_printer_set() -> None:
    assert _failure(PrinterConfig()).problem is PrintProblem.NOT_SET


def test_a_network_printer_gets_the_whole_job() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            while chunk := connection.recv(65536):
                received.extend(chunk)

    reader = threading.Thread(target=serve, daemon=True)
    reader.start()
    config = PrinterConfig(PrinterKind.NETWORK, host="127.0.0.1", port=server.getsockname()[1], paper=Paper.MM80)
    print_slip(config, member_slip())
    reader.join(5)
    server.close()
    assert bytes(received) == slip_bytes(member_slip(), paper=Paper.MM80)


def test_a_closed_port_is_refused_quickly() -> None:
    started = time.monotonic()
    failure = _failure(PrinterConfig(PrinterKind.NETWORK, host="127.0.0.1", port=_closed_port()))
    assert failure.problem is PrintProblem.REFUSED
    assert time.monotonic() - started < 2


def test_a_file_printer_gets_the_whole_job(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    print_slip(PrinterConfig(PrinterKind.FILE, file_path=str(target)), member_slip())
    assert target.read_bytes() == slip_bytes(member_slip())


def test_a_missing_device_is_not_found(tmp_path: Path) -> None:
    config = PrinterConfig(PrinterKind.FILE, file_path=str(tmp_path / "no such folder" / "lp0"))
    assert _failure(config).problem is PrintProblem.NOT_FOUND
    serial = PrinterConfig(PrinterKind.SERIAL, serial_device=str(tmp_path / "ttyUSB9"))
    assert _failure(serial).problem is PrintProblem.NOT_FOUND


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's always-full device")
def test_a_full_disk_is_said() -> None:
    assert _failure(PrinterConfig(PrinterKind.FILE, file_path="/dev/full")).problem is PrintProblem.DISK_FULL


@pytest.mark.skipif(sys.platform == "win32", reason="a FIFO is POSIX")
def test_a_device_that_never_answers_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "printer-fifo"
    os.mkfifo(fifo)  # opening it for writing waits for a reader that never comes
    started = time.monotonic()
    config = PrinterConfig(PrinterKind.FILE, file_path=str(fifo), timeout_seconds=0.5)
    assert _failure(config).problem is PrintProblem.TIMEOUT
    assert time.monotonic() - started < 2
    with fifo.open("rb"):  # let the left-behind thread finish
        pass


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_no_permission_is_said(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.touch()
    target.chmod(0o400)
    assert _failure(PrinterConfig(PrinterKind.FILE, file_path=str(target))).problem is PrintProblem.PERMISSION


def test_a_usb_printer_that_is_not_there() -> None:
    # With libusb on the machine: not found; without it (a bare CI box, Windows without the driver): no driver.
    failure = _failure(PrinterConfig(PrinterKind.USB, usb_vendor=0xFFFE, usb_product=0xFFFE, timeout_seconds=3))
    assert failure.problem in (PrintProblem.NOT_FOUND, PrintProblem.NO_USB_DRIVER)


def _wrapped(cause: BaseException) -> DeviceNotFoundError:
    """As python-escpos raises it: DeviceNotFoundError raised while handling the OS's error."""
    try:
        try:
            raise cause
        except BaseException:
            raise DeviceNotFoundError("Could not open") from None
    except DeviceNotFoundError as error:
        error.__context__ = cause
        return error


@pytest.mark.parametrize(
    ("cause", "problem"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), PrintProblem.PERMISSION),
        (OSError(errno.EACCES, "Access denied (insufficient permissions)"), PrintProblem.PERMISSION),
        (OSError(errno.ENOSPC, "No space left on device"), PrintProblem.DISK_FULL),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), PrintProblem.REFUSED),
        (TimeoutError("timed out"), PrintProblem.TIMEOUT),
        (socket.gaierror(-2, "Name or service not known"), PrintProblem.NOT_FOUND),
        (OSError(errno.EHOSTUNREACH, "No route to host"), PrintProblem.NOT_FOUND),
        (AssertionError("Device not found"), PrintProblem.NOT_FOUND),
        (OSError(errno.EIO, "Input/output error"), PrintProblem.FAILED),
    ],
)
def test_what_a_device_raises_becomes_one_problem(cause: BaseException, problem: PrintProblem) -> None:
    assert problem_of(_wrapped(cause)) is problem
    assert problem_of(cause) is problem


def test_no_usb_library_is_a_driver_problem() -> None:
    import usb.core

    assert problem_of(usb.core.NoBackendError("No backend available")) is PrintProblem.NO_USB_DRIVER
