"""Staff PINs: 4-8 digits, stored as salted scrypt hashes in one text format shared by the server (which issues
them) and the till (which checks them offline). Pure computation, no I/O."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_PIN = re.compile(r"[0-9]{4,8}")

#: A hash no PIN matches, checked against when a code is unknown so the answer takes the same time.
DUMMY_PIN_HASH = f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${'00' * 16}${'00' * 32}"


class InvalidPin(ValueError):
    """A PIN that is not 4 to 8 digits."""


def _normal_pin(pin: str) -> str:
    """Full-width digits from a Chinese input method are the same PIN."""
    return unicodedata.normalize("NFKC", pin).strip()


def hash_pin(pin: str) -> str:
    pin = _normal_pin(pin)
    if not _PIN.fullmatch(pin):
        raise InvalidPin("a PIN is 4 to 8 digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def is_pin_hash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(p.isalnum() for p in parts[1:])


def pin_matches(pin: str, stored: str) -> bool:
    if not is_pin_hash(stored):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(
        _normal_pin(pin).encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
    )
    return hmac.compare_digest(candidate.hex(), digest)
