"""A slip rendered onto any python-escpos printer object (`escpos.printer.Dummy` in tests and for a whole job's
bytes, a real printer otherwise): the printer initialised (ESC @), each laid-out row as bytes, the member's QR, and a
partial cut (GS V 1) at the end.

Chinese: python-escpos 3.1 does not select a Chinese code page. Its `text()` sends a line as GB18030 only when the
line holds a character in U+4E00-U+9FA5, without putting the printer in its Chinese mode, and sends any other
non-ASCII character (the full-width ￥, a full-width colon) through its single-byte code pages, where it becomes
"?". So every line with a non-ASCII character is written here with the library's raw write: FS & (Chinese
character mode on, what most Chinese thermal printers need), the line as GB18030 bytes, FS . (mode off). ASCII lines
are written raw too, so the bytes of a slip do not depend on the library's code-page guesses.

The QR: `printer.qr(native=True)` is the printer's own QR command (GS ( k, the code sent as text, crisp at any size);
`native=False` draws the QR with `qrcode` and sends it as a raster image (GS v 0), for printers without the command.
"""

from __future__ import annotations

from typing import Any

from escpos.constants import QR_ECLEVEL_M

from slip.layout import Paper, QrRow, RuleRow, TextRow, lay_out
from slip.model import Slip

ESC_INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"  # FS &
CHINESE_OFF = b"\x1c."  # FS .
BOLD_ON, BOLD_OFF = b"\x1bE\x01", b"\x1bE\x00"
TALL_ON, NORMAL_SIZE = b"\x1d!\x01", b"\x1d!\x00"  # GS ! : double height (same columns), normal
ALIGN_LEFT, ALIGN_CENTRE = b"\x1ba\x00", b"\x1ba\x01"
PARTIAL_CUT = b"\x1dV\x01"  # GS V 1
QR_COMMAND = b"\x1d(k"  # GS ( k: the printer's own 2D code functions
LF = b"\n"

#: QR module size in dots: the 138-character member code is a 41-module QR (version 6, level M).
QR_DOTS = {Paper.MM58: 6, Paper.MM80: 8}


def line_bytes(text: str) -> bytes:
    """One printed line: plain ASCII, or GB18030 in the printer's Chinese mode when it has any other character."""
    if text.isascii():
        return text.encode("ascii") + LF
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF + LF


def render_escpos(slip: Slip, printer: Any, *, paper: Paper = Paper.MM58, native_qr: bool = True) -> None:
    """Write `slip` to a python-escpos printer object (an `escpos.escpos.Escpos`: `_raw`, `qr`, `cut`).

    Typed `Any`: python-escpos ships no type information.
    """
    raw = printer._raw  # the library's raw write: see the module docstring for why
    raw(ESC_INIT)
    raw(ALIGN_LEFT)
    for row in lay_out(slip, paper):
        if isinstance(row, TextRow):
            raw((BOLD_ON if row.bold else b"") + (TALL_ON if row.tall else b""))
            raw(line_bytes(row.text))
            raw((NORMAL_SIZE if row.tall else b"") + (BOLD_OFF if row.bold else b""))
        elif isinstance(row, RuleRow):
            raw(line_bytes("-" * paper.columns))
        elif isinstance(row, QrRow):
            raw(ALIGN_CENTRE)
            if native_qr:
                printer.qr(row.code, ec=QR_ECLEVEL_M, size=QR_DOTS[paper], native=True)
                raw(LF)
            else:
                printer.qr(row.code, ec=QR_ECLEVEL_M, size=QR_DOTS[paper] - 1, native=False, center=False)
            raw(ALIGN_LEFT)
    printer.cut(mode="PART")  # feeds the slip past the blade (ESC d 6), then GS V 1


def slip_bytes(slip: Slip, *, paper: Paper = Paper.MM58, native_qr: bool = True) -> bytes:
    """The whole print job as bytes (rendered on a Dummy printer): what `slip.printers.print_slip` sends."""
    from slip.printers import dummy_printer

    printer = dummy_printer(paper)
    render_escpos(slip, printer, paper=paper, native_qr=native_qr)
    return bytes(printer.output)
