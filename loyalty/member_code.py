"""Signed member codes: the text a member's QR code carries, its Ed25519 signature check, keys, and the QR image.

This module owns the member code format (DESIGN.md §5). A code is ``MD1`` followed by the RFC 4648 base32 encoding
(A-Z2-7, ``=`` padding stripped) of 16 bytes member UUID + 4 bytes card serial (unsigned big-endian) + 64 bytes
Ed25519 signature over ``b"MD1" + uuid + serial``. The server signs, the till verifies offline with the server's
public key; a lost card is revoked by its serial. The whole code is uppercase alphanumeric, so it fits QR
alphanumeric mode and survives any keyboard layout of a keyboard-wedge scanner. Pure logic except
:func:`render_qr_png`, which builds PNG bytes in memory (no files).
"""

from __future__ import annotations

import base64
import binascii
import io
import string
import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "CODE_PREFIX",
    "CodeProblem",
    "InvalidMemberCode",
    "MemberCode",
    "looks_like_member_code",
    "new_signing_key",
    "private_key_from_text",
    "private_key_to_text",
    "public_key_from_text",
    "public_key_to_text",
    "render_qr_png",
    "sign_member_code",
    "verify_member_code",
]

CODE_PREFIX = "MD1"
SERIAL_LIMIT = 2**32  # card serials are 4 bytes unsigned: 0 <= serial < SERIAL_LIMIT

_UUID_BYTES = 16
_SERIAL_BYTES = 4
_SIGNATURE_BYTES = 64
_KEY_BYTES = 32
_PAYLOAD_BYTES = _UUID_BYTES + _SERIAL_BYTES + _SIGNATURE_BYTES  # 84
_BODY_CHARS = (_PAYLOAD_BYTES * 8 + 4) // 5  # 135 base32 characters once the padding is stripped
CODE_LENGTH = len(CODE_PREFIX) + _BODY_CHARS  # 138
_BASE32_ALPHABET = frozenset(string.ascii_uppercase + "234567")
_LOWERCASE = frozenset(string.ascii_lowercase)
_ROUTING_PREFIX = "MD"
_ROUTING_MIN_LENGTH = 20


class CodeProblem(StrEnum):
    """Why a scanned or typed text is not accepted as a member code (stable codes; the UI translates them)."""

    EMPTY = "empty"
    LOWERCASE = "lowercase"
    UNKNOWN_VERSION = "unknown_version"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    REVOKED = "revoked"


_MESSAGES: dict[CodeProblem, str] = {
    CodeProblem.EMPTY: "no member code was scanned",
    CodeProblem.LOWERCASE: "the member code arrived in lowercase (is Caps Lock on?)",
    CodeProblem.UNKNOWN_VERSION: "the text is not a member code of a known version",
    CodeProblem.MALFORMED: "the member code is truncated, too long or not base32",
    CodeProblem.BAD_SIGNATURE: "the member code signature does not verify",
    CodeProblem.REVOKED: "the member card has been revoked",
}


class InvalidMemberCode(ValueError):
    """A text that is not an acceptable member code; ``problem`` says why. The message never contains the code."""

    problem: CodeProblem

    def __init__(self, problem: CodeProblem) -> None:
        super().__init__(_MESSAGES[problem])
        self.problem = problem

    def __reduce__(self) -> tuple[type[InvalidMemberCode], tuple[CodeProblem]]:
        # Keep the exception picklable (the default would call __init__ with the message instead of the problem).
        return (type(self), (self.problem,))


@dataclass(frozen=True, slots=True)
class MemberCode:
    """What a verified member code says: which member, and which of their cards (for revocation)."""

    member_id: uuid.UUID
    card_serial: int


def _check_serial(card_serial: int) -> None:
    if isinstance(card_serial, bool) or not isinstance(card_serial, int):
        raise TypeError("card_serial must be an int")
    if not 0 <= card_serial < SERIAL_LIMIT:
        raise ValueError("card_serial must be in 0 <= serial < 2**32")


def _signed_message(uuid_bytes: bytes, serial_bytes: bytes) -> bytes:
    return CODE_PREFIX.encode("ascii") + uuid_bytes + serial_bytes


def looks_like_member_code(text: str) -> bool:
    """Cheap routing test for scanner input: starts with ``MD`` (any case) and is longer than 20 characters.

    Normalised like `verify_member_code` (NFKC), so a code typed while a Chinese input method was in full-width mode
    ("ＭＤ１…") is routed as a code too, not to name search."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return len(stripped) > _ROUTING_MIN_LENGTH and stripped[: len(_ROUTING_PREFIX)].upper() == _ROUTING_PREFIX


def sign_member_code(private_key: Ed25519PrivateKey, member_id: uuid.UUID, card_serial: int) -> str:
    """Build the signed code for a member's card. Raises ValueError if the serial is not 0 <= serial < 2**32."""
    _check_serial(card_serial)
    uuid_bytes = member_id.bytes
    serial_bytes = card_serial.to_bytes(_SERIAL_BYTES, "big")
    signature = private_key.sign(_signed_message(uuid_bytes, serial_bytes))
    body = base64.b32encode(uuid_bytes + serial_bytes + signature).decode("ascii").rstrip("=")
    return CODE_PREFIX + body


def verify_member_code(text: str, public_key: Ed25519PublicKey, revoked_serials: Collection[int] = ()) -> MemberCode:
    """Check a scanned or typed member code and return what it says; raises :class:`InvalidMemberCode` otherwise.

    Surrounding whitespace (the Enter or Tab a scanner appends) is ignored, and full-width characters are folded
    (NFKC) in case a Chinese input method was in full-width mode. Checks, in order: empty, lowercase, version
    prefix, shape (exact length, canonical base32), signature, revocation.
    """
    code = unicodedata.normalize("NFKC", text).strip()
    if not code:
        raise InvalidMemberCode(CodeProblem.EMPTY)
    if not _LOWERCASE.isdisjoint(code) and code.upper().startswith(CODE_PREFIX):
        raise InvalidMemberCode(CodeProblem.LOWERCASE)
    if not code.startswith(CODE_PREFIX):
        raise InvalidMemberCode(CodeProblem.UNKNOWN_VERSION)
    body = code[len(CODE_PREFIX) :]
    if len(body) != _BODY_CHARS or not _BASE32_ALPHABET.issuperset(body):
        raise InvalidMemberCode(CodeProblem.MALFORMED)
    padded = body + "=" * (-len(body) % 8)
    try:
        payload = base64.b32decode(padded)
    except binascii.Error:
        raise InvalidMemberCode(CodeProblem.MALFORMED) from None
    # The last character carries 3 unused bits; b32decode ignores them, so insist on the canonical encoding or a
    # changed last character would still verify.
    if len(payload) != _PAYLOAD_BYTES or base64.b32encode(payload).decode("ascii") != padded:
        raise InvalidMemberCode(CodeProblem.MALFORMED)
    uuid_bytes = payload[:_UUID_BYTES]
    serial_bytes = payload[_UUID_BYTES : _UUID_BYTES + _SERIAL_BYTES]
    signature = payload[_UUID_BYTES + _SERIAL_BYTES :]
    try:
        public_key.verify(signature, _signed_message(uuid_bytes, serial_bytes))
    except InvalidSignature:
        raise InvalidMemberCode(CodeProblem.BAD_SIGNATURE) from None
    card_serial = int.from_bytes(serial_bytes, "big")
    if card_serial in revoked_serials:
        raise InvalidMemberCode(CodeProblem.REVOKED)
    return MemberCode(member_id=uuid.UUID(bytes=uuid_bytes), card_serial=card_serial)


def new_signing_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key (server side)."""
    return Ed25519PrivateKey.generate()


def _decode_key_text(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"{what} must be {_KEY_BYTES} raw bytes, got {len(raw)}")
    return raw


def public_key_to_text(key: Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key (for config files and the wire)."""
    return base64.b64encode(key.public_bytes_raw()).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_to_text`; raises ValueError on bad input."""
    raw = _decode_key_text(text, "public key")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValueError("public key is not a valid Ed25519 key") from None


def private_key_to_text(key: Ed25519PrivateKey) -> str:
    """Base64 of the raw 32-byte private key (server configuration only)."""
    return base64.b64encode(key.private_bytes_raw()).decode("ascii")


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """Inverse of :func:`private_key_to_text`; raises ValueError on bad input."""
    raw = _decode_key_text(text, "private key")
    try:
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise ValueError("private key is not a valid Ed25519 key") from None


def render_qr_png(code: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """The QR image of a member code as PNG bytes: error correction M, one alphanumeric-mode segment.

    The mode is set explicitly rather than left to ``qrcode``'s optimiser, which would split off any run of 20+
    digits as a numeric segment; a 138-character code then always fits QR version 6.
    Raises ValueError if ``code`` has characters outside the QR alphanumeric set (e.g. lowercase).
    """
    # Imported here: only a screen that shows a code draws one, and qrcode with Pillow is not worth loading with
    # every till that checks codes (the lookup screen at start among them).
    import qrcode
    import qrcode.constants
    import qrcode.util
    from qrcode.image.pil import PilImage

    data = code.encode("ascii", errors="strict") if code.isascii() else None
    if not data or any(byte not in qrcode.util.ALPHA_NUM for byte in data):
        raise ValueError("a member code for a QR image must be non-empty QR-alphanumeric text")
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        image_factory=PilImage,
    )
    # types-qrcode declares MODE_ALPHA_NUM as a plain int but QRData's mode as a Literal; the value is 2 either way.
    alpha_num_mode = cast(Literal[1, 2, 4], qrcode.util.MODE_ALPHA_NUM)
    qr.add_data(qrcode.util.QRData(data, mode=alpha_num_mode))
    qr.make(fit=True)
    image = qr.make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
