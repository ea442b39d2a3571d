"""Staff PINs: 4-8 digits, stored as salted argon2id hashes in one text format shared by the server (which issues
them) and the till (which checks them offline). Pure computation, no I/O.

A 4-digit PIN has 10,000 values, so what protects it in a stolen till file is only the cost of one guess: argon2id
with `DEFAULT_COST` (64 MiB, 6 passes, one lane) takes about a third of a second per check on the till's CPU, and
the memory makes a GPU no cheaper per guess (docs/operations.md, "Staff PINs", has the measured guess rate).

Hashes made before argon2id (`scrypt$N$r$p$salt$digest`) still verify, so tills in the field keep working; new and
reset PINs always get argon2id, and `needs_rehash` tells which stored hashes are older or weaker than the default.

The cost of *new* hashes can be lowered for tests only: `MEMBERDESK_PIN_COST=TIME_COST:MEMORY_KIB` in the
environment when this module is first imported (the test suite's conftest sets it, and the servers and tills it
starts inherit it), or `set_cost`. A hash carries its own parameters, so checking one always costs what it was made
with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_PIN = re.compile(r"[0-9]{4,8}")
_ARGON2_PREFIX: Final = "$argon2id$"
_LEGACY_PREFIX: Final = "scrypt$"
_COST_VARIABLE: Final = "MEMBERDESK_PIN_COST"


@dataclass(frozen=True, slots=True)
class PinCost:
    """Argon2id parameters: passes over the memory, KiB of memory, lanes (threads)."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1


#: What is shipped: one check ≥ 250 ms on the reference machine (measured 0.32-0.34 s, bench/pin_guess.py).
DEFAULT_COST: Final = PinCost(time_cost=6, memory_kib=64 * 1024, parallelism=1)
#: The lowest cost `needs_rehash` accepts as current.
MIN_COST: Final = DEFAULT_COST


class InvalidPin(ValueError):
    """A PIN that is not 4 to 8 digits."""


def _cost_from_environment() -> PinCost:
    text = os.environ.get(_COST_VARIABLE, "").strip()
    if not text:
        return DEFAULT_COST
    try:
        time_cost, memory_kib = (int(part) for part in text.split(":"))
    except ValueError:
        return DEFAULT_COST  # an unreadable setting never weakens the hashes
    return PinCost(time_cost=max(1, time_cost), memory_kib=max(8, memory_kib))


def _hasher(cost: PinCost) -> PasswordHasher:
    return PasswordHasher(
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


_cost = _cost_from_environment()
_hasher_now = _hasher(_cost)
_dummy: str | None = None


def set_cost(cost: PinCost) -> None:
    """The cost of hashes made from now on (tests; the shipped default is `DEFAULT_COST`)."""
    global _cost, _hasher_now, _dummy
    _cost, _hasher_now, _dummy = cost, _hasher(cost), None


def current_cost() -> PinCost:
    return _cost


def _normal_pin(pin: str) -> str:
    """Full-width digits from a Chinese input method are the same PIN."""
    return unicodedata.normalize("NFKC", pin).strip()


def hash_pin(pin: str) -> str:
    """The stored form of a PIN (argon2id, PHC string format); refuses a PIN that is not 4 to 8 digits."""
    pin = _normal_pin(pin)
    if not _PIN.fullmatch(pin):
        raise InvalidPin("a PIN is 4 to 8 digits")
    return _hasher_now.hash(pin)


def dummy_pin_hash() -> str:
    """A hash no PIN is known to match, at the current cost: checked when a staff code is unknown, so the answer
    takes the same time as a real check and does not tell which codes exist."""
    global _dummy
    if _dummy is None:
        _dummy = _hasher_now.hash(secrets.token_hex(16))
    return _dummy


def is_legacy_hash(stored: str) -> bool:
    """A hash from before argon2id (scrypt)."""
    parts = stored.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(p.isalnum() for p in parts[1:])


def is_pin_hash(stored: str) -> bool:
    """Whether `stored` is a PIN hash this code can check (argon2id, or the legacy scrypt form)."""
    if stored.startswith(_ARGON2_PREFIX):
        try:
            _parameters(stored)
        except (ValueError, KeyError):
            return False
        return len(stored) <= 200
    return is_legacy_hash(stored)


def _parameters(stored: str) -> PinCost:
    """The argon2id parameters a hash was made with (ValueError for one that is not argon2id)."""
    parts = stored.split("$")  # '', 'argon2id', 'v=19', 'm=…,t=…,p=…', salt, hash
    if len(parts) != 6 or parts[1] != "argon2id" or not parts[4] or not parts[5]:
        raise ValueError("not an argon2id hash")
    fields = dict(field.split("=", 1) for field in parts[3].split(",") if "=" in field)
    return PinCost(time_cost=int(fields["t"]), memory_kib=int(fields["m"]), parallelism=int(fields["p"]))


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash is legacy (scrypt) or cheaper than `MIN_COST`: replace it when the PIN is next set."""
    if not stored.startswith(_ARGON2_PREFIX):
        return True
    try:
        cost = _parameters(stored)
    except (ValueError, KeyError):
        return True
    return cost.time_cost < MIN_COST.time_cost or cost.memory_kib < MIN_COST.memory_kib


def pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` is the PIN `stored` was made from (argon2id or legacy scrypt); False for anything unreadable."""
    candidate = _normal_pin(pin)
    if stored.startswith(_ARGON2_PREFIX):
        try:
            return _hasher_now.verify(stored, candidate)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    if not is_legacy_hash(stored):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    try:
        computed = hashlib.scrypt(
            candidate.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)
