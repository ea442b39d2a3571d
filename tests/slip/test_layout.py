"""Columns: 32 on 58 mm, 48 on 80 mm, a Chinese character two; every row fits, long text wraps."""

from __future__ import annotations

import pytest

from slip.layout import Paper, QrRow, TextRow, char_columns, lay_out, pair, text_columns, wrap
from slip.model import SlipCoupon
from tests.slip.samples import guest_slip, member_slip


def test_character_widths() -> None:
    # é is ambiguous width: GB18030 has it among the pinyin letters, printed full width like a Chinese character
    assert [char_columns(char) for char in "A1 中，￥·é\u0301"] == [1, 1, 1, 2, 2, 2, 2, 2, 0]
    assert text_columns("会员 138****8000") == 16


@pytest.mark.parametrize("paper", list(Paper))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_row_fits_the_paper(paper: Paper, language: str) -> None:
    rows = lay_out(member_slip(language), paper)
    widths = [text_columns(row.text) for row in rows if isinstance(row, TextRow)]
    assert max(widths) <= paper.columns
    assert paper.columns in widths  # a label and its figure span the paper: right-aligned figures
    assert sum(isinstance(row, QrRow) for row in rows) == 1


def test_a_long_line_wraps_at_32_but_not_at_48() -> None:
    text = "有机全脂牛奶 1L 装（冷藏）限时特惠"  # 34 columns
    assert text_columns(text) == 34
    assert len(wrap(text, Paper.MM58.columns)) == 2
    assert wrap(text, Paper.MM80.columns) == [text]


def test_english_words_are_not_split() -> None:
    assert wrap("Show this code on your next visit", 12) == ["Show this", "code on your", "next visit"]


def test_a_figure_that_does_not_fit_goes_after_the_wrapped_label() -> None:
    lines = pair("A very long product name for the slip", "x2 ￥39.80", 32)
    assert all(text_columns(line) <= 32 for line in lines)
    assert lines[-1].endswith("x2 ￥39.80")


def test_a_guest_slip_has_no_member_rows() -> None:
    rows = lay_out(guest_slip(), Paper.MM58)
    text = "\n".join(row.text for row in rows if isinstance(row, TextRow))
    assert "非会员消费" in text
    assert "****" not in text and "积分余额" not in text
    assert not any(isinstance(row, QrRow) for row in rows)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_each_coupon_is_a_row_with_what_it_took_off_or_the_gift(language: str) -> None:
    coupons = (SlipCoupon("满 100 减 10", 1_000), SlipCoupon("到店礼：环保袋", 0))
    rows = [row.text for row in lay_out(member_slip(language, coupons=coupons), Paper.MM58) if isinstance(row, TextRow)]
    coupon, gift = "券" if language == "zh_CN" else "Coupon", "赠品" if language == "zh_CN" else "Gift"
    assert any(row.startswith(f"{coupon} 满 100 减 10") and row.endswith("-￥10.00") for row in rows), rows
    assert any(row.startswith(f"{coupon} 到店礼：环保袋") and row.endswith(gift) for row in rows), rows
    assert all(text_columns(row) <= Paper.MM58.columns for row in rows)
