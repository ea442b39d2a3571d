"""The slip drawn as a PNG with Pillow, as the thermal printer would print it: the same rows (`slip.layout`) on a
grid of 12 x 24-dot cells (a Chinese character two cells wide), the printable width of the paper — 384 px for
58 mm, 576 px for 80 mm — bold as the printer's double strike, the store's name in double height, the member's QR
from `qrcode` (`loyalty.member_code.render_qr_png`), and a torn edge where the cutter cuts.

For people to look at (docs/screenshots/slips/, a reprint preview) and for tests; the printer is sent the ESC/POS
bytes of `slip.escpos_slip`, not this picture.

The font: Noto Sans Mono CJK SC where it is installed (its Latin is exactly half its Chinese, like the printer's),
else another CJK font the system has (found by file name in the system's font folders, on Linux, Windows and macOS
alike), else Pillow's own font, whose missing Chinese glyphs show as boxes.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from loyalty.member_code import render_qr_png
from slip.escpos_slip import QR_DOTS
from slip.layout import Paper, QrRow, RuleRow, TextRow, char_columns, lay_out
from slip.model import Slip

CELL_WIDTH = 12
FONT_SIZE = 24
LINE_HEIGHT = 32  # ESC/POS's default line spacing is about 1/6 inch: 30-34 dots
MARGIN_TOP = 24
MARGIN_BOTTOM = 48  # the feed before the cut
PAPER = (250, 248, 242)  # thermal paper's warm white
INK = (34, 34, 38)

# (file name, the face wanted in a collection); a file name alone is looked up in the system's font folders.
_FONTS = (
    ("NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),
    ("NotoSansMonoCJKsc-Regular.otf", ""),
    ("NotoSansCJKsc-Regular.otf", ""),
    ("NotoSansSC-Regular.otf", ""),
    ("msyh.ttc", ""),  # Windows: Microsoft YaHei
    ("simhei.ttf", ""),
    ("/System/Library/Fonts/PingFang.ttc", ""),
    ("/System/Library/Fonts/STHeiti Light.ttc", ""),
    ("wqy-microhei.ttc", ""),
)


@cache
def _font() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    for name, face in _FONTS:
        try:
            font = ImageFont.truetype(name, FONT_SIZE)
        except OSError:
            continue
        if face:
            for index in range(12):
                try:
                    candidate = ImageFont.truetype(name, FONT_SIZE, index=index)
                except OSError:
                    break
                if candidate.getname()[0] == face:
                    return candidate, True
        return font, True
    return ImageFont.load_default(FONT_SIZE), False


def slip_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first CJK font found (see the module docstring), at the printer's 24-dot size."""
    return _font()[0]


def has_cjk_font() -> bool:
    """Whether a font with Chinese glyphs was found (else Chinese shows as boxes)."""
    return _font()[1]


def _draw_line(draw: ImageDraw.ImageDraw, text: str, top: int, *, bold: bool) -> None:
    font = slip_font()
    column = 0
    for char in text:
        width = char_columns(char)
        if width and not char.isspace():
            left = column * CELL_WIDTH
            box = font.getbbox(char)
            glyph_width = box[2] - box[0]
            x = left + (width * CELL_WIDTH - glyph_width) / 2 - box[0]
            for dx in (0, 1) if bold else (0,):  # the printer's emphasis: each dot struck twice, one dot apart
                draw.text((x + dx, top), char, font=font, fill=INK)
        column += width


def _text_row(row: TextRow, paper: Paper) -> Image.Image:
    strip = Image.new("RGB", (paper.dots, LINE_HEIGHT), PAPER)
    _draw_line(ImageDraw.Draw(strip), row.text, (LINE_HEIGHT - FONT_SIZE) // 2 - 4, bold=row.bold)
    if row.tall:  # double height: the same dots, each twice as tall
        strip = strip.resize((paper.dots, LINE_HEIGHT * 2), Image.Resampling.NEAREST)
    return strip


def _qr_row(row: QrRow, paper: Paper) -> Image.Image:
    qr = Image.open(io.BytesIO(render_qr_png(row.code, box_size=QR_DOTS[paper], border=2))).convert("L")
    strip = Image.new("RGB", (paper.dots, qr.height + 8), PAPER)
    dark = qr.point(lambda value: 255 if value < 128 else 0)  # the QR's dark modules, printed in ink
    strip.paste(INK, ((paper.dots - qr.width) // 2, 4, (paper.dots + qr.width) // 2, 4 + qr.height), dark)
    return strip


def render_image(slip: Slip, paper: Paper = Paper.MM58) -> Image.Image:
    """The slip as a picture, `paper.dots` pixels wide."""
    strips: list[Image.Image] = []
    for row in lay_out(slip, paper):
        if isinstance(row, TextRow):
            strips.append(_text_row(row, paper))
        elif isinstance(row, RuleRow):
            strips.append(_text_row(TextRow("-" * paper.columns), paper))
        else:
            strips.append(_qr_row(row, paper))
    height = MARGIN_TOP + sum(strip.height for strip in strips) + MARGIN_BOTTOM
    image = Image.new("RGB", (paper.dots, height), PAPER)
    top = MARGIN_TOP
    for strip in strips:
        image.paste(strip, (0, top))
        top += strip.height
    _torn_edge(image)
    return image


def _torn_edge(image: Image.Image) -> None:
    """A zig-zag along the bottom, where the cutter leaves the paper."""
    draw = ImageDraw.Draw(image)
    bottom = image.height - 1
    tooth = 8
    points = [(x, bottom - (tooth if (x // tooth) % 2 else 0)) for x in range(0, image.width + tooth, tooth)]
    behind = (200, 200, 200)  # the counter the slip lies on
    draw.polygon([*points, (image.width, image.height), (0, image.height)], fill=behind)


def render_png(slip: Slip, paper: Paper = Paper.MM58) -> bytes:
    """The slip as PNG bytes."""
    buffer = io.BytesIO()
    render_image(slip, paper).save(buffer, format="PNG")
    return buffer.getvalue()
