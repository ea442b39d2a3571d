"""The slip as a PNG: the paper's printable width (384 px on 58 mm, 576 on 80 mm), ink on it, the QR only for a
member, and the same picture for the same slip."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from slip.image import INK, has_cjk_font, render_image, render_png, slip_font
from slip.layout import Paper
from tests.slip.samples import guest_slip, member_slip


def _ink(image: Image.Image) -> int:
    grey = image.convert("L")
    return sum(grey.histogram()[: INK[0] + 40])


@pytest.mark.parametrize(("paper", "width"), [(Paper.MM58, 384), (Paper.MM80, 576)])
def test_a_png_is_the_papers_width_and_not_blank(paper: Paper, width: int) -> None:
    image = Image.open(io.BytesIO(render_png(member_slip(), paper)))
    assert image.format == "PNG"
    assert image.width == width
    assert image.height > 600  # a dozen rows and a QR
    assert _ink(image) > 0.05 * image.width * image.height  # text and the QR's dark modules


def test_the_qr_is_drawn_for_a_member_only() -> None:
    member, guest = render_image(member_slip()), render_image(guest_slip())
    assert member.height - guest.height > 250  # the QR (6-dot modules: 246 px) and its caption
    assert render_png(member_slip()) == render_png(member_slip())


@pytest.mark.skipif(not has_cjk_font(), reason="no Chinese font on this machine (fonts-noto-cjk)")
def test_chinese_is_drawn_in_glyphs_not_boxes() -> None:
    font = slip_font()
    missing = bytes(font.getmask("\U000f0000"))  # a private-use character no font draws: the "missing" box
    for char in "会员积分￥":
        assert bytes(font.getmask(char)) != missing, char
    assert font.getbbox("中")[2] - font.getbbox("中")[0] > 1.5 * (font.getbbox("A")[2] - font.getbbox("A")[0])
