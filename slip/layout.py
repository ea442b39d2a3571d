"""A slip laid out in printer columns: the rows both renderers draw (`slip.escpos_slip` on paper, `slip.image` as a
PNG), so the picture a person checks is the slip the printer prints.

A thermal printer's font is a grid: 32 columns on 58 mm paper, 48 on 80 mm. A Chinese character (and anything the
printer's GB18030 font draws full width: `unicodedata.east_asian_width` W, F or A) takes two columns, ASCII one.
Every row this module makes fits its width; a longer text wraps, a label and its figure that do not fit on one row
take two.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from slip.model import Slip
from slip.words import word


class Paper(IntEnum):
    """Paper width in millimetres."""

    MM58 = 58
    MM80 = 80

    @property
    def columns(self) -> int:
        return 32 if self is Paper.MM58 else 48

    @property
    def dots(self) -> int:
        """Printable width in dots (203 dpi heads): 384 on 58 mm, 576 on 80 mm."""
        return 384 if self is Paper.MM58 else 576


@dataclass(frozen=True, slots=True)
class TextRow:
    """One printed line, already padded to its place (centring and right-aligned figures are spaces)."""

    text: str
    bold: bool = False
    tall: bool = False  # double height: the store's name


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A dashed line across the paper."""


@dataclass(frozen=True, slots=True)
class QrRow:
    """The member's code as a QR, centred."""

    code: str


Row = TextRow | RuleRow | QrRow


def char_columns(char: str) -> int:
    """How many columns a character takes on the printer: two for wide and ambiguous-width characters (the printer's
    Chinese font draws every two-byte GB18030 character full width), none for combining marks, else one."""
    if char.isascii():
        return 1 if char.isprintable() else 0
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1


def text_columns(text: str) -> int:
    return sum(char_columns(char) for char in text)


def wrap(text: str, columns: int) -> list[str]:
    """`text` cut into lines of at most `columns` columns; Latin words are not split unless longer than a line."""
    lines: list[str] = []
    current = ""
    used = 0
    for char in text:
        width = char_columns(char)
        if used + width > columns:
            cut = current.rfind(" ") if char != " " and current.isascii() else -1
            if cut > 0:
                lines.append(current[:cut].rstrip())
                current = current[cut + 1 :]
                used = text_columns(current)
            else:
                lines.append(current.rstrip())
                current, used = "", 0
            if char == " " and not current:
                continue
        current += char
        used += width
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def centred(text: str, columns: int) -> list[str]:
    return [" " * ((columns - text_columns(line)) // 2) + line for line in wrap(text, columns)]


def pair(label: str, figure: str, columns: int) -> list[str]:
    """`label` at the left, `figure` at the right of one row; on two rows when they do not fit with a space."""
    gap = columns - text_columns(label) - text_columns(figure)
    if gap >= 1:
        return [label + " " * gap + figure]
    lines = wrap(label, columns)
    if text_columns(lines[-1]) + 1 + text_columns(figure) <= columns:  # the figure fits after the wrapped label
        return [*lines[:-1], *pair(lines[-1], figure, columns)]
    return [*lines, *(" " * (columns - text_columns(line)) + line for line in wrap(figure, columns))]


def yuan(cents: int) -> str:
    """Money on a slip: "￥1,234.50" (the full-width sign: every Chinese printer font has it, GB2312 A3A4)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}￥{whole:,}.{fraction:02d}"


def points(value: int, *, signed: bool = False) -> str:
    return f"{value:+,}" if signed else f"{value:,}"


def local_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def lay_out(slip: Slip, paper: Paper) -> list[Row]:
    """The rows of `slip` on `paper`, top to bottom (the renderers add the cut)."""
    cols = paper.columns
    lang = slip.language
    rows: list[Row] = []

    def text(*lines: str, bold: bool = False) -> None:
        rows.extend(TextRow(line, bold=bold) for line in lines)

    def figure(key: str, value: str, *, bold: bool = False) -> None:
        text(*pair(word(lang, key), value, cols), bold=bold)

    rows.extend(TextRow(line, bold=True, tall=True) for line in centred(slip.store_name, cols))
    title = "test_title" if slip.test else "title" if slip.has_member else "guest_title"
    text(*centred(word(lang, title), cols), bold=True)
    rows.append(RuleRow())
    figure("store", f"{slip.store_code} / {slip.till_name}")
    figure("time", local_time(slip.local_time))
    if slip.receipt_no:
        figure("receipt", slip.receipt_no)
    figure("staff", slip.staff_code)
    if slip.test:
        rows.append(RuleRow())
        text(*wrap(word(lang, "test_line"), cols))
    if slip.lines:
        rows.append(RuleRow())
        for line in slip.lines:
            amount = f"{word(lang, 'quantity', quantity=line.quantity)} {yuan(line.amount_cents)}"
            text(*pair(line.name, amount, cols))
    if slip.purchase_cents is not None:
        if not slip.lines:
            rows.append(RuleRow())
        figure("purchase", yuan(slip.purchase_cents), bold=True)
    if not slip.test:
        rows.append(RuleRow())
    if slip.has_member:
        assert slip.member_phone_masked is not None
        figure("member", slip.member_phone_masked)
        if slip.tier_name:
            figure("tier", slip.tier_name)
    elif not slip.test:
        text(word(lang, "no_member"))
    for coupon in slip.coupons:
        off = yuan(-coupon.discount_cents) if coupon.discount_cents else word(lang, "coupon_gift")
        text(*pair(word(lang, "coupon", name=coupon.name), off, cols))
    if slip.points_earned:
        figure("points_earned", points(slip.points_earned, signed=True))
    if slip.gift:
        text(*pair(word(lang, "gift"), slip.gift, cols))
    if slip.points_redeemed:
        figure("points_redeemed", points(-slip.points_redeemed, signed=True))
    if slip.discount_cents:
        figure("discount", yuan(-slip.discount_cents), bold=True)
    if slip.new_balance is not None:
        figure("new_balance", points(slip.new_balance), bold=True)
    if slip.expiring is not None:
        expiring = word(lang, "expiring", points=points(slip.expiring.points), date=slip.expiring.on.isoformat())
        text(*wrap(expiring, cols))
    if slip.member_code and slip.has_member:
        rows.append(RuleRow())
        rows.append(QrRow(slip.member_code))
        text(*centred(word(lang, "qr_caption"), cols))
    rows.append(RuleRow())
    text(*centred(word(lang, "thanks"), cols))
    return rows
