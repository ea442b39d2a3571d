"""Tests for loyalty.member_code: signing, verifying and tampering with member codes, keys as text, the QR image."""

from __future__ import annotations

import io
import pickle
import re
import string
import uuid

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from loyalty.member_code import (
    CODE_PREFIX,
    CodeProblem,
    InvalidMemberCode,
    MemberCode,
    looks_like_member_code,
    new_signing_key,
    private_key_from_text,
    private_key_to_text,
    public_key_from_text,
    public_key_to_text,
    render_qr_png,
    sign_member_code,
    verify_member_code,
)

BASE32 = string.ascii_uppercase + "234567"
MEMBER = uuid.UUID("0b6f2a8e-3c1d-4e5f-9a7b-123456789abc")
SERIAL = 7
_PROPERTY_KEY = new_signing_key()  # hypothesis tests cannot take function-scoped fixtures


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return new_signing_key()


@pytest.fixture(scope="module")
def code(key: Ed25519PrivateKey) -> str:
    return sign_member_code(key, MEMBER, SERIAL)


def problem_of(text: str, key: Ed25519PrivateKey, revoked: tuple[int, ...] = ()) -> CodeProblem:
    with pytest.raises(InvalidMemberCode) as caught:
        verify_member_code(text, key.public_key(), revoked)
    assert isinstance(caught.value, ValueError)
    return caught.value.problem


# --- round trip and shape ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("serial", [0, 1, 7, 2**31, 2**32 - 1])
def test_round_trip_edge_serials(key: Ed25519PrivateKey, serial: int) -> None:
    member_id = uuid.uuid4()
    text = sign_member_code(key, member_id, serial)
    assert verify_member_code(text, key.public_key()) == MemberCode(member_id=member_id, card_serial=serial)


@settings(max_examples=50)
@given(member_id=st.uuids(), serial=st.integers(min_value=0, max_value=2**32 - 1))
def test_round_trip_random(member_id: uuid.UUID, serial: int) -> None:
    key = _PROPERTY_KEY
    text = sign_member_code(key, member_id, serial)
    assert CODE_PREFIX == "MD1"
    assert text.startswith(CODE_PREFIX)
    assert re.fullmatch(r"[A-Z2-7]+", text[len(CODE_PREFIX) :])
    assert len(text) <= 140
    result = verify_member_code(text, key.public_key())
    assert result.member_id == member_id
    assert result.card_serial == serial


def test_code_shape(code: str) -> None:
    assert len(code) == 138
    assert code.startswith("MD1")
    assert set(code[3:]) <= set(BASE32)
    assert looks_like_member_code(code)


@pytest.mark.parametrize("suffix", ["\n", "\t", "\r\n", " "])
def test_trailing_scanner_keys_accepted(key: Ed25519PrivateKey, code: str, suffix: str) -> None:
    assert verify_member_code(code + suffix, key.public_key()).card_serial == SERIAL
    assert verify_member_code(" " + code + suffix, key.public_key()).member_id == MEMBER


def test_member_code_is_frozen() -> None:
    member = MemberCode(member_id=MEMBER, card_serial=1)
    with pytest.raises(AttributeError):
        member.card_serial = 2  # type: ignore[misc]


# --- tampering --------------------------------------------------------------------------------------------------


def _positions(code: str) -> list[int]:
    body_start = len(CODE_PREFIX)
    return sorted({body_start, body_start + 1, body_start + 20, body_start + 26, 60, 100, len(code) - 2, len(code) - 1})


def test_every_single_character_flip_rejected(key: Ed25519PrivateKey, code: str) -> None:
    """Flip each position of the body to every other base32 character at several positions: never accepted."""
    for position in _positions(code):
        for replacement in BASE32:
            if replacement == code[position]:
                continue
            tampered = code[:position] + replacement + code[position + 1 :]
            assert problem_of(tampered, key) in {CodeProblem.BAD_SIGNATURE, CodeProblem.MALFORMED}


def test_all_positions_flip_rejected(key: Ed25519PrivateKey, code: str) -> None:
    for position in range(len(CODE_PREFIX), len(code)):
        replacement = BASE32[(BASE32.index(code[position]) + 1) % len(BASE32)]
        tampered = code[:position] + replacement + code[position + 1 :]
        assert problem_of(tampered, key) in {CodeProblem.BAD_SIGNATURE, CodeProblem.MALFORMED}


def test_flip_in_signed_data_is_bad_signature(key: Ed25519PrivateKey, code: str) -> None:
    position = len(CODE_PREFIX) + 5  # inside the UUID bytes, decodes fine
    replacement = "A" if code[position] != "A" else "B"
    assert problem_of(code[:position] + replacement + code[position + 1 :], key) is CodeProblem.BAD_SIGNATURE


def test_last_character_padding_bits_are_checked(key: Ed25519PrivateKey, code: str) -> None:
    """The last base32 character has 3 unused bits; changing only those must not slip through."""
    last = BASE32.index(code[-1])
    for low_bits in range(1, 8):
        tampered = code[:-1] + BASE32[last ^ low_bits]
        assert problem_of(tampered, key) is CodeProblem.MALFORMED


def test_wrong_key_is_bad_signature(code: str) -> None:
    assert problem_of(code, new_signing_key()) is CodeProblem.BAD_SIGNATURE


def test_code_signed_by_other_key_is_bad_signature(key: Ed25519PrivateKey) -> None:
    forged = sign_member_code(new_signing_key(), MEMBER, SERIAL)
    assert problem_of(forged, key) is CodeProblem.BAD_SIGNATURE


@pytest.mark.parametrize("cut", [1, 2, 8, 69])
def test_truncated_is_malformed(key: Ed25519PrivateKey, code: str, cut: int) -> None:
    assert problem_of(code[:-cut], key) is CodeProblem.MALFORMED


def test_truncated_by_half_is_malformed(key: Ed25519PrivateKey, code: str) -> None:
    assert problem_of(code[: len(code) // 2], key) is CodeProblem.MALFORMED


def test_every_truncation_rejected(key: Ed25519PrivateKey, code: str) -> None:
    for length in range(len(CODE_PREFIX), len(code)):
        assert problem_of(code[:length], key) is CodeProblem.MALFORMED


@pytest.mark.parametrize("extra", ["A", "2", "AAAAAAAA", "="])
def test_extra_characters_are_malformed(key: Ed25519PrivateKey, code: str, extra: str) -> None:
    assert problem_of(code + extra, key) is CodeProblem.MALFORMED


@pytest.mark.parametrize("bad", ["0", "1", "8", "9", "=", "-", " "])
def test_non_base32_character_is_malformed(key: Ed25519PrivateKey, code: str, bad: str) -> None:
    position = 50
    assert problem_of(code[:position] + bad + code[position + 1 :], key) is CodeProblem.MALFORMED


def test_lowercased_whole_code(key: Ed25519PrivateKey, code: str) -> None:
    assert problem_of(code.lower(), key) is CodeProblem.LOWERCASE
    assert problem_of(code.lower() + "\n", key) is CodeProblem.LOWERCASE


def test_one_lowercased_character(key: Ed25519PrivateKey, code: str) -> None:
    position = next(i for i in range(len(CODE_PREFIX), len(code)) if code[i].isalpha())
    assert problem_of(code[:position] + code[position].lower() + code[position + 1 :], key) is CodeProblem.LOWERCASE
    assert problem_of("md1" + code[3:], key) is CodeProblem.LOWERCASE


@pytest.mark.parametrize("text", ["MD2" + "A" * 135, "MD0" + "A" * 135, "XYZ", "hello world", "6901234567892"])
def test_unknown_version(key: Ed25519PrivateKey, text: str) -> None:
    assert problem_of(text, key) is CodeProblem.UNKNOWN_VERSION


def test_md2_prefix_on_real_code(key: Ed25519PrivateKey, code: str) -> None:
    assert problem_of("MD2" + code[3:], key) is CodeProblem.UNKNOWN_VERSION


@pytest.mark.parametrize("text", ["", " ", "\n", "\t\r\n"])
def test_empty(key: Ed25519PrivateKey, text: str) -> None:
    assert problem_of(text, key) is CodeProblem.EMPTY


def test_revoked_serial(key: Ed25519PrivateKey) -> None:
    revoked = sign_member_code(key, MEMBER, 41)
    current = sign_member_code(key, MEMBER, 42)
    assert problem_of(revoked, key, (41, 99)) is CodeProblem.REVOKED
    assert verify_member_code(current, key.public_key(), frozenset({41, 99})).card_serial == 42


def test_forged_code_with_revoked_serial_is_bad_signature(key: Ed25519PrivateKey) -> None:
    forged = sign_member_code(new_signing_key(), MEMBER, 41)
    assert problem_of(forged, key, (41,)) is CodeProblem.BAD_SIGNATURE


@pytest.mark.parametrize("serial", [-1, 2**32, 2**40])
def test_serial_out_of_range(key: Ed25519PrivateKey, serial: int) -> None:
    with pytest.raises(ValueError, match="card_serial"):
        sign_member_code(key, MEMBER, serial)


def test_exception_messages_and_pickle(code: str) -> None:
    for problem in CodeProblem:
        exc = InvalidMemberCode(problem)
        assert exc.problem is problem
        assert code not in str(exc)
        again = pickle.loads(pickle.dumps(exc))
        assert again.problem is problem


# --- routing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MD1" + "A" * 30, True),
        ("md1" + "a" * 30 + "\n", True),
        ("  MD2" + "A" * 30, True),
        ("MD" + "A" * 18, False),  # exactly 20 characters
        ("MD" + "A" * 19, True),
        ("13800138000", False),
        ("6901234567892", False),
        ("", False),
        ("XMD1" + "A" * 30, False),
        ("ＭＤ１" + "Ａ" * 30, True),  # full-width, as a Chinese input method in full-width mode types it
        ("ｍｄ１" + "ａ" * 30, True),
    ],
)
def test_looks_like_member_code(text: str, expected: bool) -> None:
    assert looks_like_member_code(text) is expected


# --- keys as text -----------------------------------------------------------------------------------------------


def test_keys_round_trip_through_text(key: Ed25519PrivateKey, code: str) -> None:
    public_text = public_key_to_text(key.public_key())
    private_text = private_key_to_text(key)
    assert len(public_text) == 44
    assert len(private_text) == 44
    public = public_key_from_text(public_text)
    private = private_key_from_text(private_text + "\n")
    assert verify_member_code(code, public).member_id == MEMBER
    assert verify_member_code(sign_member_code(private, MEMBER, 5), key.public_key()).card_serial == 5
    assert public_key_to_text(private.public_key()) == public_text


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", "A" * 43, "A" * 48, "@" * 44])
def test_bad_key_text_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        public_key_from_text(text)
    with pytest.raises(ValueError):
        private_key_from_text(text)


# --- QR image ---------------------------------------------------------------------------------------------------


def _decode_png(png: bytes) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


@pytest.mark.parametrize("serial", [0, 123456, 2**32 - 1])
def test_qr_decodes_with_zxing(key: Ed25519PrivateKey, serial: int) -> None:
    text = sign_member_code(key, uuid.uuid4(), serial)
    png = render_qr_png(text)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    barcodes = _decode_png(png)
    assert len(barcodes) == 1
    assert barcodes[0].format == zxingcpp.BarcodeFormat.QRCode
    assert barcodes[0].text == text
    assert verify_member_code(barcodes[0].text, key.public_key()).card_serial == serial


def test_qr_is_small_alphanumeric_version(code: str) -> None:
    """138 alphanumeric characters at level M fit version 6 (41 modules); byte mode would need version 8."""
    box_size, border = 8, 4
    with Image.open(io.BytesIO(render_qr_png(code, box_size=box_size, border=border))) as image:
        assert image.width == image.height
        modules = image.width // box_size - 2 * border
    assert image.width % box_size == 0
    version = (modules - 17) // 4
    assert version == 6


def test_qr_box_size_and_border(code: str) -> None:
    with Image.open(io.BytesIO(render_qr_png(code, box_size=4, border=2))) as image:
        assert image.size == ((41 + 2 * 2) * 4, (41 + 2 * 2) * 4)
    assert _decode_png(render_qr_png(code, box_size=4, border=2))[0].text == code


@pytest.mark.parametrize("text", ["", "md1abc", "MD1 ✓"])
def test_qr_refuses_non_alphanumeric(text: str) -> None:
    with pytest.raises(ValueError):
        render_qr_png(text)
