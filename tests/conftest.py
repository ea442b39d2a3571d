"""Shared fixtures: a fresh till store per test on a settable clock, and logged-in staff of each role."""

from __future__ import annotations

import os

# Cheap argon2id for the PINs tests hash (1 pass, 8 KiB) before loyalty.pins is imported; the servers and tills the
# tests start as processes inherit it. What ships is loyalty.pins.DEFAULT_COST (tests/test_pins.py checks it).
os.environ["MEMBERDESK_PIN_COST"] = "1:8"

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Never the real user's keyring: keyring's fail backend makes every till database keep its key in a key file beside
# it (localdb.keystore). Set before keyring is first imported; subprocesses the tests start inherit it.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from localdb.staff import StaffSession, hash_pin
from localdb.till import Till
from loyalty.roles import Role

PINS = {"M001": "2468", "C001": "1357", "G001": "8642"}


class FakeClock:
    """A clock the test moves by hand; starts at 10:00 China time on a Wednesday."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 18, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Staffing:
    manager: StaffSession
    cashier: StaffSession
    guide: StaffSession


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def till(tmp_path: Path, clock: FakeClock) -> Iterator[Till]:
    opened = Till.open(tmp_path / "store" / "till.sqlite3", clock=clock)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def pin_hashes() -> dict[str, str]:
    return {code: hash_pin(pin) for code, pin in PINS.items()}


@pytest.fixture
def staff(till: Till, pin_hashes: dict[str, str]) -> Staffing:
    till.staff.upsert("M001", "王店长", Role.MANAGER, pin_hashes["M001"])
    till.staff.upsert("C001", "李收银", Role.CASHIER, pin_hashes["C001"])
    till.staff.upsert("G001", "赵导购", Role.GUIDE, pin_hashes["G001"])
    return Staffing(
        manager=till.staff.login("M001", PINS["M001"]),
        cashier=till.staff.login("C001", PINS["C001"]),
        guide=till.staff.login("G001", PINS["G001"]),
    )
