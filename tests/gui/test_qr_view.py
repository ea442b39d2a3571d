"""The QR view alone: a member code painted crisp (black and white only, whole pixels a module) that an independent
decoder (zxing-cpp) reads off the screen and off the saved PNG, with its quiet zone; bad payloads refused."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from loyalty.member_code import new_signing_key, sign_member_code
from tests.gui.helpers import show_widget
from widgets.qr_view import PNG_MODULE_PIXELS, QUIET_ZONE, QrView

CODE = sign_member_code(new_signing_key(), uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), 1234)


def _decode(image: QImage, tmp_path: Path) -> list[str]:
    path = tmp_path / "decode.png"
    assert image.save(str(path))
    return [found.text for found in zxingcpp.read_barcodes(Image.open(path))]


def _view(qtbot: QtBot, width: int = 420, height: int = 360) -> QrView:
    return show_widget(qtbot, QrView(), size=(width, height))


def test_the_saved_png_is_the_code_alone_with_its_quiet_zone(qtbot: QtBot, tmp_path: Path) -> None:
    view = _view(qtbot)
    view.set_code(CODE)
    assert view.objectName() == "qrView" and view.code() == CODE
    assert view.modules() == 41 + 2 * QUIET_ZONE  # version 6 for a 138-character code

    saved = view.save_png(tmp_path / "code.png")

    image = Image.open(saved).convert("L")
    assert image.size == (view.modules() * PNG_MODULE_PIXELS,) * 2
    quiet = QUIET_ZONE * PNG_MODULE_PIXELS
    border = [image.getpixel((x, y)) for x in range(image.width) for y in range(quiet)]
    assert set(border) == {255}  # white all along the quiet zone
    assert image.getpixel((quiet, quiet)) == 0  # the finder pattern starts right after it
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [CODE]


def test_the_screen_shows_whole_pixels_per_module_without_smoothing(qtbot: QtBot, tmp_path: Path) -> None:
    view = _view(qtbot, 400, 300)
    view.set_code(CODE)
    shot = view.grab().toImage()
    rect = view.code_rect()
    assert rect.width() == view.modules() * view.module_pixels() and view.module_pixels() == 300 // view.modules()
    colours = {shot.pixelColor(x, y).lightness() for x in range(rect.left(), rect.right()) for y in
               range(rect.top(), rect.bottom(), 3)}  # fmt: skip
    assert colours == {0, 255}  # no grey: crisp edges a camera can read
    assert _decode(shot, tmp_path) == [CODE]


def test_a_payload_that_cannot_be_a_member_code_is_refused_and_the_shown_code_stays(qtbot: QtBot) -> None:
    view = _view(qtbot)
    with pytest.raises(ValueError):
        view.image()  # nothing shown yet
    view.set_code(CODE)
    for bad in (CODE.lower(), "", "会员码"):
        with pytest.raises(ValueError):
            view.set_code(bad)
    assert view.code() == CODE
    view.clear()
    assert view.code() is None and view.modules() == 0


def test_saving_where_it_cannot_be_written_raises_oserror(qtbot: QtBot, tmp_path: Path) -> None:
    view = _view(qtbot)
    view.set_code(CODE)
    with pytest.raises(OSError):
        view.save_png(tmp_path / "no such folder" / "code.png")
    assert not (tmp_path / "no such folder").exists()


def test_the_empty_view_says_what_it_waits_for(qtbot: QtBot) -> None:
    view = _view(qtbot, 300, 300)
    blank = view.grab().toImage()
    view.set_placeholder("Getting the code…")
    with_words = view.grab().toImage()
    assert blank != with_words  # the placeholder is painted, not an empty panel
