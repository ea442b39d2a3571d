"""The bytes a slip sends, read back from python-escpos' Dummy printer: ESC @ first, Chinese as GB18030 inside the
printer's Chinese mode (FS & ... FS .), the QR command (GS ( k) carrying the member code, the partial cut (GS V 1)
last, and no line wider than the paper."""

from __future__ import annotations

import re

import pytest

from slip.escpos_slip import CHINESE_OFF, CHINESE_ON, ESC_INIT, PARTIAL_CUT, QR_COMMAND, render_escpos, slip_bytes
from slip.layout import Paper, text_columns
from slip.printers import dummy_printer
from tests.slip.samples import guest_slip, member_code, member_slip

_CHINESE = re.compile(re.escape(CHINESE_ON) + b"(.*?)" + re.escape(CHINESE_OFF), re.DOTALL)
_CONTROL = re.compile(rb"\x1b[@]|\x1b[Ea].|\x1d!.|\x1c[&.]")


def _chinese_runs(data: bytes) -> list[str]:
    return [run.decode("gb18030") for run in _CHINESE.findall(data)]


def _printed_lines(data: bytes) -> list[str]:
    """The text lines of a job (before the QR), control sequences taken out, GB18030 decoded."""
    text_part = data.split(QR_COMMAND)[0].split(b"\x1dv0")[0]
    plain = _CONTROL.sub(b"", text_part)
    return plain.decode("gb18030").split("\n")


def test_a_job_starts_with_init_and_ends_with_a_partial_cut() -> None:
    data = slip_bytes(member_slip())
    assert data.startswith(ESC_INIT)
    assert data.endswith(b"\x1bd\x06" + PARTIAL_CUT)  # feed past the blade, then cut
    assert data.count(PARTIAL_CUT) == 1


def test_chinese_goes_as_gb18030_in_chinese_mode() -> None:
    data = slip_bytes(member_slip())
    runs = "".join(_chinese_runs(data))
    for text in ("旗舰店", "会员积分小票", "收银员", "积分余额", "金卡", "下次到店请出示此码", "￥128.50"):
        assert text in runs
    assert "旗舰店".encode("gb18030") in data
    assert "旗舰店".encode() not in data  # never UTF-8: the printer would print mojibake
    assert data.count(CHINESE_ON) == data.count(CHINESE_OFF)
    # Outside the Chinese mode only ASCII and control bytes.
    assert all(byte < 0x80 for byte in _CHINESE.sub(b"", data.split(QR_COMMAND)[0]))


def test_the_member_code_goes_in_the_printers_qr_command() -> None:
    data = slip_bytes(member_slip())
    code = member_code().encode("ascii")
    store = QR_COMMAND + (len(code) + 3).to_bytes(2, "little") + b"1P0" + code  # GS ( k pL pH cn=49 fn=80 m=48
    assert store in data
    assert QR_COMMAND + b"\x03\x001Q0" in data  # print the stored code
    assert QR_COMMAND + b"\x03\x001C\x06" in data  # 6-dot modules on 58 mm


def test_without_the_qr_command_the_qr_is_a_raster_image() -> None:
    data = slip_bytes(member_slip(), native_qr=False)
    assert QR_COMMAND not in data
    assert b"\x1dv0" in data  # GS v 0


@pytest.mark.parametrize(("paper", "columns"), [(Paper.MM58, 32), (Paper.MM80, 48)])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_line_is_wider_than_the_paper(paper: Paper, columns: int, language: str) -> None:
    lines = _printed_lines(slip_bytes(member_slip(language), paper=paper))
    assert max(text_columns(line) for line in lines) == columns  # the dashed rules span the paper exactly
    assert "-" * columns in lines


def test_a_long_line_is_cut_at_32_columns_but_not_at_48() -> None:
    name = "有机全脂牛奶 1L 装（冷藏）限时特惠"  # 34 columns
    slip = member_slip(lines=(member_slip().lines[0].__class__(name, 1, 100),))
    narrow = _printed_lines(slip_bytes(slip, paper=Paper.MM58))
    wide = _printed_lines(slip_bytes(slip, paper=Paper.MM80))
    assert not any(name in line for line in narrow)
    assert any(line.startswith("有机全脂牛奶 1L 装（冷藏）限时") for line in narrow)
    assert any(line.startswith(name) for line in wide)


def test_a_slip_without_a_member_has_no_phone_and_no_qr() -> None:
    data = slip_bytes(guest_slip())
    text = "\n".join(_printed_lines(data))
    assert "非会员消费" in text
    assert "****" not in text
    assert QR_COMMAND not in data and b"\x1dv0" not in data


def test_an_english_slip_is_english_but_for_the_stores_name_and_money() -> None:
    data = slip_bytes(member_slip("en"))
    text = "\n".join(_printed_lines(data))
    for words in ("Member points slip", "Points earned", "+128", "Points balance", "2,345", "10:05"):
        assert words in text
    for run in _chinese_runs(data):  # the store's and till's names as head office wrote them, and the money sign
        assert run.replace("旗舰店", "").replace("1号收银台", "").replace("￥", "").isascii(), run


def test_render_escpos_writes_onto_any_escpos_printer() -> None:
    printer = dummy_printer(Paper.MM80)
    render_escpos(member_slip(), printer, paper=Paper.MM80)
    assert bytes(printer.output) == slip_bytes(member_slip(), paper=Paper.MM80)
